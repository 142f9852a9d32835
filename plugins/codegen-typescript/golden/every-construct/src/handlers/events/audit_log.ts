// Handler audit_log for event WelcomeEmailSent, CleanupDone (declared in schema/events/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { CleanupDone } from "../../generated/events/cleanup_done";
import type { WelcomeEmailSent } from "../../generated/events/welcome_email_sent";
import type { State } from "../../generated/state";

export async function handler(event: WelcomeEmailSent | CleanupDone, state: State): Promise<void> {
  state.logger.info("audit_log received an event", { payload: event.payload });
}
