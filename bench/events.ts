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

function project(asyncHandler: boolean): string {
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
    `const c = (globalThis as any).__benchCounter;\nexport ${asyncHandler ? "async " : ""}function handler() { c.n++; }\n`,
  );
  return dir;
}

async function waitFor(target: number): Promise<void> {
  while (counter.n < target) await new Promise((r) => setImmediate(r));
}

/** CPU time of this process (all threads), in ms: steadier than wall time on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
interface Run {
  wall: number;
  cpu: number;
}

async function throughEngine(asyncHandler: boolean): Promise<Run> {
  const rohas = await Rohas.create({ projectDir: project(asyncHandler), registry: { "adapter-memory": builtinPlugins["adapter-memory"]!, "runtime-bun": builtinPlugins["runtime-bun"]! } });
  rohas.config.workbench.enabled = false;
  const { schema } = await rohas.loadSchema();
  // Only the plugins this measurement needs: no HTTP server, no scheduler.
  await rohas.use(await builtinPlugins["adapter-memory"]!());
  await rohas.use(await builtinPlugins["runtime-bun"]!());
  const { Engine } = await import("../core/engine.ts");
  const engine = new Engine(rohas, schema);
  await engine.start();
  counter.n = 0;
  const cpu0 = cpuMs();
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const p = engine.publish("Tick", i);
    if (i % 1000 === 999) await p;
  }
  await waitFor(N);
  const run = { wall: performance.now() - started, cpu: cpuMs() - cpu0 };
  await engine.stop();
  return run;
}

async function rawAdapter(): Promise<Run> {
  const adapter = new MemoryAdapter({ bufferSize: 10_000 });
  let n = 0;
  await adapter.subscribe("Tick", async () => void n++, { group: "g", concurrency: 1024 });
  const cpu0 = cpuMs();
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const p = adapter.publish("Tick", i);
    if (i % 1000 === 999) await p;
  }
  while (n < N) await new Promise((r) => setImmediate(r));
  const run = { wall: performance.now() - started, cpu: cpuMs() - cpu0 };
  await adapter.close();
  return run;
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

const engineRuns: Run[] = [];
const asyncRuns: Run[] = [];
const rawRuns: Run[] = [];
const loopRuns: number[] = [];
for (let round = 0; round < 5; round++) {
  engineRuns.push(await throughEngine(false));
  asyncRuns.push(await throughEngine(true));
  rawRuns.push(await rawAdapter());
  loopRuns.push(plainLoop());
}
const e = median(engineRuns.map((r) => r.wall));
const r = median(rawRuns.map((x) => x.wall));
const ec = median(engineRuns.map((x) => x.cpu));
const rc = median(rawRuns.map((x) => x.cpu));
const l = median(loopRuns);
const a = median(asyncRuns.map((x) => x.wall));
const ac = median(asyncRuns.map((x) => x.cpu));
const ns = (ms: number) => ((ms * 1e6) / N).toFixed(0);
console.log(`events: ${fmt(N)} per run, median of 5 (wall clock; CPU time of this process beside it, steadier on a busy machine)`);
console.log(`engine (memory adapter → TS handler): ${fmt(rate(e))} events/s, ${ns(e)} ns/event wall, ${ns(ec)} ns/event CPU (${fmt(rate(ec))} events per CPU-second)`);
console.log(`engine, async TS handler:             ${fmt(rate(a))} events/s, ${ns(a)} ns/event wall, ${ns(ac)} ns/event CPU`);
console.log(`raw memory adapter (no engine):       ${fmt(rate(r))} events/s, ${ns(r)} ns/event wall, ${ns(rc)} ns/event CPU`);
console.log(`plain function loop:                  ${fmt(rate(l))} calls/s`);
console.log(`ratio engine / raw adapter: ${(r / e).toFixed(2)}x wall, ${(rc / ec).toFixed(2)}x CPU   goal: 500,000 events/s → ${rate(e) >= 500_000 ? "met" : "not met"} (sync handler), ${rate(a) >= 500_000 ? "met" : "not met"} (async handler)`);
process.exit(0);
