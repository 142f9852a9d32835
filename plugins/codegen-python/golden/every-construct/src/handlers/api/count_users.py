# Handler for api CountUsers: GET /stats/users (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.count_users import CountUsersRequest, CountUsersResponse
from generated.state import State


async def handle_count_users(req: CountUsersRequest, state: State) -> CountUsersResponse:
    state.logger.info("CountUsers called")
    raise NotImplementedError("CountUsers is not implemented yet (src/handlers/api/count_users.py)")
