# Handler audit_log for event WelcomeEmailSent, CleanupDone (declared in schema/events/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from typing import Union

from generated.events.cleanup_done import CleanupDone
from generated.events.welcome_email_sent import WelcomeEmailSent
from generated.state import State


async def handle_audit_log(event: Union[WelcomeEmailSent, CleanupDone], state: State) -> None:
    state.logger.info("audit_log received an event", payload=event.payload)
