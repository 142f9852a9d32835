// Handler handle_heartbeat for event Heartbeat (declared in schema/events/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { Heartbeat } from "../../generated/events/heartbeat";
import type { State } from "../../generated/state";

export async function handler(event: Heartbeat, state: State): Promise<void> {
  state.logger.info("handle_heartbeat received an event", { payload: event.payload });
}
