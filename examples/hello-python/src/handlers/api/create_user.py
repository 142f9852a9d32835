from generated.api.create_user import CreateUserRequest, CreateUserResponse
from generated.models.user import User
from generated.state import State
from store import add_user


async def handle_create_user(req: CreateUserRequest, state: State) -> CreateUserResponse:
    """The response's `data` is the HTTP body and, because the API `triggers: [UserCreated]`,
    that event's payload."""
    user = User.model_validate(add_user(req.body.name, req.body.email))
    state.logger.info("user created", id=user.id)
    return CreateUserResponse(data=user)
