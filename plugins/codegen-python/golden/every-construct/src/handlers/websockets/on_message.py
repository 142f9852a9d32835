# WebSocket handler on_message: onMessage of ws Chat, onMessage of ws Room (declared in schema/websockets/chat.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from typing import Union

from generated.state import State
from generated.websockets.chat import ChatConnection, ChatMessage
from generated.websockets.room import RoomConnection, RoomMessage


async def on_message(message: Union[ChatMessage, RoomMessage], connection: Union[ChatConnection, RoomConnection], state: State) -> None:
    state.logger.info("on_message", connection_id=connection.id, data=message.data)
    # Return a value instead of None to send it back to the client.
