// Handler index_user for event UserCreated (declared in schema/events/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { UserCreated } from "../../generated/events/user_created";
import type { State } from "../../generated/state";

export async function handler(event: UserCreated, state: State): Promise<void> {
  state.logger.info("index_user received an event", { payload: event.payload });
  // UserCreated triggers WelcomeEmailSent: set a payload with state.setPayload("WelcomeEmailSent", …).
}
