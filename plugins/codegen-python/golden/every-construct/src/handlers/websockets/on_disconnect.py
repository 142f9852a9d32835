# WebSocket handler on_disconnect: onDisconnect of ws Chat (declared in schema/websockets/chat.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.state import State
from generated.websockets.chat import ChatConnection


async def on_disconnect(connection: ChatConnection, state: State) -> None:
    state.logger.info("on_disconnect", connection_id=connection.id)
