/**
 * The JavaScript side of bench/http.ts without the network: `POST /users`
 * requests built in this process and handed to each app's `handle` (Elysia's
 * request entry point), for raw Elysia with a TypeBox body and for Rohas
 * (server-elysia → engine → TS handler → one event → its TS handler). Far
 * steadier than wrk on a shared VM, and it isolates what Rohas adds: the HTTP
 * stack costs both the same (~8–9 µs per request on the 2-core machine).
 * Prints CPU µs per request and the ratio, best of the rounds.
 *
 *   bun bench/http-inprocess.ts [--telemetry none|lmdb] [--requests 100000] [--rounds 3]
 */
import { Elysia, t } from "elysia";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rohas } from "../core/rohas.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { RohasServer } from "../plugins/server-elysia/server.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const TELEMETRY = option("telemetry", "lmdb");
const REQUESTS = Number(option("requests", "100000"));
const ROUNDS = Number(option("rounds", "3"));
const BODY = JSON.stringify({ name: "Ada Lovelace", email: "ada@example.com" });

type Handle = (request: Request) => Response | Promise<Response>;

/** 50 concurrent callers; every 64 requests each yields a loop turn, as a server's I/O would (timers and setImmediate run). */
async function cpuPerRequest(handle: Handle, n: number): Promise<number> {
  let next = 0;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next++ < n) {
        if ((next & 63) === 0) await new Promise((resolve) => setImmediate(resolve));
        const request = new Request("http://127.0.0.1/users", { method: "POST", headers: { "content-type": "application/json", "content-length": String(BODY.length) }, body: BODY });
        const response = await handle(request);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
      }
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

function writeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-inprocess-"));
  const file = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file("config/rohas.toml", `[project]\nname = "bench"\nlanguage = "typescript"\n[server]\nport = 0\n[adapter]\ntype = "memory"\n[telemetry]\ntype = "${TELEMETRY}"\npath = ".rohas/telemetry"\n[workbench]\nenabled = false\n`);
  file(
    "schema/users.ro",
    `input CreateUserInput { name: String  email: String }\ntype User { id: Int  name: String  email: String }\napi CreateUser { method: POST  path: "/users"  body: CreateUserInput  response: User  triggers: [UserCreated] }\nevent UserCreated { payload: User  handler: [on_user_created] }\n`,
  );
  file("src/handlers/api/CreateUser.ts", `let id = 0;\nexport async function handler(req) {\n  return { id: ++id, name: req.body.name, email: req.body.email };\n}\n`);
  file("src/handlers/events/on_user_created.ts", `export async function handler(event) {\n  return undefined;\n}\n`);
  return dir;
}

const dir = writeProject();
const rohas = await Rohas.create({ projectDir: dir, registry: builtinPlugins });
const loaded = await rohas.loadSchema();
if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("; "));
rohas.config.server.port = 0;
const engine = await rohas.serve(loaded.schema);
// A second server on the same engine, never listening: its app's `handle` is the route without the network.
const server = new RohasServer(engine);
const rohasHandle: Handle = (request) => (server.app as unknown as { handle: Handle }).handle(request);
const elysia = new Elysia().post("/users", ({ body }) => ({ id: 1, name: body.name, email: body.email }), { body: t.Object({ name: t.String(), email: t.String() }) });
const elysiaHandle: Handle = (request) => elysia.handle(request);

console.log(`POST /users handed to each app in process, ${REQUESTS} requests × ${ROUNDS} rounds (alternating), Rohas telemetry: ${TELEMETRY}`);
await cpuPerRequest(rohasHandle, REQUESTS / 5);
await cpuPerRequest(elysiaHandle, REQUESTS / 5);
let bestRohas = Infinity;
let bestElysia = Infinity;
for (let round = 1; round <= ROUNDS; round++) {
  const r = await cpuPerRequest(rohasHandle, REQUESTS);
  const e = await cpuPerRequest(elysiaHandle, REQUESTS);
  bestRohas = Math.min(bestRohas, r);
  bestElysia = Math.min(bestElysia, e);
  console.log(`round ${round}: Rohas ${r.toFixed(2)} µs, Elysia ${e.toFixed(2)} µs CPU per request`);
}
console.log(`\nbest: Rohas ${bestRohas.toFixed(2)} µs, Elysia ${bestElysia.toFixed(2)} µs per request; Rohas adds ${(bestRohas - bestElysia).toFixed(2)} µs (Elysia / Rohas ${(bestElysia / bestRohas).toFixed(2)}x)`);
await engine.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
