/**
 * Where the time of one `POST /users` goes, per JavaScript function, for Rohas
 * and raw Elysia under the same wrk load (bench/http.ts's servers). On a shared
 * VM throughput ratios move by ±10% between identical runs; a profile splits
 * one run's CPU by function, which is far steadier for telling what Rohas adds.
 *
 * Each server runs in a child process with JavaScriptCore's JIT dump on
 * (BUN_JSC_useJITDump), so `perf` samples of JIT-compiled code get function
 * names; samples in native code (Bun, libc, kernel, vDSO clock reads) are
 * charged to the nearest JavaScript caller on the stack. Prints µs per request
 * by function and by "native, called from". Needs Linux `perf` (root or
 * perf_event_paranoid ≤ 1) and `wrk`.
 *
 * With --native-leaves it also lists, for the samples with no JavaScript on the stack, the native
 * function sampled and its two callers (kernel symbols resolve; Bun's binary is stripped, so its
 * own frames read "[unknown]").
 *
 *   bun bench/profile-http.ts [--app rohas|elysia|both] [--seconds 4] [--no-telemetry] [--top 25] [--native-leaves]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BODY, rawElysia, rohasServer, telemetryChoice } from "./http-servers.ts";

type App = "rohas" | "elysia";

// ---------------------------------------------------------------- child: one server

async function serve(app: App): Promise<void> {
  const server = app === "elysia" ? rawElysia() : await rohasServer(telemetryChoice(process.argv));
  process.stdout.write(`${server.url}\n`);
  process.on("SIGTERM", async () => {
    await server.stop();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- parent: load, perf, attribution

interface JitRange {
  start: number;
  end: number;
  name: string;
}

/** JIT_CODE_LOAD records of a jitdump file (perf's format: a header, then id/size/timestamp records). */
function readJitDump(file: string): JitRange[] {
  const b = readFileSync(file);
  const ranges: JitRange[] = [];
  let offset = b.readUInt32LE(8); // header size
  while (offset + 16 <= b.length) {
    const id = b.readUInt32LE(offset);
    const size = b.readUInt32LE(offset + 4);
    if (size === 0) break;
    if (id === 0) {
      const address = Number(b.readBigUInt64LE(offset + 16 + 16));
      const length = Number(b.readBigUInt64LE(offset + 16 + 24));
      const nameStart = offset + 16 + 40;
      const name = b.toString("utf8", nameStart, b.indexOf(0, nameStart));
      ranges.push({ start: address, end: address + length, name });
    }
    offset += size;
  }
  return ranges.sort((x, y) => x.start - y.start);
}

/** The JIT function holding `ip`, by binary search (later loads of the same address win). */
function jitName(ranges: JitRange[], ip: number): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.start <= ip) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = found; i >= 0 && i > found - 64; i--) if (ranges[i]!.start <= ip && ip < ranges[i]!.end) return ranges[i]!.name;
  return undefined;
}

/** "JSC-FTL: invokeThen#DDE5MB" → "invokeThen"; other tiers keep a short mark. */
function shortName(name: string): string {
  const m = /^JSC-(\w+): (.*?)(#\w+)?$/.exec(name);
  if (!m) return name;
  const [, tier, fn] = m;
  const label = fn || "(anonymous)";
  return tier === "FTL" || tier === "DFG" ? label : `${label} [${tier}]`;
}

const nativeKind = (dso: string): string | undefined =>
  dso.includes("kallsyms") ? "kernel" : dso.includes("vdso") ? "clock (vdso)" : dso.includes("libc") ? "libc" : dso.includes("bun") ? "bun" : undefined;

interface Attribution {
  total: number;
  byFunction: Map<string, number>;
  byCaller: Map<string, number>;
  /** Samples with no JavaScript on the stack, by native leaf and its two callers. */
  byNativeLeaf: Map<string, number>;
}

const NO_JS = "(no JavaScript on the stack)";

function attribute(perfData: string, ranges: JitRange[], mainThread: number): Attribution {
  const out = Bun.spawnSync(["perf", "script", "-i", perfData, "-F", "tid,ip,dso,sym"], { stdout: "pipe", stderr: "ignore", maxBuffer: 1 << 30 }).stdout.toString();
  const byFunction = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byNativeLeaf = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let total = 0;
  for (const sample of out.split("\n\n")) {
    const lines = sample.split("\n").filter((l) => l.trim() !== "");
    // Only the main JavaScript thread (its tid is the pid): the writer worker, GC helpers and the JIT compiler are other threads.
    if (lines.length < 2 || Number(lines[0]!.trim().split(/\s+/)[0]) !== mainThread) continue;
    const frames = lines.slice(1).map((l) => {
      // "<ip> <symbol, possibly empty or with spaces> (<dso>)"
      const m = /^\s*([0-9a-f]+)\s+(.*?)\s*\(([^()]*)\)$/.exec(l);
      return m ? { ip: parseInt(m[1]!, 16), sym: m[2]! || "[unknown]", dso: m[3]! } : undefined;
    });
    const top = frames[0];
    if (!top) continue;
    total++;
    const kind = nativeKind(top.dso);
    if (kind === undefined) {
      add(byFunction, shortName(jitName(ranges, top.ip) ?? "(JIT, unnamed)"));
      continue;
    }
    let caller = NO_JS;
    for (const frame of frames.slice(1)) {
      if (!frame || nativeKind(frame.dso) !== undefined) continue;
      const name = jitName(ranges, frame.ip);
      if (name) {
        caller = shortName(name);
        break;
      }
    }
    add(byFunction, `[native: ${kind}]`);
    add(byCaller, `${kind} ← ${caller}`);
    if (caller === NO_JS) add(byNativeLeaf, [top, ...frames.slice(1, 3)].map((f) => f?.sym.slice(0, 40) ?? "?").join(" ← "));
  }
  return { total, byFunction, byCaller, byNativeLeaf };
}

/** utime + stime of a process, in µs (all its threads). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100);
}

async function profile(app: App, seconds: number, top: number, nativeLeaves: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rohas-profile-"));
  try {
    const child = Bun.spawn([process.execPath, import.meta.path, "--serve", app, ...process.argv.filter((a) => a === "--no-telemetry")], {
      stdout: "pipe",
      stderr: "inherit",
      env: { ...process.env, BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: dir },
    });
    const reader = child.stdout.getReader();
    const first = await reader.read();
    const url = new TextDecoder().decode(first.value).trim();
    const script = join(dir, "post.lua");
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`);
    const wrk = (s: number) => Bun.spawn(["wrk", "-t1", "-c50", `-d${s}s`, "-s", script, url], { stdout: "pipe", stderr: "ignore" });
    await wrk(2).exited; // warm-up: the JIT settles
    const load = wrk(seconds + 2);
    await Bun.sleep(1000);
    const cpu0 = cpuOf(child.pid);
    const perfData = join(dir, "perf.data");
    const recording = Bun.spawn(["perf", "record", "-k", "1", "-F", "2000", "-g", "-p", String(child.pid), "-o", perfData, "--", "sleep", String(seconds)], { stdout: "ignore", stderr: "pipe" });
    const perfErrors = await new Response(recording.stderr).text();
    if ((await recording.exited) !== 0) throw new Error(`perf record failed: ${perfErrors}`);
    const cpu = cpuOf(child.pid) - cpu0;
    const text = await new Response(load.stdout).text();
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
    child.kill("SIGTERM");
    await child.exited;
    const dumps = readdirSync(dir).filter((f) => f.startsWith("jit-") && f.endsWith(".dump"));
    const ranges = dumps.flatMap((f) => readJitDump(join(dir, f))).sort((x, y) => x.start - y.start);
    const { total, byFunction, byCaller, byNativeLeaf } = attribute(perfData, ranges, child.pid);
    const usPerRequest = cpu / (rps * seconds);
    // Samples cover the main thread only; scaled by the whole process's CPU per request they slightly
    // overstate each row (helper threads used ~5% here), the same way for both apps.
    const us = (n: number) => ((n / total) * usPerRequest).toFixed(3).padStart(7);
    console.log(`\n${app}: ${rps.toFixed(0)} req/s, ${usPerRequest.toFixed(1)} µs CPU per request (process), ${total} main-thread samples`);
    console.log(`  by function (µs per request):`);
    for (const [name, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${us(n)}  ${name}`);
    console.log(`  native time by JavaScript caller (µs per request):`);
    for (const [name, n] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${us(n)}  ${name}`);
    if (nativeLeaves) {
      console.log(`  ${NO_JS}, by native function and its callers (µs per request):`);
      for (const [name, n] of [...byNativeLeaf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${us(n)}  ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
if (args[0] === "--serve") {
  await serve(args[1] as App);
} else {
  for (const tool of ["perf", "wrk"]) if (!Bun.which(tool)) throw new Error(`${tool} is needed (apt-get install ${tool === "perf" ? "linux-perf" : "wrk"})`);
  const which = value("app", "both");
  const apps: App[] = which === "both" ? ["elysia", "rohas"] : [which as App];
  for (const app of apps) await profile(app, Number(value("seconds", "4")), Number(value("top", "25")), args.includes("--native-leaves"));
}
