# Handler send_welcome_email for event UserCreated (declared in schema/events/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.events.user_created import UserCreated
from generated.state import State


async def handle_send_welcome_email(event: UserCreated, state: State) -> None:
    state.logger.info("send_welcome_email received an event", payload=event.payload)
    # UserCreated triggers WelcomeEmailSent: set a payload with state.set_payload("WelcomeEmailSent", ...).
