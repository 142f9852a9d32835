import type { State } from "../../state.ts";

interface Connection {
  id: string;
  send(data: unknown): void;
}

/** Greets only the new client; its return value is not broadcast. */
export async function handler(_message: unknown, connection: Connection, state: State) {
  state.logger.info(`chat: ${connection.id} joined`);
  connection.send({ system: "welcome to the chat" });
}
