// Handler for api GetUser: GET /users/:id (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { GetUserRequest, GetUserResponse } from "../../generated/api/get_user";
import type { State } from "../../generated/state";

export async function handler(req: GetUserRequest, state: State): Promise<GetUserResponse> {
  state.logger.info("GetUser called", { request: req });
  throw new Error("GetUser is not implemented yet (src/handlers/api/GetUser.ts)");
}
