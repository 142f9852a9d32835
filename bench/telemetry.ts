/**
 * What telemetry costs: the bench/http.ts workload (POST /users, validated
 * body, TypeScript handler, one triggered event on the memory adapter) served
 * by Rohas with `[telemetry] type = "none"` and then with LMDB telemetry, in
 * the same run, with wrk as the load. Goal: telemetry costs under 10% of throughput.
 *
 *   bun bench/telemetry.ts [--duration 5] [--rounds 3] [--connections 50]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rohas } from "../core/rohas.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const duration = opt("duration", 5);
const rounds = opt("rounds", 3);
const connections = opt("connections", 50);

if (!Bun.which("wrk")) {
  console.error("bench/telemetry.ts needs wrk: apt-get install -y wrk");
  process.exit(1);
}

function project(telemetry: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-telemetry-"));
  const file = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  file("config/rohas.toml", `[project]\nname = "bench"\n[server]\nport = 0\n[adapter]\ntype = "memory"\n[telemetry]\ntype = "${telemetry}"\n`);
  file(
    "schema/users.ro",
    "input CreateUserInput { name: String  email: String }\ntype User { id: Int  name: String  email: String }\n" +
      'api CreateUser { method: POST  path: "/users"  body: CreateUserInput  response: User  triggers: [UserCreated] }\n' +
      "event UserCreated { payload: User  handler: [on_user_created] }\n",
  );
  file("src/handlers/api/CreateUser.ts", "let id = 0;\nexport async function handler(req) { return { id: ++id, name: req.body.name, email: req.body.email }; }\n");
  file("src/handlers/events/on_user_created.ts", "export async function handler() {}\n");
  return dir;
}

async function measure(telemetry: string): Promise<{ rps: number; p99: string }> {
  const rohas = await Rohas.create({ projectDir: project(telemetry), registry: builtinPlugins });
  const { schema } = await rohas.loadSchema();
  const engine = await rohas.serve(schema);
  const url = `http://127.0.0.1:${rohas.config.server.port}/users`;
  const lua = join(tmpdir(), "rohas-bench-post.lua");
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = '{"name":"Ada Lovelace","email":"ada@example.com"}'\nwrk.headers["Content-Type"] = "application/json"\n`);
  const wrk = (seconds: number) =>
    Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", lua, url], { stdout: "pipe" });
  await wrk(1).exited; // warm-up
  const proc = wrk(duration);
  const out = await new Response(proc.stdout).text();
  await engine.stop();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99 = /99%\s+(\S+)/.exec(out)?.[1] ?? "?";
  return { rps, p99 };
}

const off: number[] = [];
const on: number[] = [];
let p99Off = "?";
let p99On = "?";
for (let r = 0; r < rounds; r++) {
  const a = await measure("none");
  const b = await measure("lmdb");
  off.push(a.rps);
  on.push(b.rps);
  p99Off = a.p99;
  p99On = b.p99;
}
const best = (xs: number[]) => Math.max(...xs);
const ratio = best(on) / best(off);
console.log(`POST /users, ${connections} connections, best of ${rounds} rounds of ${duration} s`);
console.log(`telemetry off:  ${Math.round(best(off)).toLocaleString("en-US")} req/s  (p99 ${p99Off})`);
console.log(`telemetry lmdb: ${Math.round(best(on)).toLocaleString("en-US")} req/s  (p99 ${p99On})`);
console.log(`ratio on/off: ${ratio.toFixed(2)}  → telemetry costs ${((1 - ratio) * 100).toFixed(1)}% (goal < 10%)`);
process.exit(0);
