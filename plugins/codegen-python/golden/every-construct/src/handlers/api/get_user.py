# Handler for api GetUser: GET /users/:id (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.get_user import GetUserRequest, GetUserResponse
from generated.state import State


async def handle_get_user(req: GetUserRequest, state: State) -> GetUserResponse:
    state.logger.info("GetUser called")
    raise NotImplementedError("GetUser is not implemented yet (src/handlers/api/get_user.py)")
