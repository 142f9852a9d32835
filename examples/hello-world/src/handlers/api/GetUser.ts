import { findUser, type User } from "../../store.ts";

interface GetUserRequest {
  params: { id: string };
}

export async function handler(req: GetUserRequest): Promise<User> {
  const user = findUser(Number(req.params.id));
  // An error with a numeric `status` picks the HTTP status.
  if (!user) throw Object.assign(new Error(`user ${req.params.id} not found`), { status: 404 });
  return user;
}
