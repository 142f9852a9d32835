from generated.state import State
from store import count_users


async def handle_heartbeat(req, state: State) -> None:
    state.logger.info(f"heartbeat: {count_users()} user(s)")
