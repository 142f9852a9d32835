// Handler for cron Hourly, schedule "0 * * * *" (declared in schema/cron/cleanup.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { State } from "../../generated/state";

export async function handler(req: unknown, state: State): Promise<void> {
  state.logger.info("Hourly ran", { request: req });
  // This cron triggers Heartbeat: set a payload with state.setPayload("Heartbeat", …).
}
