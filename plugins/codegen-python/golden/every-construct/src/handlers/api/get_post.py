# Handler for api GetPost: GET /users/:userId/posts/:postId (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.get_post import GetPostRequest, GetPostResponse
from generated.state import State


async def handle_get_post(req: GetPostRequest, state: State) -> GetPostResponse:
    state.logger.info("GetPost called")
    raise NotImplementedError("GetPost is not implemented yet (src/handlers/api/get_post.py)")
