import type { State } from "../../state.ts";
import type { User } from "../../store.ts";

/** Pretends to send an email; the return value is the payload of WelcomeEmailSent (this event's `triggers`). */
export async function handler(event: { payload: User }, state: State) {
  const user = event.payload;
  state.logger.info(`sending welcome email to ${user.email}`);
  await Bun.sleep(20);
  return { userId: user.id, email: user.email, sentAt: new Date().toISOString() };
}
