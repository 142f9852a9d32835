# Handler for cron Hourly, schedule "0 * * * *" (declared in schema/cron/cleanup.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from typing import Any

from generated.state import State


async def handle_hourly(req: Any, state: State) -> None:
    state.logger.info("Hourly ran")
    # This cron triggers Heartbeat: set a payload with state.set_payload("Heartbeat", ...).
