# WebSocket handler on_connect: onConnect of ws Chat (declared in schema/websockets/chat.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.state import State
from generated.websockets.chat import ChatConnection


async def on_connect(connection: ChatConnection, state: State) -> None:
    state.logger.info("on_connect", connection_id=connection.id)
