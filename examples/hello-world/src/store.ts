/** An in-memory user store: enough for an example, gone when the process stops. */
export interface User {
  id: number;
  name: string;
  email: string;
  createdAt: string;
}

const users = new Map<number, User>();
let nextId = 1;

export function addUser(name: string, email: string): User {
  const user = { id: nextId++, name, email, createdAt: new Date().toISOString() };
  users.set(user.id, user);
  return user;
}

export function findUser(id: number): User | undefined {
  return users.get(id);
}

export function listUsers(search?: string, limit = 50): User[] {
  const needle = search?.toLowerCase();
  return [...users.values()]
    .filter((u) => !needle || u.name.toLowerCase().includes(needle) || u.email.toLowerCase().includes(needle))
    .slice(0, limit);
}

export function countUsers(): number {
  return users.size;
}
