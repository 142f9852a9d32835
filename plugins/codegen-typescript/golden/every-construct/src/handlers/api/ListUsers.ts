// Handler for api ListUsers: GET /users (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { ListUsersRequest, ListUsersResponse } from "../../generated/api/list_users";
import type { State } from "../../generated/state";

export async function handler(req: ListUsersRequest, state: State): Promise<ListUsersResponse> {
  state.logger.info("ListUsers called", { request: req });
  throw new Error("ListUsers is not implemented yet (src/handlers/api/ListUsers.ts)");
}
