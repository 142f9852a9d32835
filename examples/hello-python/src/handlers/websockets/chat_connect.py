from generated.state import State
from generated.websockets.chat import ChatConnection


async def chat_connect(connection: ChatConnection, state: State) -> None:
    state.logger.info(f"chat: {connection.id} joined")
