// Handler for api CreateUser: POST /users (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { CreateUserRequest, CreateUserResponse } from "../../generated/api/create_user";
import type { State } from "../../generated/state";

export async function handler(req: CreateUserRequest, state: State): Promise<CreateUserResponse> {
  state.logger.info("CreateUser called", { request: req });
  // What you return is the response and the payload of UserCreated (this api's triggers).
  throw new Error("CreateUser is not implemented yet (src/handlers/api/CreateUser.ts)");
}
