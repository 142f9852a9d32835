/**
 * `rohas dev` with Python handlers (examples/hello-python): editing a .py
 * handler recycles the workers gracefully. While a client sends requests in a
 * loop, a call in flight on the old code finishes with the old answer, new
 * calls get the new code, and no request fails.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, eventually, REPO, runRohas, startRohas, type RunningServer } from "../support.ts";

const VENV_PYTHON = join(REPO, ".venv", "bin", "python");
const SLOW_SCHEMA = `
api Slow {
  method: GET
  path: "/slow"
  response: Json
}
`;
const slowHandler = (version: number) => `import asyncio


async def handle_slow(req):
    await asyncio.sleep(1.5)
    return {"version": ${version}}
`;

let dir: string;
let app: RunningServer;
let stopLoop = false;
let loop: Promise<void>;
let sent = 0;
const failures: string[] = [];

beforeAll(async () => {
  dir = copyFixture(join(REPO, "examples", "hello-python"));
  for (const leftover of ["src/generated", ".rohas"]) rmSync(join(dir, leftover), { recursive: true, force: true });
  writeFileSync(join(dir, "schema", "slow.ro"), SLOW_SCHEMA);
  writeFileSync(join(dir, "src", "handlers", "api", "slow.py"), slowHandler(1));
  const config = readFileSync(join(dir, "config", "rohas.toml"), "utf8")
    .replace(/^\[python\][\s\S]*$/m, `[python]\ninterpreter = "${existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3"}"\nworkers = 2\n`)
    .replace(/^\[workbench\]\nenabled = true/m, "[workbench]\nenabled = false");
  writeFileSync(join(dir, "config", "rohas.toml"), config);
  expect(runRohas(["codegen"], dir).code).toBe(0);
  app = await startRohas(dir, { command: "dev", timeoutMs: 60_000 });
  loop = (async () => {
    while (!stopLoop) {
      try {
        const res = await fetch(`${app.url}/healthz`);
        if (res.status !== 200) failures.push(`GET /healthz → ${res.status} ${await res.text()}`);
        else await res.arrayBuffer();
        sent++;
      } catch (error) {
        failures.push(`network error: ${String(error)}`);
      }
    }
  })();
}, 120_000);

afterAll(async () => {
  stopLoop = true;
  await loop;
  await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("rohas dev with Python handlers", () => {
  test("an edited .py handler: the call in flight finishes on the old code, new calls get the new code", async () => {
    await eventually(() => sent > 20);
    const inFlight = fetch(`${app.url}/slow`).then(async (r) => ({ status: r.status, body: (await r.json()) as { version: number } }));
    await Bun.sleep(300);
    writeFileSync(join(dir, "src", "handlers", "api", "slow.py"), slowHandler(2));
    await app.waitForOutput(/slow\.py changed/);
    const old = await inFlight;
    expect(old).toEqual({ status: 200, body: { version: 1 } });
    await eventually(async () => ((await (await fetch(`${app.url}/slow`)).json()) as { version: number }).version === 2, 20_000);
  }, 60_000);

  test("no request failed while the workers were recycled", async () => {
    const before = sent;
    await eventually(() => sent > before + 20);
    expect(failures).toEqual([]);
  });
});
