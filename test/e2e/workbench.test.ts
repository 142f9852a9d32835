/**
 * The Workbench in a real headless Chromium (Debian's /usr/bin/chromium driven
 * by playwright-core; no browser is ever downloaded), against the compiled
 * binary serving a fixture app with `rohas dev --workbench`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { copyFixture, eventually, REPO, startRohas, type RunningServer } from "../support.ts";

const CHROMIUM = "/usr/bin/chromium";
/** Screenshots of every page, kept as test artefacts (git-ignored). */
const ARTEFACTS = join(REPO, "test-artifacts", "workbench");

let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ./scripts/setup (installs Debian's chromium)`);
  server = await startRohas(copyFixture("workbench-app"), { command: "dev", args: ["--workbench"] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
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
    // playwright gives every launch a fresh, empty profile directory of its own.
    headless: true,
  });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const open = async (hash: string) => {
  await page.goto(`${server.url}/_rohas/workbench/#/${hash}`);
};

describe("Workbench in Chromium", () => {
  test("the schema page lists every block with its source", async () => {
    await open("schema");
    await page.waitForSelector('[data-block="api CreateOrder"]');
    const text = await page.textContent('[data-block="api CreateOrder"]');
    expect(text).toContain('path: "/orders"');
    expect(await page.locator('[data-block="event OrderPlaced"]').count()).toBe(1);
    expect(await page.locator('[data-block="ws Chat"]').count()).toBe(1);
  });

  test("the graph draws API → event → handler and highlights what a node triggers", async () => {
    await open("graph");
    await page.waitForSelector('g.node[data-id="api:CreateOrder"]');
    expect(await page.locator("g.node").count()).toBeGreaterThanOrEqual(10);
    await page.click('g.node[data-id="api:CreateOrder"]');
    const hot = await page.locator("path.edge.hot").evaluateAll((els) => els.map((e) => `${e.getAttribute("data-from")}>${e.getAttribute("data-to")}`));
    expect(hot).toContain("api:CreateOrder>event:OrderPlaced");
    expect(hot).toContain("event:OrderPlaced>handler:reserve_stock");
    expect(hot).toContain("handler:charge_payment>event:PaymentCharged");
    expect(hot).not.toContain("api:Explode>event:Doomed");
  });

  test("an API called from the tester shows up live in Traces, with a waterfall and the handler's log", async () => {
    await open("traces");
    await page.waitForSelector("#trace-rows");
    // The tester runs in a second tab so the traces tab must update by itself (live stream).
    const tester = await browser.newPage();
    await tester.goto(`${server.url}/_rohas/workbench/#/tester`);
    await tester.waitForSelector("#t-api");
    await tester.selectOption("#t-api", "CreateOrder");
    await tester.fill('label[data-name="item"] input', "lamp");
    await tester.fill('label[data-name="quantity"] input', "3");
    await tester.click("#t-send");
    await tester.waitForSelector("#t-body");
    expect(await tester.textContent("#t-body")).toContain('"item": "lamp"');
    const traceId = (await tester.getAttribute("#t-trace", "href"))!.split("/").pop()!;
    await tester.close();

    await page.waitForSelector(`tr[data-trace="${traceId}"]`, { timeout: 15_000 });
    await page.click(`tr[data-trace="${traceId}"]`);
    await eventually(async () => (await page.locator(".waterfall .row").count()) >= 6, 15_000, 200);
    const rows = await page.locator(".waterfall .row").allTextContents();
    for (const name of ["POST /orders", "api CreateOrder", "event reserve_stock", "event charge_payment", "event send_receipt"]) {
      expect(rows.some((r) => r.includes(name))).toBe(true);
    }
    await eventually(async () => ((await page.textContent("main")) ?? "").includes("reserving stock for"), 15_000, 200);
  });

  test("a failing handler's dead letter is listed with its error and can be replayed", async () => {
    const res = await fetch(`${server.url}/explode`, { method: "POST" });
    expect(res.status).toBe(200);
    await eventually(async () => {
      const list = (await (await fetch(`${server.url}/_rohas/api/dead-letters`)).json()) as unknown[];
      return list.length > 0;
    }, 15_000);
    await open("dead-letters");
    await page.waitForSelector("button[data-replay]");
    expect(await page.textContent("main")).toContain("always_fails refuses this event");
    await page.click("button[data-replay]");
    await page.waitForFunction(() => document.getElementById("replay-result")?.textContent?.startsWith("Replayed Doomed"));
    // the replayed message fails again and is dead-lettered a second time
    await eventually(async () => ((await (await fetch(`${server.url}/_rohas/api/dead-letters`)).json()) as unknown[]).length >= 2, 15_000);
  });

  test("the logs page filters by level and the metrics page draws charts", async () => {
    await open("logs");
    await page.waitForSelector("#l-level");
    await page.selectOption("#l-level", "error");
    await page.click("#l-go");
    await eventually(async () => ((await page.textContent("#log-table")) ?? "").includes("always_fails"), 15_000, 200);
    expect(await page.textContent("#log-table")).not.toContain("reserving stock");

    await open("metrics");
    // every point is a circle with a title; all of this test's traffic fell in the last minute or two
    await page.waitForSelector(".card svg circle", { state: "attached" });
    const charts = await page.locator(".card svg").allTextContents();
    expect(charts.some((c) => c.includes("events published / min"))).toBe(true);
    expect(charts.some((c) => c.includes("handler calls / min"))).toBe(true);
  });
});

describe("Workbench on the hello-world example", () => {
  test("every page opens; a request's whole event chain is one live waterfall; screenshots are saved", async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    const hello = await startRohas(copyFixture(join(REPO, "examples", "hello-world")), { command: "dev", args: ["--workbench"] });
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      for (const page of ["schema", "graph", "traces", "logs", "metrics", "dead-letters", "tester"]) {
        await tab.goto(`${hello.url}/_rohas/workbench/#/${page}`);
        await tab.waitForFunction(() => !document.querySelector("main")?.textContent?.includes("Loading…"));
        expect(await tab.locator("main .error").count()).toBe(0);
        await tab.screenshot({ path: join(ARTEFACTS, `${page}.png`), fullPage: true });
      }
      await tab.goto(`${hello.url}/_rohas/workbench/#/traces`);
      await tab.waitForSelector("#trace-rows");
      const res = await fetch(`${hello.url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Ada","email":"ada@example.com"}' });
      expect(res.status).toBe(200);
      const traceId = res.headers.get("traceparent")!.split("-")[1]!;
      await tab.waitForSelector(`tr[data-trace="${traceId}"]`, { timeout: 15_000 });
      await tab.click(`tr[data-trace="${traceId}"]`);
      const chain = ["POST /users", "api CreateUser", "publish UserCreated", "event send_welcome_email", "publish WelcomeEmailSent", "event log_welcome_email"];
      await eventually(async () => {
        const rows = await tab.locator(".waterfall .row").allTextContents();
        return chain.every((name) => rows.some((r) => r.includes(name)));
      }, 15_000, 200);
      await tab.screenshot({ path: join(ARTEFACTS, "trace-waterfall.png"), fullPage: true });
    } finally {
      await tab.close();
      await hello.stop();
    }
  }, 90_000);
});

describe("Workbench access", () => {
  test("static serving refuses anything but its own files", async () => {
    for (const path of ["/_rohas/workbench/package.json", "/_rohas/workbench/..%2f..%2fpackage.json", "/_rohas/workbench/app.js%2f..%2f..%2fconfig%2frohas.toml"]) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("[project]");
    }
    expect((await fetch(`${server.url}/_rohas/workbench/app.js`)).status).toBe(200);
  });

  test("a browser on another origin is refused unless allowed", async () => {
    const res = await fetch(`${server.url}/_rohas/api/schema`, { headers: { origin: "http://evil.example" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain("allowed_origins");
  });
});
