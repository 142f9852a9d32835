# Handler for cron DailyCleanup, schedule "0 */5 * * * *" (declared in schema/cron/cleanup.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from typing import Any

from generated.state import State


async def handle_daily_cleanup(req: Any, state: State) -> None:
    state.logger.info("DailyCleanup ran")
    # This cron triggers CleanupDone: set a payload with state.set_payload("CleanupDone", ...).
