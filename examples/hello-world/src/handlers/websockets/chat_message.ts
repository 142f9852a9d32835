/** The return value goes to every client on /ws/chat (`broadcast: true`). */
export async function handler(message: { text: string; user?: string }) {
  return { user: message.user ?? "anonymous", text: message.text, at: new Date().toISOString() };
}
