import type { State } from "../../state.ts";

export async function handler(_message: unknown, connection: { id: string }, state: State) {
  state.logger.info(`chat: ${connection.id} left`);
}
