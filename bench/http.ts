/**
 * POST /users with a validated two-field JSON body, three ways in one run:
 *   raw Bun.serve (JSON.parse + hand check), raw Elysia with a TypeBox body
 *   schema, and Rohas (server-elysia → engine → TypeScript handler → one
 *   triggered event on the memory adapter, telemetry on); plus the server
 *   plugin over a stub engine, to tell the HTTP layer's cost from the engine's.
 * Prints requests/s, p99 latency and the ratios. Goal: Rohas ≥ 0.8× Elysia.
 *
 *   bun bench/http.ts [--duration 5] [--rounds 5] [--connections 50] [--warmup 2] [--bun-load] [--no-telemetry]
 *
 * Load comes from `wrk` when installed (`apt-get install wrk`), else from a
 * Bun load generator run in a separate process (this file with --load).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BODY, rawBun, rawElysia, rohasServer, serverOnly, telemetryChoice } from "./http-servers.ts";

interface Options {
  duration: number;
  connections: number;
  warmup: number;
}

interface Result {
  name: string;
  rps: number;
  p99Ms: number;
  errors: number;
  /** CPU time this process spent per request (all servers share it; the load generator is another process). */
  cpuUsPerRequest?: number;
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Telemetry as shipped (LMDB), unless --no-telemetry. */
const TELEMETRY = telemetryChoice(process.argv);

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
}

// ---------------------------------------------------------------- load generators

/** `wrk` with a Lua script for the POST; parses Requests/sec and the 99% latency. */
async function runWrk(url: string, seconds: number, connections: number): Promise<Omit<Result, "name">> {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-"));
  const script = join(dir, "post.lua");
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`);
  const proc = Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99Ms = p99 ? Number(p99[1]) * (p99[2] === "us" ? 0.001 : p99[2] === "s" ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  if (Number.isNaN(rps)) throw new Error(`could not read wrk output:\n${out}`);
  return { rps, p99Ms, errors };
}

/** The fallback: N keep-alive fetch loops in a child process, so the server's process only serves. */
async function runBunLoad(url: string, seconds: number, connections: number): Promise<Omit<Result, "name">> {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--load", url, String(seconds), String(connections)], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return JSON.parse(out) as Omit<Result, "name">;
}

async function loadWorker(url: string, seconds: number, connections: number): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: BODY };
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p99Ms = latencies[Math.floor(latencies.length * 0.99)] ?? NaN;
  process.stdout.write(JSON.stringify({ rps: latencies.length / elapsed, p99Ms, errors }));
}

// ---------------------------------------------------------------- main

interface Target {
  name: string;
  url: string;
  stop(): Promise<void> | void;
}

/**
 * Every server is started up front and measured in alternating rounds
 * (A B C D, A B C D, …); each keeps its best round. On a shared machine this
 * is far steadier than one long run each, because a burst of outside load
 * hurts one round of one server rather than a whole series. Rohas is measured
 * right after Elysia, and the median of those back-to-back pairs is printed
 * beside best-against-best: outside load that comes and goes between rounds
 * then moves both sides of a pair together.
 */
async function main(args: string[]): Promise<void> {
  const options: Options = {
    duration: option(args, "duration", 5),
    connections: option(args, "connections", 50),
    warmup: option(args, "warmup", 2),
  };
  const rounds = Math.max(1, option(args, "rounds", 5));
  const useWrk = Bun.which("wrk") !== null && !args.includes("--bun-load");
  const generator = useWrk ? runWrk : runBunLoad;
  console.log(
    `POST /users, ${options.connections} connections, best of ${rounds} rounds of ${options.duration} s (+${options.warmup} s warm-up), load: ${useWrk ? "wrk -t1" : "bun fetch loops in a child process"}, Rohas telemetry: ${TELEMETRY}`,
  );

  const targets: Target[] = [];
  const temp: string[] = [];
  try {
    const bun = rawBun();
    targets.push({ name: "raw Bun.serve", url: bun.url, stop: bun.stop });
    const elysia = rawElysia();
    targets.push({ name: "Elysia + TypeBox", url: elysia.url, stop: elysia.stop });
    // Rohas right after Elysia: each round's pair is measured back to back, under the same outside load.
    const rohas = await rohasServer(TELEMETRY);
    temp.push(rohas.dir);
    targets.push({ name: "Rohas (server-elysia)", url: rohas.url, stop: rohas.stop });
    const layer = await serverOnly(TELEMETRY);
    temp.push(layer.dir);
    targets.push({ name: "server-elysia, stub engine", url: layer.url, stop: layer.stop });

    for (const target of targets) {
      const check = await fetch(target.url, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
      if (check.status !== 200) throw new Error(`${target.name}: POST ${target.url} answered ${check.status}: ${await check.text()}`);
      if (options.warmup > 0) await generator(target.url, options.warmup, options.connections);
    }
    const best = new Map<string, Result>();
    const pairedRatios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      const thisRound = new Map<string, number>();
      for (const target of targets) {
        const cpu0 = cpuMicros();
        const r: Result = { name: target.name, ...(await generator(target.url, options.duration, options.connections)) };
        r.cpuUsPerRequest = (cpuMicros() - cpu0) / (r.rps * options.duration);
        line.push(`${target.name} ${r.rps.toFixed(0)}`);
        thisRound.set(target.name, r.rps);
        const prev = best.get(target.name);
        if (!prev || r.rps > prev.rps) best.set(target.name, { ...r, cpuUsPerRequest: Math.min(r.cpuUsPerRequest!, prev?.cpuUsPerRequest ?? Infinity) });
        else prev.cpuUsPerRequest = Math.min(prev.cpuUsPerRequest!, r.cpuUsPerRequest);
      }
      const paired = thisRound.get("Rohas (server-elysia)")! / thisRound.get("Elysia + TypeBox")!;
      pairedRatios.push(paired);
      console.log(`round ${round}: ${line.join(", ")}; Rohas / Elysia ${paired.toFixed(2)}x`);
    }

    const results = targets.map((t) => best.get(t.name)!);
    const [base, elysiaResult, rohasResult, layerResult] = results as [Result, Result, Result, Result];
    const medianPaired = [...pairedRatios].sort((a, b) => a - b)[Math.floor(pairedRatios.length / 2)]!;
    console.log("");
    console.log(`${"server".padEnd(28)} ${"req/s".padStart(10)} ${"p99 ms".padStart(8)} ${"vs Bun".padStart(7)} ${"errors".padStart(7)} ${"CPU µs/req".padStart(11)}`);
    for (const r of results) {
      console.log(
        `${r.name.padEnd(28)} ${r.rps.toFixed(0).padStart(10)} ${r.p99Ms.toFixed(2).padStart(8)} ${(r.rps / base.rps).toFixed(2).padStart(7)} ${String(r.errors).padStart(7)} ${r.cpuUsPerRequest!.toFixed(1).padStart(11)}`,
      );
    }
    const ratio = rohasResult.rps / elysiaResult.rps;
    const cpuRatio = elysiaResult.cpuUsPerRequest! / rohasResult.cpuUsPerRequest!;
    console.log("");
    console.log(`Rohas / Elysia throughput:   ${ratio.toFixed(2)}x best against best (goal >= 0.80x) ${ratio >= 0.8 ? "OK" : "BELOW GOAL"}`);
    console.log(`Rohas / Elysia per round:    median ${medianPaired.toFixed(2)}x of ${pairedRatios.map((r) => r.toFixed(2)).join(", ")} (each pair measured back to back)`);
    console.log(`Rohas / Elysia by CPU cost:  ${cpuRatio.toFixed(2)}x (Elysia's CPU time per request / Rohas's: steadier than req/s on a busy machine)`);
    console.log(`Elysia / Bun throughput:     ${(elysiaResult.rps / base.rps).toFixed(2)}x`);
    console.log(`server layer alone / Elysia: ${(layerResult.rps / elysiaResult.rps).toFixed(2)}x (the rest of the gap is the engine)`);
  } finally {
    for (const target of targets) await target.stop();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--load") {
  await loadWorker(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main(process.argv.slice(2));
  process.exit(0);
}
