import type { State } from "../../state.ts";
import { countUsers } from "../../store.ts";

export async function handler(_req: unknown, state: State) {
  state.logger.info(`heartbeat: ${countUsers()} user(s)`);
}
