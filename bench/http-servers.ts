/**
 * The servers bench/http.ts compares (and bench/profile-http.ts profiles), one
 * `POST /users` with a validated two-field JSON body each: raw Bun.serve, raw
 * Elysia with a TypeBox body, the server plugin over a stub engine, and Rohas.
 */
import { Elysia, t } from "elysia";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rohas } from "../core/rohas.ts";
import type { Schema } from "../core/schema.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import type { ServerEngine } from "../plugins/server-elysia/engine-port.ts";
import { RohasServer } from "../plugins/server-elysia/server.ts";

export const BODY = JSON.stringify({ name: "Ada Lovelace", email: "ada@example.com" });

export type Telemetry = "lmdb" | "none";

/** Telemetry as shipped (LMDB) when that plugin exists in this build, else none; `--no-telemetry` turns it off. */
export function telemetryChoice(argv: string[]): Telemetry {
  return argv.includes("--no-telemetry") ? "none" : "telemetry-lmdb" in builtinPlugins ? "lmdb" : "none";
}

export function rawBun(): { url: string; stop: () => void } {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as { name?: unknown; email?: unknown };
      if (typeof body?.name !== "string" || typeof body.email !== "string") return Response.json({ error: "invalid" }, { status: 400 });
      return Response.json({ id: 1, name: body.name, email: body.email });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/users`, stop: () => void server.stop(true) };
}

export function rawElysia(): { url: string; stop: () => void } {
  const app = new Elysia()
    .post("/users", ({ body }) => ({ id: 1, name: body.name, email: body.email }), {
      body: t.Object({ name: t.String(), email: t.String() }),
    })
    .listen({ hostname: "127.0.0.1", port: 0 });
  return { url: `http://127.0.0.1:${app.server!.port}/users`, stop: () => void app.stop(true) };
}

/** A throwaway project: one API with a body shape, triggering one event with one handler. */
function writeProject(telemetry: Telemetry): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-app-"));
  const file = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file(
    "config/rohas.toml",
    `[project]\nname = "bench"\nlanguage = "typescript"\n[server]\nport = 0\n[adapter]\ntype = "memory"\n[telemetry]\ntype = "${telemetry}"\npath = ".rohas/telemetry"\n[workbench]\nenabled = false\n`,
  );
  file(
    "schema/users.ro",
    `input CreateUserInput { name: String  email: String }
type User { id: Int  name: String  email: String }
api CreateUser { method: POST  path: "/users"  body: CreateUserInput  response: User  triggers: [UserCreated] }
event UserCreated { payload: User  handler: [on_user_created] }
`,
  );
  file(
    "src/handlers/api/CreateUser.ts",
    `let id = 0;\nexport async function handler(req) {\n  return { id: ++id, name: req.body.name, email: req.body.email };\n}\n`,
  );
  file("src/handlers/events/on_user_created.ts", `export async function handler(event) {\n  return undefined;\n}\n`);
  return dir;
}

/** The throwaway project, loaded and checked, to serve on a free port. */
async function loadProject(telemetry: Telemetry): Promise<{ dir: string; rohas: Rohas; schema: Schema }> {
  const dir = writeProject(telemetry);
  const rohas = await Rohas.create({ projectDir: dir, registry: builtinPlugins });
  const result = await rohas.loadSchema();
  if (!result.ok) throw new Error(`bench schema invalid: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  rohas.config.server.port = 0;
  return { dir, rohas, schema: result.schema };
}

/**
 * The server plugin alone: the same schema and server, with an engine stub
 * that returns the body at once. Separates the HTTP layer's cost from the
 * engine's (middlewares, runtime bridge, events, telemetry).
 */
export async function serverOnly(telemetry: Telemetry): Promise<{ url: string; stop: () => Promise<void>; dir: string }> {
  const { dir, rohas, schema } = await loadProject(telemetry);
  let id = 0;
  const stub: ServerEngine = {
    schema,
    config: rohas.config,
    callApi: async (_api, request) => {
      const body = request.body as { name: string; email: string };
      return { status: 200, body: { id: ++id, name: body.name, email: body.email } };
    },
    wsConnect: async () => {},
    wsMessage: async () => [],
    wsDisconnect: async () => {},
    registerMiddleware: () => {},
    record: () => {},
    track: (p) => p,
    recording: false,
    sampleTrace: () => false,
  };
  const server = new RohasServer(stub);
  const address = server.listen();
  return { url: `${address.url}/users`, stop: () => server.stop(1000), dir };
}

export async function rohasServer(telemetry: Telemetry): Promise<{ url: string; stop: () => Promise<void>; dir: string }> {
  const { dir, rohas, schema } = await loadProject(telemetry);
  const engine = await rohas.serve(schema);
  return {
    url: `http://127.0.0.1:${rohas.config.server.port}/users`,
    stop: async () => {
      await engine.stop();
    },
    dir,
  };
}
