/**
 * The Workbench in a real headless Chromium (Debian's /usr/bin/chromium driven
 * by playwright-core with a fresh profile; no browser is ever downloaded),
 * against `rohas dev --workbench` (the compiled binary when built) serving
 * test/fixtures/workbench-app, then the hello-world example. Screenshots of
 * every page are kept under test-artifacts/workbench/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { copyFixture, eventually, REPO, startRohas, tempDir, type RunningServer } from "../support.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTEFACTS = join(REPO, "test-artifacts", "workbench");
const WAIT = 20_000;

let server: RunningServer;
let projectDir: string;
let context: BrowserContext;
let page: Page;
/** Requests the pages made to anything but the Rohas server under test. */
const foreignRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ./scripts/setup (installs Debian's chromium)`);
  mkdirSync(ARTEFACTS, { recursive: true });
  projectDir = copyFixture("workbench-app");
  server = await startRohas(projectDir, { command: "dev", args: ["--workbench"], timeoutMs: 60_000 });
  // A persistent context on a fresh temporary directory: a profile of its own, nothing shared with any other browser.
  context = await chromium.launchPersistentContext(tempDir("rohas-chromium-"), {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // The Workbench must work with no network but the Rohas server: anything else is recorded and refused.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("http://127.0.0.1:")) return route.continue();
    foreignRequests.push(url);
    return route.abort();
  });
  page = await context.newPage();
}, 90_000);

afterAll(async () => {
  await context?.close();
  await server?.stop();
});

const open = async (tab: Page, hash: string, base = server.url) => {
  await tab.goto(`${base}/_rohas/workbench/#/${hash}`);
};
const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(`${server.url}/_rohas/api${path}`, init)).json()) as T;
const shot = (tab: Page, name: string) => tab.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });

describe("Workbench in Chromium", () => {
  test("the schema page lists every block and shows one with its source", async () => {
    await open(page, "schema");
    await page.waitForSelector('[data-testid="schema-block"][data-name="CreateOrder"]');
    const listed = await page.locator('[data-testid="schema-block"]').evaluateAll((els) => els.map((e) => `${e.getAttribute("data-kind")} ${e.getAttribute("data-name")}`));
    const schema = await api<{ blocks: { kind: string; name: string }[] }>("/schema");
    expect(listed.sort()).toEqual(schema.blocks.map((b) => `${b.kind} ${b.name}`).sort());
    for (const block of ["api CreateOrder", "event OrderPlaced", "ws Chat", "cron Tidy", "input CreateOrderInput"]) expect(listed).toContain(block);

    await page.click('[data-testid="schema-block"][data-name="CreateOrder"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="block-detail"]')?.textContent?.includes("api CreateOrder"));
    const detail = await page.textContent('[data-testid="block-detail"]');
    expect(detail).toContain('path: "/orders"');
    expect(detail).toContain("OrderPlaced");
    await shot(page, "fixture-schema");
  });

  test("the graph draws API → event → handler → event and follows a node's flow", async () => {
    await open(page, "graph");
    await page.waitForSelector('[data-testid="graph-node"][data-id="api:CreateOrder"]');
    const ids = await page.locator('[data-testid="graph-node"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    for (const id of ["api:CreateOrder", "event:OrderPlaced", "handler:reserve_stock", "event:StockReserved", "handler:charge_payment", "event:PaymentCharged", "cron:Tidy", "ws:Chat"]) {
      expect(ids).toContain(id);
    }
    await page.click('[data-testid="graph-node"][data-id="api:CreateOrder"]');
    const related = await page.locator("path.edge.related").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-from")}>${e.getAttribute("data-to")}`));
    expect(related).toContain("api:CreateOrder>event:OrderPlaced");
    expect(related).toContain("event:OrderPlaced>handler:reserve_stock");
    expect(related).toContain("handler:reserve_stock>event:StockReserved");
    expect(related).toContain("handler:charge_payment>event:PaymentCharged");
    expect(related).not.toContain("api:Explode>event:Doomed");
    expect(await page.textContent(".graph-panel")).toContain("Leads to");
    await shot(page, "fixture-graph");
  });

  test("an API called from the tester appears live in Traces; its waterfall holds the whole event chain and the handler's log", async () => {
    // Traces is open first; the call happens in another tab, so the list must update by itself.
    await open(page, "traces");
    await page.waitForSelector('[data-testid="live-status"][data-state="on"]', { timeout: WAIT });
    const tester = await context.newPage();
    await open(tester, "tester/api/CreateOrder");
    await tester.waitForSelector('[data-testid="tester-form"][data-api="CreateOrder"]');
    await tester.fill('[data-field="body.item"]', "lamp");
    await tester.fill('[data-field="body.quantity"]', "3");
    await tester.click('[data-testid="send-button"]');
    await tester.waitForSelector('[data-testid="response-status"]', { timeout: WAIT });
    expect(await tester.textContent('[data-testid="response-status"]')).toBe("200");
    expect(JSON.parse((await tester.textContent('[data-testid="response-body"]'))!)).toMatchObject({ item: "lamp", quantity: 3 });
    const traceId = (await tester.getAttribute('[data-testid="trace-link"]', "href"))!.split("/").pop()!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await shot(tester, "fixture-tester");
    await tester.close();

    await page.waitForSelector(`[data-testid="trace-row"][data-trace-id="${traceId}"]`, { timeout: WAIT });
    await shot(page, "fixture-traces");
    await page.click(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
    const chain = ["POST /orders", "api CreateOrder", "publish OrderPlaced", "event OrderPlaced", "event reserve_stock", "event StockReserved", "event charge_payment", "event PaymentCharged", "event send_receipt"];
    await eventually(
      async () => {
        const names = await page.locator('[data-testid="waterfall-row"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-span-name")));
        return chain.every((name) => names.includes(name));
      },
      WAIT,
      200,
    );
    const kinds = await page.locator('[data-testid="waterfall-row"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
    expect(kinds[0]).toBe("http");
    expect(kinds).toContain("handler");
    expect(kinds).toContain("consume");
    // Span details: click the reserve_stock handler, see its attributes and the line it logged.
    await page.click('[data-testid="waterfall-row"][data-span-name="event reserve_stock"]');
    await eventually(async () => ((await page.textContent('[data-testid="span-detail"]')) ?? "").includes("reserving stock for order-"), WAIT, 200);
    expect(await page.textContent('[data-testid="span-detail"]')).toContain("handler.name");
    await shot(page, "fixture-trace-waterfall");
  }, 60_000);

  test("the logs page shows a state.logger line and filters by level", async () => {
    await open(page, "logs");
    await page.waitForSelector('[data-testid="log-row"]', { timeout: WAIT });
    await page.fill('[data-testid="log-text"]', "reserving stock");
    await eventually(async () => {
      const rows = await page.locator('[data-testid="log-row"]').allTextContents();
      return rows.length > 0 && rows.every((r) => r.includes("reserving stock for order-"));
    }, WAIT, 200);
    await page.fill('[data-testid="log-text"]', "");
    await page.selectOption('[data-testid="log-level"]', "warn");
    await eventually(async () => {
      const levels = await page.locator('[data-testid="log-row"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-level")));
      return levels.every((l) => l === "warn" || l === "error");
    }, WAIT, 200);
    await shot(page, "fixture-logs");
  });

  test("a dead letter whose handler recovered is replayed from its page and the replay succeeds", async () => {
    await open(page, "dead-letters");
    await page.waitForSelector("main .page-head");
    const key = `parcel-${Date.now()}`;
    const res = await fetch(`${server.url}/ship`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key }) });
    expect(res.status).toBe(200);
    // It shows up live: after max_attempts failed deliveries the message is parked.
    const row = `[data-testid="dead-letter-row"][data-event="ShipmentRequested"]`;
    await page.waitForSelector(row, { timeout: WAIT });
    await page.click(row);
    const detail = await page.textContent('[data-testid="dead-letter-detail"]');
    expect(detail).toContain(`courier service unavailable for ${key}`);
    expect(detail).toContain(key);
    await shot(page, "fixture-dead-letters");
    await page.click('[data-testid="replay-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-result"]')?.textContent?.includes("Published ShipmentRequested again"), undefined, { timeout: WAIT });
    const replayTrace = (await page.getAttribute('[data-testid="replay-trace-link"]', "href"))!.split("/").pop()!;
    // The handler runs again and now succeeds, in the replay's own trace.
    await eventually(async () => {
      const logs = await api<{ message: string }[]>(`/logs?trace=${replayTrace}`);
      return logs.some((l) => l.message === `courier booked for ${key} after replay`);
    }, WAIT);
    const letters = await api<{ event: string; payload: { key: string }; replays: unknown[] }[]>("/dead-letters");
    expect(letters.find((d) => d.payload.key === key)!.replays.length).toBe(1);
  }, 60_000);

  test("a dead letter that keeps failing is parked again after its replay", async () => {
    const before = (await api<unknown[]>("/dead-letters")).length;
    expect((await fetch(`${server.url}/explode`, { method: "POST" })).status).toBe(200);
    await eventually(async () => (await api<unknown[]>("/dead-letters")).length === before + 1, WAIT);
    await open(page, "dead-letters");
    const row = `[data-testid="dead-letter-row"][data-event="Doomed"]`;
    await page.waitForSelector(row, { timeout: WAIT });
    await page.click(row);
    expect(await page.textContent('[data-testid="dead-letter-detail"]')).toContain("always_fails refuses this event");
    await page.click('[data-testid="replay-button"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-result"]')?.textContent?.includes("Published Doomed again"), undefined, { timeout: WAIT });
    await eventually(async () => (await api<{ event: string }[]>("/dead-letters")).filter((d) => d.event === "Doomed").length >= 2, WAIT);
  }, 60_000);

  test("the metrics page draws charts from the traffic so far", async () => {
    await open(page, "metrics");
    await page.waitForSelector('[data-testid="metric-chart"][data-metric="events_published"] svg circle', { state: "attached", timeout: WAIT });
    const metrics = await page.locator('[data-testid="metric-chart"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-metric")));
    expect(metrics).toContain("handler_duration_ms");
    expect(await page.textContent('[data-testid="metric-chart"][data-metric="handler_duration_ms"]')).toContain("p95");
    await shot(page, "fixture-metrics");
  });

  test("a broken .ro file shows its error live (file:line:col, the line and a caret, the message); the fix clears it", async () => {
    await open(page, "schema");
    await page.waitForSelector('[data-testid="live-status"][data-state="on"]', { timeout: WAIT });
    expect(await page.isHidden('[data-testid="diagnostics"]')).toBe(true);
    const file = join(projectDir, "schema", "fragile.ro");
    const good = readFileSync(file, "utf8");
    expect(good).toContain("\n  method: POST\n");
    // The colon goes missing on line 7: "  method POST".
    writeFileSync(file, good.replace("\n  method: POST\n", "\n  method POST\n"));
    try {
      await page.waitForSelector('[data-testid="diagnostic"][data-severity="error"]', { timeout: WAIT });
      expect(await page.textContent('[data-testid="diagnostic-where"]')).toBe("schema/fragile.ro:7:10");
      expect(await page.textContent('[data-testid="diagnostic-message"]')).toBe("expected ':' after property name");
      const [gutterAndLine, caretLine] = (await page.textContent('[data-testid="diagnostic-source"]'))!.split("\n");
      expect(gutterAndLine).toBe("7 |   method POST");
      // The caret starts under column 10 of the line, after the "7 | " gutter.
      expect(caretLine!.indexOf("^")).toBe("7 | ".length + 9);
      expect(caretLine!.trim()).toBe("^^^^");
      expect(await page.textContent('[data-testid="diagnostics"]')).toContain("still serving the last good schema");
      await shot(page, "fixture-schema-error");
      // The last good schema still answers.
      expect((await fetch(`${server.url}/ship`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: "diag" }) })).status).toBe(200);
    } finally {
      writeFileSync(file, good);
    }
    await page.waitForSelector('[data-testid="diagnostics"]', { state: "hidden", timeout: WAIT });
    expect(await page.locator('[data-testid="diagnostic"]').count()).toBe(0);
    expect((await api<{ diagnostics: unknown[] }>("/diagnostics")).diagnostics).toEqual([]);
  }, 60_000);

  test("nothing was loaded from anywhere but the Rohas server", () => {
    expect(foreignRequests).toEqual([]);
  });
});

describe("Workbench on the hello-world example", () => {
  test("every page opens without errors; a request's event chain is one live waterfall", async () => {
    const hello = await startRohas(copyFixture(join(REPO, "examples", "hello-world")), { command: "dev", args: ["--workbench"], timeoutMs: 60_000 });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    try {
      for (const name of ["schema", "graph", "traces", "logs", "metrics", "dead-letters", "tester"]) {
        await open(tab, name, hello.url);
        await tab.waitForFunction((page) => document.querySelector("main")?.dataset.page === page && !document.querySelector("main")?.textContent?.includes("Loading…"), name);
        expect(await tab.locator("main .error-box").count()).toBe(0);
        await tab.screenshot({ path: join(ARTEFACTS, `hello-${name}.png`), fullPage: true });
      }
      await open(tab, "traces", hello.url);
      await tab.waitForSelector('[data-testid="live-status"][data-state="on"]', { timeout: WAIT });
      const res = await fetch(`${hello.url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Ada","email":"ada@example.com"}' });
      expect(res.status).toBe(200);
      const traceId = res.headers.get("traceparent")!.split("-")[1]!;
      await tab.waitForSelector(`[data-testid="trace-row"][data-trace-id="${traceId}"]`, { timeout: WAIT });
      await tab.click(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
      const chain = ["POST /users", "api CreateUser", "publish UserCreated", "event send_welcome_email", "publish WelcomeEmailSent", "event log_welcome_email"];
      await eventually(async () => {
        const names = await tab.locator('[data-testid="waterfall-row"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-span-name")));
        return chain.every((name) => names.includes(name));
      }, WAIT, 200);
      await tab.screenshot({ path: join(ARTEFACTS, "hello-trace-waterfall.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
      await hello.stop();
    }
  }, 120_000);
});

describe("Workbench access over HTTP", () => {
  test("telemetry is written on its worker thread (in the binary too: the worker is embedded)", async () => {
    const info = await api<{ telemetry: { writer: string; writerNote?: string; written: number } | null }>("/info");
    expect(info.telemetry?.writerNote).toBeUndefined();
    expect(info.telemetry?.writer).toBe("worker");
    expect(info.telemetry!.written).toBeGreaterThan(0);
  });

  test("static serving refuses traversal and serves only its own files", async () => {
    const attempts = [
      "/_rohas/workbench/../../package.json",
      "/_rohas/workbench/%2e%2e/%2e%2e/config/rohas.toml",
      "/_rohas/workbench/..%2f..%2fconfig%2frohas.toml",
      "/_rohas/workbench/..%5c..%5cconfig%5crohas.toml",
      "/_rohas/workbench/app.js%2f..%2f..%2fconfig%2frohas.toml",
      "/_rohas/workbench/%2fetc%2fpasswd",
      "/_rohas/workbench//etc/passwd",
      "/_rohas/workbench/app.js%00.html",
      "/_rohas/workbench/package.json",
    ];
    for (const path of attempts) {
      // Sent byte for byte: fetch() would normalise the dots away before they reach the server.
      const { status, body } = await rawGet(server.port, path);
      expect([400, 404]).toContain(status);
      expect(body).not.toContain("[project]");
      expect(body).not.toContain('"dependencies"');
      expect(body).not.toContain("root:x:0:0");
    }
    const app = await fetch(`${server.url}/_rohas/workbench/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toContain("javascript");
  });

  test("a browser on another origin is refused unless allowed, and the page forbids foreign scripts", async () => {
    const res = await fetch(`${server.url}/_rohas/api/schema`, { headers: { origin: "http://evil.example" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("workbench/origin");
    const post = await fetch(`${server.url}/_rohas/api/publish/Doomed`, { method: "POST", headers: { origin: "http://evil.example", "content-type": "text/plain" }, body: "{}" });
    expect(post.status).toBe(403);
    const index = await fetch(`${server.url}/_rohas/workbench/`);
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  test("a Host header naming another machine is refused (DNS rebinding)", async () => {
    const { status, body } = await rawGet(server.port, "/_rohas/api/schema", "attacker.example:80");
    expect(status).toBe(403);
    expect(body).toContain("workbench/host");
  });
});

/** A GET with the path and Host exactly as given. */
function rawGet(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () => resolve({ status: Number(data.split(" ")[1]), body: data.slice(data.indexOf("\r\n\r\n") + 4) }));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer for ${path}`)));
  });
}
