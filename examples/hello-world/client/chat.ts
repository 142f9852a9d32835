/**
 * A tiny chat client: `bun client/chat.ts [name] [url]`. Type a line and press
 * Enter to send it; every message broadcast on /ws/chat is printed.
 */
const name = process.argv[2] ?? "guest";
const url = process.argv[3] ?? "ws://127.0.0.1:3000/ws/chat";
const socket = new WebSocket(url);

socket.addEventListener("open", () => console.log(`connected to ${url} as ${name}; type a message and press Enter`));
socket.addEventListener("message", (event) => console.log("<", String(event.data)));
socket.addEventListener("close", (event) => {
  console.log(`closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
  process.exit(0);
});

for await (const line of console) {
  if (line.trim()) socket.send(JSON.stringify({ user: name, text: line.trim() }));
}
socket.close();
