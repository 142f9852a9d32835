import asyncio
from datetime import datetime, timezone
from pathlib import Path

from generated.dto.welcome_email import WelcomeEmail
from generated.events.user_created import UserCreated
from generated.state import State

OUTBOX = Path(__file__).resolve().parents[3] / "outbox"


async def handle_send_welcome_email(event: UserCreated, state: State) -> WelcomeEmail:
    """Pretends to send an email by writing it to outbox/; the return value is the payload
    of WelcomeEmailSent (this event's `triggers`)."""
    user = event.payload
    state.logger.info(f"sending welcome email to {user.email}")
    await asyncio.sleep(0.02)  # an async handler never blocks the others in its worker
    OUTBOX.mkdir(exist_ok=True)
    (OUTBOX / f"welcome-{user.id}.txt").write_text(f"To: {user.email}\nSubject: Welcome, {user.name}!\n")
    return WelcomeEmail(userId=user.id, email=user.email, sentAt=datetime.now(timezone.utc))
