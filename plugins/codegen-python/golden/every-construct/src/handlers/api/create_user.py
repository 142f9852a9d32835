# Handler for api CreateUser: POST /users (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.create_user import CreateUserRequest, CreateUserResponse
from generated.state import State


async def handle_create_user(req: CreateUserRequest, state: State) -> CreateUserResponse:
    state.logger.info("CreateUser called")
    # This api triggers UserCreated: set the payload with state.set_payload("UserCreated", ...).
    raise NotImplementedError("CreateUser is not implemented yet (src/handlers/api/create_user.py)")
