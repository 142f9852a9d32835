from generated.events.welcome_email_sent import WelcomeEmailSent
from generated.state import State


async def handle_log_welcome_email(event: WelcomeEmailSent, state: State) -> None:
    sent = event.payload
    state.logger.info(f"welcome email sent to {sent.email} at {sent.sentAt.isoformat()}", userId=sent.userId)
