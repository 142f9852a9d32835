// Handler for api GetPost: GET /users/:userId/posts/:postId (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { GetPostRequest, GetPostResponse } from "../../generated/api/get_post";
import type { State } from "../../generated/state";

export async function handler(req: GetPostRequest, state: State): Promise<GetPostResponse> {
  state.logger.info("GetPost called", { request: req });
  throw new Error("GetPost is not implemented yet (src/handlers/api/GetPost.ts)");
}
