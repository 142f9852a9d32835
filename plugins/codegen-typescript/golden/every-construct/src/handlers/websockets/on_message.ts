// WebSocket handler on_message: onMessage of ws Chat, onMessage of ws Room (declared in schema/websockets/chat.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { State } from "../../generated/state";
import type { ChatMessage, ChatConnection } from "../../generated/websockets/chat";
import type { RoomMessage, RoomConnection } from "../../generated/websockets/room";

export async function handler(message: ChatMessage | RoomMessage | undefined, connection: ChatConnection | RoomConnection, state: State): Promise<void> {
  state.logger.info("on_message", { connectionId: connection.id, message });
  // Whatever an onMessage handler returns (other than undefined) is sent back to the client.
}
