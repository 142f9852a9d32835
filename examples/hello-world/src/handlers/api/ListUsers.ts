import { listUsers, type User } from "../../store.ts";

interface ListUsersRequest {
  /** Typed by the `ListUsersQuery` shape: `limit` arrives as a number. */
  queryParams: { search?: string; limit?: number };
}

export async function handler(req: ListUsersRequest): Promise<User[]> {
  return listUsers(req.queryParams.search, req.queryParams.limit);
}
