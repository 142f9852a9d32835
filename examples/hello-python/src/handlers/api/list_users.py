from generated.api.list_users import ListUsersRequest, ListUsersResponse
from store import list_users


async def handle_list_users(req: ListUsersRequest) -> ListUsersResponse:
    # ListUsersQuery is typed by the schema: `limit` arrives as an int.
    query = req.query_params
    return ListUsersResponse(data=list_users(query.search, query.limit or 50))
