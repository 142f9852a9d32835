import type { State } from "../../state.ts";
import { addUser, type User } from "../../store.ts";

interface CreateUserRequest {
  body: { name: string; email: string };
}

/** The returned user is the response and, because the API `triggers: [UserCreated]`, that event's payload. */
export async function handler(req: CreateUserRequest, state: State): Promise<User> {
  const user = addUser(req.body.name, req.body.email);
  state.logger.info("user created", { id: user.id });
  return user;
}
