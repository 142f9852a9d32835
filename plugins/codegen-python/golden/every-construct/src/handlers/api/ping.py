# Handler for api Ping: POST /ping (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.ping import PingRequest, PingResponse
from generated.state import State


async def handle_ping(req: PingRequest, state: State) -> PingResponse:
    state.logger.info("Ping called")
    raise NotImplementedError("Ping is not implemented yet (src/handlers/api/ping.py)")
