/**
 * Shared helpers for end-to-end tests: run the rohas CLI (the compiled binary
 * when built, else `bun cli/main.ts`), copy fixture projects outside the
 * repository, start servers on free ports and wait until they answer.
 */
import { spawn, spawnSync, type Subprocess } from "bun";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "..");
export const BINARY = join(REPO, "dist", "rohas");

/**
 * How to invoke rohas. `ROHAS_E2E=source` forces `bun cli/main.ts`; otherwise
 * the compiled binary is used when `bun run build` has produced it.
 */
export function rohasArgv(mode: "binary" | "source" | "auto" = "auto"): string[] {
  const useBinary = mode === "binary" || (mode === "auto" && process.env.ROHAS_E2E !== "source" && existsSync(BINARY));
  if (mode === "binary" && !existsSync(BINARY)) throw new Error(`${BINARY} is missing: run 'bun run build' first`);
  return useBinary ? [BINARY] : [process.execPath, join(REPO, "cli", "main.ts")];
}

export function tempDir(prefix = "rohas-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Copies test/fixtures/<name> (or an absolute folder) into a fresh temp dir outside the repo. */
export function copyFixture(nameOrPath: string): string {
  const src = nameOrPath.startsWith("/") ? nameOrPath : join(REPO, "test", "fixtures", nameOrPath);
  const dir = tempDir();
  cpSync(src, dir, { recursive: true });
  return dir;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRohas(args: string[], cwd: string, options: { mode?: "binary" | "source" | "auto"; env?: Record<string, string> } = {}): RunResult {
  const proc = spawnSync([...rohasArgv(options.mode), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: proc.exitCode ?? -1, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

/**
 * A port nothing listens on, chosen below the kernel's ephemeral range. A port
 * from that range (what listening on port 0 gives) can be handed to an
 * outgoing connection before the server binds it (the server then exits with
 * "address in use"), and polling a localhost port of that range that nothing
 * listens on yet can connect a client socket to itself (TCP self-connect,
 * reproduced here after ~6,000 attempts on an even port): the probe then waits
 * for an answer that never comes, as a CI run's /health probe once did.
 */
export async function freePort(): Promise<number> {
  const low = 20_000;
  const high = ephemeralStart() - 1;
  if (high <= low) return listenOnce(0);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    try {
      return await listenOnce(port);
    } catch {
      // taken: try another
    }
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function ephemeralStart(): number {
  try {
    const first = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768; // not Linux: the IANA dynamic range starts at 49152, Linux's default at 32768
  }
}

/** Listens on `port` (0: any) on 127.0.0.1, closes, and answers the port. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(bound));
    });
  });
}

export interface RunningServer {
  url: string;
  port: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything printed so far (stdout and stderr interleaved by arrival). */
  output(): string;
  /** Resolves when `text` (or a match of the regex) has been printed. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts `rohas <command> --port N` in `cwd` and resolves once GET /health
 * answers 200. Rejects with the server's output if it exits or times out.
 */
export async function startRohas(
  cwd: string,
  options: { command?: string; args?: string[]; mode?: "binary" | "source" | "auto"; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const argv = [...rohasArgv(options.mode), options.command ?? "start", "--port", String(port), ...(options.args ?? [])];
  const proc = spawn(argv, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const waiters: { match: string | RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (typeof w.match === "string" ? output.includes(w.match) : w.match.test(output)) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      check();
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastProbe = "none yet";
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`rohas exited with ${proc.exitCode} before serving:\n${output}`);
    try {
      // Each probe is bounded: a probe that hangs (a stale pooled connection, a socket accepted but never
      // answered) is retried instead of holding the caller until its hook times out with nothing said.
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000), keepalive: false });
      if (res.status === 200) break;
      lastProbe = `GET /health answered ${res.status}`;
    } catch (error) {
      lastProbe = `GET /health: ${String(error)}`; // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`rohas did not answer /health within ${options.timeoutMs ?? 30_000} ms (last probe: ${lastProbe}):\n${output}`);
    }
    await Bun.sleep(50);
  }

  return {
    url,
    port,
    proc,
    output: () => output,
    waitForOutput(match, timeoutMs = 10_000) {
      return new Promise<void>((resolveWait, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(match)} in output:\n${output}`)), timeoutMs);
        waiters.push({
          match,
          resolve: () => {
            clearTimeout(timer);
            resolveWait();
          },
        });
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return await proc.exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await Bun.sleep(intervalMs);
  }
}
