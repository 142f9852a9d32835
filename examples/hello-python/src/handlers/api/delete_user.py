from generated.api.delete_user import DeleteUserRequest
from generated.state import State
from store import NotFound, delete_user


async def handle_delete_user(req: DeleteUserRequest, state: State) -> dict:
    if not delete_user(int(req.id)):
        raise NotFound(f"user {req.id} not found")
    state.logger.warning("user deleted", id=req.id)
    return {"deleted": int(req.id)}
