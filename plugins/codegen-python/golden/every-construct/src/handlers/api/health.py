# Handler for api Health: GET /healthz (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.health import HealthRequest, HealthResponse
from generated.state import State


async def handle_health(req: HealthRequest, state: State) -> HealthResponse:
    state.logger.info("Health called")
    raise NotImplementedError("Health is not implemented yet (src/handlers/api/health.py)")
