// Handler for api Health: GET /healthz (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { HealthRequest, HealthResponse } from "../../generated/api/health";
import type { State } from "../../generated/state";

export async function handler(req: HealthRequest, state: State): Promise<HealthResponse> {
  state.logger.info("Health called", { request: req });
  throw new Error("Health is not implemented yet (src/handlers/api/Health.ts)");
}
