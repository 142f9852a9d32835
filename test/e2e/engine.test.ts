/**
 * The engine end to end: `rohas start` (the compiled binary when built, else
 * `bun cli/main.ts`; ROHAS_E2E=source forces the latter) on a copy of
 * test/fixtures/app, exercised over real HTTP and WebSockets. Handlers leave
 * lines in files under the project folder, which the tests poll.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "bun";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, eventually, rohasArgv, startRohas, type RunningServer } from "../support.ts";

const read = (dir: string, file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");
const lines = (dir: string, file: string): string[] => read(dir, file).split("\n").filter(Boolean);

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** Opens a WebSocket and collects the JSON messages it receives. */
async function openSocket(url: string) {
  const socket = new WebSocket(url);
  const received: unknown[] = [];
  socket.addEventListener("message", (e) => received.push(JSON.parse(String(e.data))));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
  return { socket, received };
}

describe("rohas start: HTTP, events, cron and WebSockets", () => {
  let dir: string;
  let app: RunningServer;

  beforeAll(async () => {
    dir = copyFixture("app");
    app = await startRohas(dir, { timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    if (app) await app.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("prints the address it listens on", () => {
    expect(app.output()).toContain(`listening on http://127.0.0.1:${app.port}`);
  });

  test("a valid body is handled; a bad body is 400 naming the fields", async () => {
    const good = await postJson(`${app.url}/orders`, { item: "book", quantity: 2 });
    expect(good.status).toBe(200);
    const order = (await good.json()) as { id: string; item: string; quantity: number };
    expect(order).toMatchObject({ item: "book", quantity: 2 });
    expect(order.id).toStartWith("order-");
    // Telemetry is off in this fixture: no trace is recorded, so the response names none (decision 012).
    expect(good.headers.get("traceparent")).toBeNull();

    const bad = await postJson(`${app.url}/orders`, { item: 7, quantity: "two" });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; fields: { path: string; message: string }[] };
    expect(body.error).toBe("invalid request body");
    expect(body.fields.map((f) => f.path).sort()).toEqual(["/item", "/quantity"]);
  });

  test("415 for a non-JSON body, 413 over max_body_size, 400 for malformed JSON", async () => {
    const text = await fetch(`${app.url}/orders`, { method: "POST", headers: { "content-type": "text/plain" }, body: "item=book" });
    expect(text.status).toBe(415);

    const big = await postJson(`${app.url}/orders`, { item: "x".repeat(4096), quantity: 1 });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: "request body too large", limit: 2048 });

    const malformed = await fetch(`${app.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toContain("malformed JSON");
  });

  test("path params and typed query params", async () => {
    const res = await fetch(`${app.url}/orders/abc-1?verbose=true&limit=3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "abc-1", verbose: true, limit: 3 });

    const bad = await fetch(`${app.url}/orders/abc-1?limit=lots`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: { path: string }[] }).fields.map((f) => f.path)).toEqual(["/limit"]);

    const missing = await fetch(`${app.url}/no/such/route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "not found", path: "/no/such/route" });
  });

  test("the built-in rate_limit middleware answers 429 with Retry-After", async () => {
    const client = { "x-forwarded-for": "192.0.2.7" };
    expect((await fetch(`${app.url}/limited`, { headers: client })).status).toBe(200);
    expect((await fetch(`${app.url}/limited`, { headers: client })).status).toBe(200);
    const limited = await fetch(`${app.url}/limited`, { headers: client });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: string }).error).toContain("rate limit exceeded");
    expect((await fetch(`${app.url}/limited`, { headers: { "x-forwarded-for": "192.0.2.8" } })).status).toBe(200);
  });

  test("an API's triggered event runs a chain of three handlers", async () => {
    const sent = Date.now();
    const res = await postJson(`${app.url}/orders`, { item: "lamp", quantity: 1 });
    const { id } = (await res.json()) as { id: string };
    const chain = await eventually(() => {
      const found = lines(dir, "events.log").filter((l) => l.split(" ")[1] === id);
      return found.length >= 3 ? found : undefined;
    }, 20_000);
    expect(chain).toEqual([`reserve_stock ${id}`, `charge_payment ${id}`, `send_receipt ${id} charged=true`]);
    // send_receipt publishes ReceiptSent with state.triggerEvent: a fourth hop.
    await eventually(() => lines(dir, "archive.log").includes(`archive_receipt ${id}`), 20_000);
    // The envelope's timestamp: when the hop was published, as an ISO 8601 UTC string.
    const stamp = lines(dir, "archive-times.log").find((l) => l.startsWith(`${id} `))!.split(" ")[1]!;
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(stamp)).toBeGreaterThanOrEqual(sent);
    expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now());
  });

  test("a failing event handler is retried, dead-lettered and logged; the server stays up", async () => {
    const res = await postJson(`${app.url}/explode`, {});
    expect(res.status).toBe(200);
    // [events] max_attempts = 2
    await eventually(() => lines(dir, "failures.log").length >= 2, 20_000);
    await app.waitForOutput(/dead.?letter/i, 20_000);
    expect(app.output()).toContain("always_fails refuses this event");
    expect(app.output()).toContain("Doomed");
    await Bun.sleep(300);
    expect(lines(dir, "failures.log").length).toBe(2);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  test("a synchronous event handler that throws is retried and dead-lettered like an async one", async () => {
    const res = await postJson(`${app.url}/explode-now`, {});
    expect(res.status).toBe(200);
    await eventually(() => lines(dir, "failures-sync.log").length >= 2, 20_000);
    await app.waitForOutput(/DoomedAtOnce dead.?lettered/i, 20_000);
    expect(app.output()).toContain("fails_at_once refuses this event");
    await Bun.sleep(300);
    expect(lines(dir, "failures-sync.log").length).toBe(2);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  test("a handler that never answers is cut off at [events] handler_timeout_ms with a 504", async () => {
    const started = Date.now();
    const res = await fetch(`${app.url}/hang`);
    expect(res.status).toBe(504);
    expect(JSON.stringify(await res.json())).toContain("timed out after 3000 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  test("a six-field cron schedule fires every second", async () => {
    const ticks = await eventually(() => {
      const t = lines(dir, "cron.log");
      return t.length >= 2 ? t : undefined;
    }, 20_000);
    // Each run in a second of its own (a run delayed by a busy machine can come less than 500 ms before the next).
    const [first, second] = ticks!.map((l) => Math.floor(Date.parse(l.split(" ")[1]!) / 1000));
    expect(second!).toBeGreaterThan(first!);
  });

  test("a WebSocket message is broadcast to every client on the path", async () => {
    const url = `${app.url.replace("http", "ws")}/ws/chat`;
    const a = await openSocket(url);
    const b = await openSocket(url);
    try {
      // A socket joins the broadcast once its connect handlers ran; resend until both have heard one.
      await eventually(async () => {
        a.socket.send(JSON.stringify({ text: "hello", from: "a" }));
        await Bun.sleep(100);
        return a.received.length > 0 && b.received.length > 0;
      }, 15_000, 10);
      expect(b.received[0]).toEqual({ from: "a", text: "hello", echoed: true });
      expect(a.received[0]).toEqual({ from: "a", text: "hello", echoed: true });

      b.socket.send(JSON.stringify({ from: "b" }));
      const error = await eventually(() => b.received.find((m) => (m as { error?: string }).error) as { error: string; fields: { path: string }[] } | undefined);
      expect(error!.error).toBe("invalid message");
      expect(error!.fields.map((f) => f.path)).toEqual(["/text"]);
    } finally {
      a.socket.close();
      b.socket.close();
    }
  });
});

describe("rohas start: graceful shutdown", () => {
  test("SIGTERM lets an in-flight request finish with 200, then the process exits 0", async () => {
    const dir = copyFixture("app");
    const app = await startRohas(dir, { timeoutMs: 60_000 });
    try {
      const slow = fetch(`${app.url}/slow`);
      await eventually(() => lines(dir, "slow.log").includes("started"), 15_000);
      app.proc.kill("SIGTERM");
      const res = await slow;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ slow: "done" });
      expect(await app.proc.exited).toBe(0);
      expect(lines(dir, "slow.log")).toEqual(["started", "finished"]);
    } finally {
      if (app.proc.exitCode === null) app.proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("rohas start: missing handler", () => {
  test("fails fast with exit 1 naming the expected file", async () => {
    const dir = copyFixture("app");
    rmSync(join(dir, "src/handlers/api/GetOrder.ts"));
    const proc = spawn([...rohasArgv(), "start", "--port", "0"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    // Bounded: a start that wrongly keeps serving must not hang the suite.
    const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
    try {
      const code = await proc.exited;
      const output = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
      expect(code).toBe(1);
      expect(output).toContain("src/handlers/api/GetOrder.ts");
      expect(output).not.toContain("listening on");
    } finally {
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 45_000);
});
