// WebSocket handler on_connect: onConnect of ws Chat (declared in schema/websockets/chat.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { State } from "../../generated/state";
import type { ChatMessage, ChatConnection } from "../../generated/websockets/chat";

export async function handler(message: ChatMessage | undefined, connection: ChatConnection, state: State): Promise<void> {
  state.logger.info("on_connect", { connectionId: connection.id, message });
}
