/**
 * `rohas dev` reload latency with the compiled binary (or source): from saving a
 * handler to the first response from the new code, and from saving a .ro file
 * to its new route answering, and from saving config/rohas.toml to a request
 * served with the new settings. Baseline in the same run: a plain request to an
 * unchanged route (the floor any reload measurement includes).
 * Goals: handler < 150 ms, schema < 300 ms.
 *
 *   bun bench/reload.ts [rounds=10]
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, startRohas } from "../test/support.ts";

const rounds = Number(process.argv[2] ?? 10);
const dir = copyFixture("app");
const server = await startRohas(dir, { command: "dev" });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function until(check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("reload did not show up within 10 s");
    await Bun.sleep(1);
  }
}

const floor: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  await (await fetch(`${server.url}/orders/1`)).arrayBuffer();
  floor.push(performance.now() - t);
}

const handler: number[] = [];
const file = join(dir, "src/handlers/api/GetOrder.ts");
const original = readFileSync(file, "utf8");
for (let i = 1; i <= rounds; i++) {
  const t = performance.now();
  writeFileSync(file, original.replace("return {", `return { round: ${i},`));
  await until(async () => ((await (await fetch(`${server.url}/orders/1`)).json()) as { round?: number }).round === i);
  handler.push(performance.now() - t);
  await Bun.sleep(100);
}

const schema: number[] = [];
for (let i = 1; i <= rounds; i++) {
  writeFileSync(join(dir, `src/handlers/api/Bench${i}.ts`), `export const handler = () => ({ bench: ${i} });\n`);
  await Bun.sleep(100);
  const t = performance.now();
  appendFileSync(join(dir, "schema/ops.ro"), `\napi Bench${i} { method: GET  path: "/bench/${i}"  response: Json }\n`);
  await until(async () => (await fetch(`${server.url}/bench/${i}`)).status === 200);
  schema.push(performance.now() - t);
  await Bun.sleep(100);
}
// A config change restarts the engine in-process: time until a request sees the new setting.
const config: number[] = [];
const configFile = join(dir, "config/rohas.toml");
const originalConfig = readFileSync(configFile, "utf8");
const allowedOrigin = async () =>
  (await fetch(`${server.url}/orders/1`, { headers: { origin: "http://bench.test" } })).headers.get("access-control-allow-origin");
for (let i = 1; i <= rounds; i++) {
  const on = i % 2 === 1;
  const t = performance.now();
  writeFileSync(configFile, on ? originalConfig.replace("[server]\n", '[server]\nenable_cors = true\ncors_origins = ["http://bench.test"]\n') : originalConfig);
  await until(async () => ((await allowedOrigin()) === "http://bench.test") === on);
  config.push(performance.now() - t);
  await Bun.sleep(100);
}
await server.stop();

const f = (n: number) => `${n.toFixed(1)} ms`;
console.log(`request floor (no reload): median ${f(median(floor))}`);
console.log(`handler save → new code answering: median ${f(median(handler))}, p90 ${f(p90(handler))} (goal < 150 ms; ${(median(handler) / median(floor)).toFixed(0)}x the floor)`);
console.log(`.ro save → new route answering:   median ${f(median(schema))}, p90 ${f(p90(schema))} (goal < 300 ms; ${(median(schema) / median(floor)).toFixed(0)}x the floor)`);
console.log(`config save → new settings answering: median ${f(median(config))}, p90 ${f(p90(config))} (engine restarted in-process, listener handed over)`);
console.log("(all include the watcher's 40 ms debounce)");
process.exit(0);
