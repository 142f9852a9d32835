import type { State } from "../../state.ts";

export async function handler(event: { payload: { userId: number; email: string; sentAt: string } }, state: State) {
  state.logger.info(`welcome email sent to ${event.payload.email} at ${event.payload.sentAt}`, { userId: event.payload.userId });
}
