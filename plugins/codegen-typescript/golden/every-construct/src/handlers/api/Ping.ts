// Handler for api Ping: POST /ping (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { PingRequest, PingResponse } from "../../generated/api/ping";
import type { State } from "../../generated/state";

export async function handler(req: PingRequest, state: State): Promise<PingResponse> {
  state.logger.info("Ping called", { request: req });
  throw new Error("Ping is not implemented yet (src/handlers/api/Ping.ts)");
}
