# Handler for api ImportPosts: POST /posts/import (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from generated.api.import_posts import ImportPostsRequest, ImportPostsResponse
from generated.state import State


async def handle_import_posts(req: ImportPostsRequest, state: State) -> ImportPostsResponse:
    state.logger.info("ImportPosts called")
    raise NotImplementedError("ImportPosts is not implemented yet (src/handlers/api/import_posts.py)")
