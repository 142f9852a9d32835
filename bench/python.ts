/**
 * Python handler round trips through the runtime-python bridge, against two
 * baselines measured in the same run:
 *   - the same trivial handler called in-process in TypeScript (the ceiling);
 *   - a raw `python3` echo of length-prefixed frames over a pipe (the floor of
 *     any pipe-based bridge: same framing and JSON on the Bun side, no work in Python).
 * Goal (issue 8): at least 20,000 calls/s, and within 1.5x of the raw pipe.
 *
 * The trivial `async def` handler has no await point, so the worker runs it
 * inline; a second handler awaiting once shows the cost of an asyncio Task.
 * Each line is the best of --rounds runs (the machine is shared and noisy).
 *
 *   bun bench/python.ts [--calls N] [--concurrency C] [--workers W] [--rounds R]
 */
import { rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { PythonBridge } from "../plugins/runtime-python/bridge.ts";
import { FrameBatch, FrameDecoder } from "../plugins/runtime-python/framing.ts";
import { pythonProject, recordingState, runtimeContext, TEST_PYTHON } from "../plugins/runtime-python/test-helpers.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CALLS = option("calls", 100_000);
const CONCURRENCY = option("concurrency", 64);
const WORKERS = option("workers", availableParallelism());
const ROUNDS = option("rounds", 3);

interface Result {
  name: string;
  callsPerSecond: number;
  p50: number;
  p99: number;
}

/** Runs `call` CALLS times with CONCURRENCY loops in flight; per-call latency in ms. */
async function measureOnce(name: string, call: () => Promise<unknown>, calls = CALLS): Promise<Result> {
  const latencies = new Float64Array(calls);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) {
        const i = next++;
        const t = performance.now();
        await call();
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort();
  return {
    name,
    callsPerSecond: (calls / elapsed) * 1000,
    p50: latencies[Math.floor(calls * 0.5)]!,
    p99: latencies[Math.floor(calls * 0.99)]!,
  };
}

/** The best of ROUNDS runs, by throughput. */
async function measure(name: string, call: () => Promise<unknown>, calls = CALLS): Promise<Result> {
  let best: Result | undefined;
  for (let round = 0; round < (calls === CALLS ? ROUNDS : 1); round++) {
    const result = await measureOnce(name, call, calls);
    if (!best || result.callsPerSecond > best.callsPerSecond) best = result;
  }
  return best!;
}

const request = { params: {}, queryParams: {}, body: { name: "Ada", n: 1 }, headers: {} };
const ref = { kind: "api" as const, name: "Echo" };

// ── baseline: the handler in-process, in TypeScript ─────────────────────────────
async function tsHandler(req: typeof request, _state: unknown) {
  return req.body;
}
const tsState = recordingState();
const inProcessCall = () => tsHandler(request, tsState);

// ── floor: raw python3 echo over a pipe ──────────────────────────────────────────
const ECHO = `
import os, struct
r, w = os.dup(0), os.dup(1)
buf = b""
while True:
    data = os.read(r, 65536)
    if not data:
        break
    buf += data
    out = []
    while len(buf) >= 4:
        (n,) = struct.unpack_from(">I", buf)
        if len(buf) < 4 + n:
            break
        out.append(buf[: 4 + n])
        buf = buf[4 + n :]
    if out:
        os.write(w, b"".join(out))
`;

function startEcho() {
  const proc = Bun.spawn([TEST_PYTHON, "-c", ECHO], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const pending = new Map<number, () => void>();
  const decoder = new FrameDecoder();
  const batch = new FrameBatch();
  let queued = false;
  let id = 0;
  void (async () => {
    for await (const chunk of proc.stdout) {
      for (const frame of decoder.push(chunk) as { id: number }[]) {
        const done = pending.get(frame.id);
        pending.delete(frame.id);
        done?.();
      }
    }
  })();
  const flush = () => {
    queued = false;
    proc.stdin.write(batch.take());
    proc.stdin.flush();
  };
  return {
    call(): Promise<void> {
      const callId = ++id;
      batch.add({ t: "call", id: callId, kind: "api", name: "Echo", args: [request], trace: { traceId: tsState.traceId, spanId: tsState.spanId } });
      if (!queued) {
        queued = true;
        queueMicrotask(flush);
      }
      return new Promise<void>((resolve) => pending.set(callId, resolve));
    },
    async close() {
      proc.stdin.end();
      await proc.exited;
    },
  };
}

// ── the bridge ─────────────────────────────────────────────────────────────────
const project = pythonProject({
  "src/handlers/api/echo.py": "async def handle_echo(req):\n    return req['body']\n",
  "src/handlers/api/echo_await.py": "import asyncio\n\nasync def handle_echo_await(req):\n    await asyncio.sleep(0)\n    return req['body']\n",
});

async function bridgeRun(workers: number, handler = ref): Promise<Result> {
  const bridge = new PythonBridge(runtimeContext(project), { workers, interpreter: TEST_PYTHON, timeoutMs: 0 });
  const diagnostics = await bridge.prepare([handler]);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  const state = recordingState();
  const call = () => bridge.invoke(handler, [request], state);
  await measure("warm-up", call, 5_000);
  const label = handler === ref ? "" : `, ${handler.name} (awaits once)`;
  const result = await measure(`bridge, ${workers} worker${workers === 1 ? "" : "s"}${label}`, call);
  await bridge.close();
  return result;
}

console.log(`python handler round trips: ${CALLS} calls, ${CONCURRENCY} in flight, best of ${ROUNDS}, ${TEST_PYTHON}`);
const results: Result[] = [];
await measure("warm-up", inProcessCall, 10_000);
results.push(await measure("TypeScript in-process (ceiling)", inProcessCall));

const echo = startEcho();
await measure("warm-up", echo.call, 5_000);
const floor = await measure("raw python3 echo over a pipe (floor)", echo.call);
results.push(floor);
await echo.close();

const single = await bridgeRun(1);
results.push(single);
const pool = WORKERS === 1 ? single : await bridgeRun(WORKERS);
if (pool !== single) results.push(pool);
results.push(await bridgeRun(WORKERS, { kind: "api", name: "EchoAwait" }));
rmSync(project, { recursive: true, force: true });

const width = Math.max(...results.map((r) => r.name.length));
for (const r of results) {
  console.log(
    `${r.name.padEnd(width)}  ${Math.round(r.callsPerSecond).toLocaleString("en-US").padStart(10)} calls/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms`,
  );
}
const best = single.callsPerSecond >= pool.callsPerSecond ? single : pool;
const vsFloor = floor.callsPerSecond / best.callsPerSecond;
const vsInProcess = results[0]!.callsPerSecond / best.callsPerSecond;
console.log(`ratio: raw pipe / bridge = ${vsFloor.toFixed(2)}x (goal ≤ 1.5x)   in-process TS / bridge = ${vsInProcess.toFixed(1)}x`);
console.log(`goal ≥ 20,000 calls/s: ${best.callsPerSecond >= 20_000 ? "met" : "NOT met"} (${Math.round(best.callsPerSecond).toLocaleString("en-US")})`);
console.log(`goal within 1.5x of the raw pipe: ${vsFloor <= 1.5 ? "met" : "NOT met"}`);
