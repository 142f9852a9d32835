from datetime import datetime, timezone

from generated.websockets.chat import ChatConnection, ChatMessage


async def chat_message(message: ChatMessage, connection: ChatConnection) -> dict:
    """The return value goes to every client on /ws/chat (`broadcast: true`)."""
    return {
        "user": message.data.user or "anonymous",
        "text": message.data.text,
        "at": datetime.now(timezone.utc).isoformat(),
    }
