/**
 * Events per second through the memory adapter into a TypeScript handler via
 * the engine, against two baselines in the same run: the raw memory adapter
 * (publish → subscribe, no engine) and a plain loop calling the handler.
 * Goal: 500,000 events/s through the engine on a 2-core machine.
 *
 *   bun bench/events.ts [events=200000]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rohas } from "../core/rohas.ts";
import { MemoryAdapter } from "../plugins/adapter-memory/adapter.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const N = Number(process.argv[2] ?? 200_000);
const counter = { n: 0 };
(globalThis as { __benchCounter?: typeof counter }).__benchCounter = counter;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-events-"));
  mkdirSync(join(dir, "schema"));
  mkdirSync(join(dir, "config"));
  mkdirSync(join(dir, "src/handlers/events"), { recursive: true });
  writeFileSync(join(dir, "schema/bench.ro"), "event Tick { payload: Json  handler: [count_tick] }\n");
  writeFileSync(
    join(dir, "config/rohas.toml"),
    `[project]\nname = "bench"\n[adapter]\ntype = "memory"\nbuffer_size = 10000\n[events]\nconcurrency = 1024\n[telemetry]\ntype = "none"\n`,
  );
  writeFileSync(
    join(dir, "src/handlers/events/count_tick.ts"),
    "const c = (globalThis as any).__benchCounter;\nexport function handler() { c.n++; }\n",
  );
  return dir;
}

async function waitFor(target: number): Promise<void> {
  while (counter.n < target) await new Promise((r) => setImmediate(r));
}

async function throughEngine(): Promise<number> {
  const rohas = await Rohas.create({ projectDir: project(), registry: { "adapter-memory": builtinPlugins["adapter-memory"]!, "runtime-bun": builtinPlugins["runtime-bun"]! } });
  rohas.config.workbench.enabled = false;
  const { schema } = await rohas.loadSchema();
  // Only the plugins this measurement needs: no HTTP server, no scheduler.
  await rohas.use(await builtinPlugins["adapter-memory"]!());
  await rohas.use(await builtinPlugins["runtime-bun"]!());
  const { Engine } = await import("../core/engine.ts");
  const engine = new Engine(rohas, schema);
  await engine.start();
  counter.n = 0;
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const p = engine.publish("Tick", i);
    if (i % 1000 === 999) await p;
  }
  await waitFor(N);
  const ms = performance.now() - started;
  await engine.stop();
  return ms;
}

async function rawAdapter(): Promise<number> {
  const adapter = new MemoryAdapter({ bufferSize: 10_000 });
  let n = 0;
  await adapter.subscribe("Tick", async () => void n++, { group: "g", concurrency: 1024 });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const p = adapter.publish("Tick", i);
    if (i % 1000 === 999) await p;
  }
  while (n < N) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - started;
  await adapter.close();
  return ms;
}

function plainLoop(): number {
  let n = 0;
  const handler = (_: unknown) => void n++;
  const started = performance.now();
  for (let i = 0; i < N; i++) handler({ payload: i });
  return performance.now() - started;
}

const rate = (ms: number) => Math.round(N / (ms / 1000));
const fmt = (n: number) => n.toLocaleString("en-US");
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const engineRuns: number[] = [];
const rawRuns: number[] = [];
const loopRuns: number[] = [];
for (let round = 0; round < 3; round++) {
  engineRuns.push(await throughEngine());
  rawRuns.push(await rawAdapter());
  loopRuns.push(plainLoop());
}
const e = median(engineRuns);
const r = median(rawRuns);
const l = median(loopRuns);
console.log(`events: ${fmt(N)} per run, median of 3`);
console.log(`engine (memory adapter → TS handler): ${fmt(rate(e))} events/s, ${((e * 1e6) / N).toFixed(0)} ns/event`);
console.log(`raw memory adapter (no engine):       ${fmt(rate(r))} events/s, ${((r * 1e6) / N).toFixed(0)} ns/event`);
console.log(`plain function loop:                  ${fmt(rate(l))} calls/s`);
console.log(`ratio engine / raw adapter: ${(r / e).toFixed(2)}x   goal: 500,000 events/s → ${rate(e) >= 500_000 ? "met" : "not met"}`);
process.exit(0);
