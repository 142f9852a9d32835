// Handler for api ImportPosts: POST /posts/import (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { ImportPostsRequest, ImportPostsResponse } from "../../generated/api/import_posts";
import type { State } from "../../generated/state";

export async function handler(req: ImportPostsRequest, state: State): Promise<ImportPostsResponse> {
  state.logger.info("ImportPosts called", { request: req });
  throw new Error("ImportPosts is not implemented yet (src/handlers/api/ImportPosts.ts)");
}
