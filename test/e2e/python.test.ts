/**
 * Python handlers end to end: `rohas codegen` then `rohas start` (the compiled
 * binary when built, else `bun cli/main.ts`; ROHAS_E2E=source forces the
 * latter) on a copy of examples/hello-python plus a few test-only APIs, over
 * real HTTP. Handlers leave files in the project folder, which the tests poll.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, eventually, REPO, runRohas, startRohas, type RunningServer } from "../support.ts";

const VENV_PYTHON = join(REPO, ".venv", "bin", "python");
const read = (dir: string, file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Test-only APIs added to the example: a failure with a traceback, and a handler that naps. */
const E2E_SCHEMA = `
api Explode {
  method: POST
  path: "/explode"
  response: Json
}

input NapQuery {
  n:       Int
  seconds: Float
}

api Poke {
  method: POST
  path: "/poke"
  response: Json
  triggers: [Fragile]
}

event Fragile {
  payload: Json
  handler: [fragile]
}

api Nap {
  method: GET
  path: "/nap"
  query: NapQuery
  response: Json
}
`;

const EXPLODE = `def check_inventory(count):
    if count < 0:
        raise ValueError(f"inventory cannot be {count}")


async def handle_explode(req, state):
    print("print() from explode, captured as a log line")
    check_inventory(-3)
`;

// Leaves "start n" / "end n" lines so a test can tell which calls were in flight.
const NAP = `import asyncio
import os

from generated.api.nap import NapRequest

LOG = os.path.join(os.path.dirname(__file__), "..", "..", "..", "naps.log")


def mark(text):
    with open(LOG, "a") as f:
        f.write(text + "\\n")


async def handle_nap(req: NapRequest):
    mark(f"start {req.query_params.n} {os.getpid()}")
    await asyncio.sleep(req.query_params.seconds)
    mark(f"end {req.query_params.n}")
    return {"n": req.query_params.n, "pid": os.getpid()}
`;

const POKE = `async def handle_poke(req):
    return {"poked": True}
`;

// Kills its own worker on the first delivery: the engine retries the event on a new worker.
const FRAGILE = `import os
import signal


async def handle_fragile(event):
    if event.attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "fragile.log"), "a") as f:
        f.write(f"survived on attempt {event.attempt} with {event.payload}\\n")
`;

/** Python worker processes of the server (children running rohas_worker.py). */
function workerPids(serverPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== serverPid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("rohas_worker.py")) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.sort((a, b) => a - b);
}

function napLines(dir: string): string[] {
  return read(dir, "naps.log").split("\n").filter(Boolean);
}

describe("rohas start with Python handlers (examples/hello-python)", () => {
  let dir: string;
  let app: RunningServer;

  beforeAll(async () => {
    dir = copyFixture(join(REPO, "examples", "hello-python"));
    for (const leftover of ["src/generated", ".rohas", "outbox", "naps.log"]) rmSync(join(dir, leftover), { recursive: true, force: true });
    writeFileSync(join(dir, "schema", "e2e.ro"), E2E_SCHEMA);
    writeFileSync(join(dir, "src", "handlers", "api", "explode.py"), EXPLODE);
    writeFileSync(join(dir, "src", "handlers", "api", "nap.py"), NAP);
    writeFileSync(join(dir, "src", "handlers", "api", "poke.py"), POKE);
    writeFileSync(join(dir, "src", "handlers", "events", "fragile.py"), FRAGILE);
    const config = readFileSync(join(dir, "config", "rohas.toml"), "utf8")
      .replace(/^\[python\][\s\S]*$/m, `[python]\ninterpreter = "${existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3"}"\nworkers = 2\n`)
      .replace(/^\[workbench\]\nenabled = true/m, "[workbench]\nenabled = false");
    writeFileSync(join(dir, "config", "rohas.toml"), config);

    const codegen = runRohas(["codegen"], dir);
    expect(codegen.code).toBe(0);
    expect(existsSync(join(dir, "src", "generated", "api", "create_user.py"))).toBe(true);
    app = await startRohas(dir, { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    if (app) await app.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("API → Python handler → event → Python handler → event → Python handler", async () => {
    const res = await postJson(`${app.url}/users`, { name: "Ada", email: "ada@example.com" });
    expect(res.status).toBe(200);
    const user = (await res.json()) as { id: number; name: string; email: string; createdAt: string };
    expect(user).toMatchObject({ name: "Ada", email: "ada@example.com" });
    expect(typeof user.id).toBe("number");

    // send_welcome_email (event UserCreated) writes the email...
    const email = await eventually(() => read(dir, `outbox/welcome-${user.id}.txt`), 20_000);
    expect(email).toContain("To: ada@example.com");
    // ...and returns WelcomeEmailSent's payload, which log_welcome_email logs.
    await app.waitForOutput("welcome email sent to ada@example.com", 20_000);

    const fetched = await fetch(`${app.url}/users/${user.id}`);
    expect(await fetched.json()).toEqual(user);
  }, 60_000);

  test("logging from Python handlers shows in the server output", async () => {
    const res = await postJson(`${app.url}/users`, { name: "Grace", email: "grace@example.com" });
    expect(res.status).toBe(200);
    await app.waitForOutput("user created", 20_000);
    await app.waitForOutput("sending welcome email to grace@example.com", 20_000);
  }, 60_000);

  test("a Python exception answers 500 and its traceback is in the output; print() is a log line", async () => {
    const res = await postJson(`${app.url}/explode`, {});
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toContain("inventory cannot be -3");
    await app.waitForOutput("print() from explode, captured as a log line", 20_000);
    await app.waitForOutput("Traceback (most recent call last)", 20_000);
    await app.waitForOutput(/explode\.py", line 3, in check_inventory/, 20_000);
    await app.waitForOutput("ValueError: inventory cannot be -3", 20_000);
  }, 60_000);

  test("an event whose handler kills its worker is retried on a new worker", async () => {
    const res = await postJson(`${app.url}/poke`, {});
    expect(res.status).toBe(200);
    const log = await eventually(() => read(dir, "fragile.log"), 30_000);
    expect(log).toContain("survived on attempt 2 with {'poked': True}");
    await app.waitForOutput(/python worker \d+ was killed by SIGKILL/, 10_000);
    await eventually(() => workerPids(app.proc.pid).length === 2, 20_000);
  }, 60_000);

  test("middleware in Python rejects with its status", async () => {
    const denied = await fetch(`${app.url}/users/1`, { method: "DELETE" });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: string }).error).toBe("admin token required");
  }, 60_000);

  test("50 concurrent calls to an async handler sleeping 1 s overlap, and a slow one blocks no one", async () => {
    const started = performance.now();
    const naps = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${app.url}/nap?n=${1000 + i}&seconds=1`)));
    const elapsed = performance.now() - started;
    expect(naps.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(elapsed).toBeLessThan(5_000); // 50 s if they ran one after another

    const slow = fetch(`${app.url}/nap?n=2000&seconds=4`);
    const quickStarted = performance.now();
    const quick = await Promise.all(Array.from({ length: 20 }, () => fetch(`${app.url}/healthz`)));
    const quickElapsed = performance.now() - quickStarted;
    expect(quick.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(quickElapsed).toBeLessThan(4_000);
    expect((await slow).status).toBe(200);
  }, 60_000);

  test("kill -9 of a worker mid-load fails only calls it was running; the server recovers", async () => {
    const workers = workerPids(app.proc.pid);
    expect(workers).toHaveLength(2);
    rmSync(join(dir, "naps.log"), { force: true });

    const call = async (n: number, seconds: number) => {
      const res = await fetch(`${app.url}/nap?n=${n}&seconds=${seconds}`);
      return { n, status: res.status, body: (await res.json()) as { n?: number; error?: string } };
    };
    const firstWave = Array.from({ length: 30 }, (_, i) => call(i, 2));
    await eventually(() => napLines(dir).filter((l) => l.startsWith("start")).length === 30, 20_000);
    const victim = workers[0]!;
    const onVictim = napLines(dir).filter((l) => l.startsWith("start") && l.endsWith(` ${victim}`)).length;
    expect(onVictim).toBeGreaterThan(0);
    process.kill(victim, "SIGKILL");
    // Requests arriving right after the kill must not be lost.
    const secondWave = Array.from({ length: 30 }, (_, i) => call(100 + i, 0.05));
    const results = await Promise.all([...firstWave, ...secondWave]);

    const started = new Set(napLines(dir).filter((l) => l.startsWith("start")).map((l) => Number(l.split(" ")[1])));
    const failed = results.filter((r) => r.status !== 200);
    expect(failed).toHaveLength(onVictim);
    for (const f of failed) {
      expect(f.status).toBe(500);
      expect(f.body.error).toContain(`python worker ${victim} was killed by SIGKILL`);
      expect(started.has(f.n)).toBe(true); // it was in flight on the killed worker
    }
    for (const ok of results.filter((r) => r.status === 200)) expect(ok.body.n).toBe(ok.n);

    await eventually(() => {
      const now = workerPids(app.proc.pid);
      return now.length === 2 && !now.includes(victim);
    }, 20_000);
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => call(200 + i, 0.01)));
    expect(after.map((r) => r.status)).toEqual(Array(20).fill(200));
    await app.waitForOutput(`python worker ${victim} was killed by SIGKILL`, 10_000);
  }, 60_000);
});
