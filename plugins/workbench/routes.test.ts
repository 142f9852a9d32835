import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SpanRecord } from "../../core/telemetry.ts";
import { WorkbenchApi } from "./api.ts";
import { WorkbenchRoutes } from "./routes.ts";
import { SESSION_COOKIE } from "./security.ts";
import { parse } from "../../grammar/parser.ts";
import { AssetTable, type Asset } from "./static.ts";
import { FakeEngine, FakeQuery } from "./test-helpers.ts";

const LOCAL = { remoteAddress: "127.0.0.1" };
const REMOTE = { remoteAddress: "10.1.2.3" };
const BASE = "http://127.0.0.1:3000";

const assets = () =>
  new AssetTable(
    async () =>
      new Map<string, Asset>([
        ["index.html", { body: new Blob(["<!doctype html><title>wb</title>"]), type: "text/html; charset=utf-8" }],
        ["app.js", { body: new Blob(["console.log(1)"]), type: "text/javascript; charset=utf-8" }],
        ["style.css", { body: new Blob(["body{}"]), type: "text/css; charset=utf-8" }],
      ]),
  );

function setup(policy: { apiKey?: string; allowedOrigins?: string[] } = {}, withTelemetry = true) {
  const engine = new FakeEngine();
  const query = new FakeQuery();
  const api = new WorkbenchApi(engine, () => (withTelemetry ? query : undefined), { name: "shop", version: "1.0.0" });
  const routes = new WorkbenchRoutes(api, assets(), { apiKey: policy.apiKey ?? "", allowedOrigins: policy.allowedOrigins ?? [], serverHost: "127.0.0.1" });
  const call = (path: string, init: RequestInit = {}, info = LOCAL) => routes.fetch(new Request(BASE + path, init), info);
  return { engine, query, api, routes, call };
}

const span = (traceId: string, name: string): SpanRecord => ({
  traceId,
  spanId: "1".repeat(16),
  name,
  kind: "http",
  startTime: 1000,
  durationMs: 5,
  status: "ok",
  attributes: {},
});

describe("access", () => {
  test("loopback clients get in without a key; others are refused while no key is set", async () => {
    const { call } = setup();
    expect((await call("/_rohas/api/schema")).status).toBe(200);
    const refused = await call("/_rohas/api/schema", {}, REMOTE);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "workbench/not-loopback" });
    expect((await call("/_rohas/workbench/", {}, REMOTE)).status).toBe(403);
  });

  test("with an api_key everyone needs it: header, or the cookie the login form sets", async () => {
    const { call } = setup({ apiKey: "s3cret" });
    expect((await call("/_rohas/api/schema")).status).toBe(401);
    expect((await call("/_rohas/api/schema", { headers: { "x-rohas-api-key": "nope" } }, REMOTE)).status).toBe(401);
    expect((await call("/_rohas/api/schema", { headers: { "x-rohas-api-key": "s3cret" } }, REMOTE)).status).toBe(200);

    // Pages send the browser to the login form.
    const page = await call("/_rohas/workbench/", {}, REMOTE);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/_rohas/login");
    const form = await call("/_rohas/login", {}, REMOTE);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="key"');
    // Its style sheet is readable before signing in; the app is not.
    expect((await call("/_rohas/workbench/style.css", {}, REMOTE)).status).toBe(200);
    expect((await call("/_rohas/workbench/app.js", {}, REMOTE)).status).toBe(303);

    const wrong = await call("/_rohas/login", { method: "POST", body: new URLSearchParams({ key: "guess" }) }, REMOTE);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const right = await call("/_rohas/login", { method: "POST", body: new URLSearchParams({ key: "s3cret" }) }, REMOTE);
    expect(right.status).toBe(303);
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/_rohas");
    expect(cookie).not.toContain("s3cret"); // a derived token, never the key itself
    const session = cookie.split(";")[0]!;
    expect(session.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect((await call("/_rohas/api/schema", { headers: { cookie: session } }, REMOTE)).status).toBe(200);
    expect((await call("/_rohas/workbench/", { headers: { cookie: session } }, REMOTE)).status).toBe(200);

    const out = await call("/_rohas/logout", { method: "POST" }, REMOTE);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  test("other origins are refused unless allowed; allowed ones get CORS headers and preflights", async () => {
    const { call } = setup({ allowedOrigins: ["http://dash.example"] });
    const evil = await call("/_rohas/api/schema", { headers: { origin: "http://evil.example" } });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ code: "workbench/origin" });
    const ok = await call("/_rohas/api/schema", { headers: { origin: "http://dash.example" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://dash.example");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const same = await call("/_rohas/api/schema", { headers: { origin: BASE } });
    expect(same.status).toBe(200);
    expect(same.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await call("/_rohas/api/invoke/PlaceOrder", { method: "OPTIONS", headers: { origin: "http://dash.example" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-rohas-api-key");
    expect((await call("/_rohas/api/schema", { method: "OPTIONS", headers: { origin: "http://evil.example" } })).status).toBe(403);
  });

  test("a Host naming another machine is refused when no key protects the Workbench", async () => {
    const { call } = setup();
    const rebinding = await call("/_rohas/api/schema", { headers: { host: "attacker.example" } });
    expect(rebinding.status).toBe(403);
    expect(await rebinding.json()).toMatchObject({ code: "workbench/host" });
    expect((await call("/_rohas/api/schema", { headers: { host: "localhost:3000" } })).status).toBe(200);
  });
});

describe("static files", () => {
  test("serves its own files with types and a strict CSP on the page", async () => {
    const { call } = setup();
    const index = await call("/_rohas/workbench/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(index.headers.get("x-frame-options")).toBe("DENY");
    expect((await call("/_rohas/workbench/app.js")).headers.get("content-type")).toContain("javascript");
    const redirect = await call("/_rohas");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/_rohas/workbench/");
  });

  test("refuses traversal and unknown names", async () => {
    const { routes } = setup();
    // Built by hand: `new Request` would normalise literal dots, a raw socket does not.
    const get = (raw: string) => routes.fetch({ url: BASE + raw, method: "GET", headers: new Headers() } as unknown as Request, LOCAL);
    for (const raw of ["/_rohas/workbench/..%2f..%2fpackage.json", "/_rohas/workbench/%2e%2e/x", "/_rohas/workbench/a%5c..%5cb", "/_rohas/workbench/app.js%00.html", "/_rohas/workbench//etc/passwd", "/_rohas/workbench/%2fetc%2fpasswd", "/_rohas/workbench/../x", "/_rohas/workbench/%zz"]) {
      const res = await get(raw);
      expect(res.status).toBe(400);
    }
    expect((await get("/_rohas/workbench/package.json")).status).toBe(404);
  });
});

describe("JSON API", () => {
  test("schema, graph and info", async () => {
    const { call } = setup();
    const schema = (await (await call("/_rohas/api/schema")).json()) as { blocks: { kind: string; name: string; source: string }[] };
    expect(schema.blocks.find((b) => b.name === "PlaceOrder")!.source).toStartWith("api PlaceOrder {");
    const graph = (await (await call("/_rohas/api/graph")).json()) as { edges: { from: string; to: string }[] };
    expect(graph.edges).toContainEqual({ from: "api:PlaceOrder", to: "event:OrderPlaced" });
    expect(graph.edges).toContainEqual({ from: "cron:Nightly", to: "event:StockReserved" });
    expect(await (await call("/_rohas/api/info")).json()).toMatchObject({ project: { name: "shop" }, telemetry: { written: 1 } });
  });

  test("traces and logs pass their filters to the store and answer 400 for bad ones", async () => {
    const { call, query } = setup();
    query.traces = [{ summary: { traceId: "t1", name: "POST /orders", kind: "http", startTime: 1, durationMs: 2, status: "ok", spanCount: 1, errorCount: 0 }, spans: [span("t1", "POST /orders")], logs: [] }];
    const list = await call("/_rohas/api/traces?status=error&name=orders&since=5&until=9&limit=20");
    expect(list.status).toBe(200);
    expect(query.calls.at(-1)).toEqual({ method: "listTraces", arg: { limit: 20, status: "error", name: "orders", since: 5, until: 9 } });
    expect((await call("/_rohas/api/traces?status=maybe")).status).toBe(400);
    expect((await call("/_rohas/api/traces?since=yesterday")).status).toBe(400);
    expect(((await (await call("/_rohas/api/traces/t1")).json()) as { spans: unknown[] }).spans.length).toBe(1);
    expect((await call("/_rohas/api/traces/nope")).status).toBe(404);
    await call("/_rohas/api/logs?level=warn&trace=t1&text=stock");
    expect(query.calls.at(-1)).toEqual({ method: "listLogs", arg: { limit: undefined, level: "warn", traceId: "t1", text: "stock", since: undefined, until: undefined } });
    expect((await call("/_rohas/api/logs?level=loud")).status).toBe(400);
    expect(await (await call("/_rohas/api/metrics?name=events_published&step=60000")).json()).toEqual({ names: ["events_published"], series: [] });
    expect((await call("/_rohas/api/nothing")).status).toBe(404);
    expect((await call("/_rohas/api/traces", { method: "POST" })).status).toBe(405);
  });

  test("without a telemetry store, telemetry endpoints answer 503 and the rest works", async () => {
    const { call } = setup({}, false);
    const res = await call("/_rohas/api/traces");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "workbench/telemetry-off" });
    expect((await call("/_rohas/api/schema")).status).toBe(200);
  });

  test("publish sends the payload through the engine under a trace of its own", async () => {
    const { call, engine } = setup();
    const res = await call("/_rohas/api/publish/OrderPlaced", { method: "POST", body: JSON.stringify({ payload: { id: "o1" } }) });
    expect(res.status).toBe(200);
    const { traceId } = (await res.json()) as { traceId: string };
    expect(engine.published).toEqual([{ event: "OrderPlaced", payload: { id: "o1" }, parent: expect.objectContaining({ traceId }) }]);
    expect(engine.records).toEqual([{ type: "span", span: expect.objectContaining({ traceId, name: "workbench publish OrderPlaced", status: "ok" }) }]);
    expect((await call("/_rohas/api/publish/Nope", { method: "POST", body: "{}" })).status).toBe(404);
    expect((await call("/_rohas/api/publish/OrderPlaced", { method: "POST", body: "{oops" })).status).toBe(400);
    engine.failPublish = new Error("broker down");
    const failed = await call("/_rohas/api/publish/OrderPlaced", { method: "POST", body: "{}" });
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: string }).error).toContain("broker down");
    expect(engine.records.at(-1)).toMatchObject({ span: { status: "error" } });
  });

  test("a dead letter is fetched and replayed: published again, and its replay remembered", async () => {
    const { call, engine, query } = setup();
    const letter = { id: "m1", time: 1, event: "OrderPlaced", payload: { id: "o9" }, headers: {}, attempts: 3, error: { type: "Error", message: "no" }, handlers: ["reserve_stock"], replays: [] };
    query.deadLetters = [letter, { ...letter, id: "m2", event: "Removed", replays: [] }];
    expect(((await (await call("/_rohas/api/dead-letters")).json()) as unknown[]).length).toBe(2);
    expect(await (await call("/_rohas/api/dead-letters/m1")).json()).toMatchObject({ id: "m1", payload: { id: "o9" } });
    expect((await call("/_rohas/api/dead-letters/m1/replay")).status).toBe(405);
    const res = await call("/_rohas/api/dead-letters/m1/replay", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ replayed: "m1", event: "OrderPlaced" });
    expect(engine.published.map((p) => [p.event, p.payload])).toEqual([["OrderPlaced", { id: "o9" }]]);
    expect(engine.records[0]).toMatchObject({ span: { name: "workbench replay OrderPlaced", attributes: { "dead_letter.id": "m1" } } });
    expect(query.getDeadLetter("m1")!.replays.length).toBe(1);
    expect((await call("/_rohas/api/dead-letters/zzz/replay", { method: "POST" })).status).toBe(404);
    expect((await call("/_rohas/api/dead-letters/m2/replay", { method: "POST" })).status).toBe(409);
  });

  describe("invoke", () => {
    let app: ReturnType<typeof Bun.serve>;
    const seen: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
    beforeAll(() => {
      app = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        async fetch(req) {
          seen.push({ method: req.method, url: req.url, headers: Object.fromEntries(req.headers), body: await req.text() });
          return Response.json({ ok: true }, { status: 201, headers: { traceparent: `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01` } });
        },
      });
    });
    afterAll(() => app.stop(true));

    test("calls the application's own route with params, query, body and headers", async () => {
      const { call, engine } = setup();
      engine.config.server.port = app.port!;
      const res = await call("/_rohas/api/invoke/GetOrder", {
        method: "POST",
        body: JSON.stringify({ params: { id: "a b" }, query: { verbose: true, limit: 5, empty: "" }, headers: { authorization: "Bearer x", host: "evil", cookie: "c=1" } }),
      });
      expect(res.status).toBe(200);
      const result = (await res.json()) as { status: number; body: unknown; traceId: string; request: { url: string } };
      expect(result).toMatchObject({ status: 201, body: { ok: true }, traceId: "ab".repeat(16) });
      const req = seen.at(-1)!;
      expect(req.method).toBe("GET");
      expect(new URL(req.url).pathname).toBe("/orders/a%20b");
      expect(new URL(req.url).search).toBe("?verbose=true&limit=5");
      expect(req.headers.authorization).toBe("Bearer x");
      expect(req.headers.cookie).toBeUndefined();
      expect(req.headers.host).toBe(`127.0.0.1:${app.port}`);
      // Sent under a trace of the Workbench's own, which the engine is told to record over the sampling budget.
      const sent = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(req.headers.traceparent ?? "");
      expect(sent).not.toBeNull();
      expect(engine.keptTraces).toEqual([sent![1]!]);

      const own = `00-${"12".repeat(16)}-${"34".repeat(8)}-00`;
      await call("/_rohas/api/invoke/GetOrder", { method: "POST", body: JSON.stringify({ params: { id: "1" }, headers: { traceparent: own } }) });
      // A traceparent given in the tester is sent as written; its trace is still recorded.
      expect(seen.at(-1)!.headers.traceparent).toBe(own);
      expect(engine.keptTraces.at(-1)).toBe("12".repeat(16));

      await call("/_rohas/api/invoke/PlaceOrder", { method: "POST", body: JSON.stringify({ body: { item: "lamp", quantity: 2 } }) });
      expect(seen.at(-1)).toMatchObject({ method: "POST", body: '{"item":"lamp","quantity":2}' });
      expect(seen.at(-1)!.headers["content-type"]).toBe("application/json");
    });

    test("explains what is wrong instead of calling", async () => {
      const { call, engine } = setup();
      engine.config.server.port = app.port!;
      const missing = await call("/_rohas/api/invoke/GetOrder", { method: "POST", body: "{}" });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toContain("path parameter 'id'");
      expect((await call("/_rohas/api/invoke/Nope", { method: "POST", body: "{}" })).status).toBe(404);
      engine.config.server.port = 1; // nothing listens there
      const unreachable = await call("/_rohas/api/invoke/PlaceOrder", { method: "POST", body: "{}" });
      expect(unreachable.status).toBe(502);
    });
  });

  test("live streams batches as server-sent events, and ends at shutdown", async () => {
    const { call, query, api } = setup();
    const res = await call("/_rohas/api/live");
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value);
      }
    };
    await readUntil("event: ready");
    expect(query.subscribers).toBe(1);
    query.emit([{ type: "log", log: { time: 1, level: "info", message: "hello live" } }]);
    await readUntil("hello live");
    expect(text).toContain("event: batch\ndata: [");
    expect(api.live.size).toBe(1);
    api.live.closeAll();
    expect((await reader.read()).done).toBe(true);
    expect(query.subscribers).toBe(0);
  });

  test("schema diagnostics: the current list, pushed live on connect and on every report, empty once fixed", async () => {
    const { call, api } = setup({}, false);
    expect(await (await call("/_rohas/api/diagnostics")).json()).toEqual({ diagnostics: [], updatedAt: 0 });
    const text = 'api Ship {\n  method POST\n  path: "/ship"\n}\n';
    const { diagnostics } = parse(text, "schema/ship.ro");
    expect(diagnostics.length).toBeGreaterThan(0);
    api.diagnostics.report({ diagnostics, sources: new Map([["schema/ship.ro", text]]) });
    const view = (await (await call("/_rohas/api/diagnostics")).json()) as { diagnostics: Record<string, unknown>[]; updatedAt: number };
    expect(view.updatedAt).toBeGreaterThan(0);
    expect(view.diagnostics[0]).toMatchObject({ severity: "error", file: "schema/ship.ro", line: 2, column: 10, lineText: "  method POST", message: "expected ':' after property name" });
    expect(view.diagnostics[0]!.length).toBeGreaterThanOrEqual(1);

    // Without telemetry the live stream still carries diagnostics.
    const res = await call("/_rohas/api/live");
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    const readUntil = async (needle: string) => {
      while (!received.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        received += decoder.decode(value);
      }
    };
    await readUntil("ship.ro");
    expect(received).toContain("event: diagnostics\ndata: {");
    received = "";
    api.diagnostics.report({ diagnostics: [], sources: new Map() });
    await readUntil('"diagnostics":[]');
    api.live.closeAll();
  });
});
