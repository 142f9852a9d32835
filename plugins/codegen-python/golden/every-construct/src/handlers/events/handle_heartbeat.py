# Handler handle_heartbeat for event Heartbeat (declared in schema/events/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.events.heartbeat import Heartbeat
from generated.state import State


async def handle_heartbeat(event: Heartbeat, state: State) -> None:
    state.logger.info("handle_heartbeat received an event", payload=event.payload)
