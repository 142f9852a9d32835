// Handler for api CountUsers: GET /stats/users (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { CountUsersRequest, CountUsersResponse } from "../../generated/api/count_users";
import type { State } from "../../generated/state";

export async function handler(req: CountUsersRequest, state: State): Promise<CountUsersResponse> {
  state.logger.info("CountUsers called", { request: req });
  throw new Error("CountUsers is not implemented yet (src/handlers/api/CountUsers.ts)");
}
