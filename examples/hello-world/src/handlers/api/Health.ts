import { countUsers } from "../../store.ts";

export async function handler() {
  return { status: "ok", timestamp: new Date().toISOString(), users: countUsers() };
}
