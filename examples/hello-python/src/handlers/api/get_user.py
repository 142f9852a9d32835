from generated.api.get_user import GetUserRequest, GetUserResponse
from store import NotFound, find_user


# A plain `def` works too: Rohas runs it in a thread so it never blocks other handlers.
def handle_get_user(req: GetUserRequest) -> GetUserResponse:
    user = find_user(int(req.id))
    if user is None:
        raise NotFound(f"user {req.id} not found")  # NotFound.status = 404
    return GetUserResponse(data=user)
