# Handler for api ListUsers: GET /users (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.list_users import ListUsersRequest, ListUsersResponse
from generated.state import State


async def handle_list_users(req: ListUsersRequest, state: State) -> ListUsersResponse:
    state.logger.info("ListUsers called")
    raise NotImplementedError("ListUsers is not implemented yet (src/handlers/api/list_users.py)")
