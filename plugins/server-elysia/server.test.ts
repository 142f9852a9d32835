/**
 * The server against a stand-in engine over real HTTP and WebSockets on
 * 127.0.0.1: validation, limits, errors, tracing headers, CORS, rate limits,
 * WebSocket broadcast and graceful stop.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { registerRoutes } from "../../core/http-routes.ts";
import type { SpanRecord } from "../../core/telemetry.ts";
import { corsMiddleware, CorsPolicy } from "./cors.ts";
import { rateLimitMiddleware, TokenBucketLimiter } from "./rate-limit.ts";
import type { ServerEngine } from "./engine-port.ts";
import { RohasServer } from "./server.ts";
import { api, FakeEngine, schemaOf, shape, ws } from "./test-helpers.ts";

const shapes = [
  shape("CreateUserInput", { name: "String", email: "String", tags: "String[]?" }),
  shape("UserFilter", { active: "Boolean?", limit: "Int?", ids: "Int[]?" }),
  shape("ChatMessage", { text: "String", room: "String?" }),
];

function makeSchema() {
  return schemaOf({
    shapes,
    apis: [
      api("CreateUser", "POST", "/users", { body: "CreateUserInput" }),
      api("GetUser", "GET", "/users/:id"),
      api("ListUsers", "GET", "/users", { query: "UserFilter" }),
      api("Boom", "POST", "/boom"),
      api("Secret", "GET", "/secret", { middlewares: ["deny"] }),
      api("Nothing", "DELETE", "/users/:id"),
      api("Slow", "GET", "/slow"),
      api("Limited", "GET", "/limited", { middlewares: ["rate_limit"] }),
      api("Text", "GET", "/text"),
    ],
    websockets: [
      ws("Chat", "/ws/chat", { message: "ChatMessage", broadcast: true }),
      ws("Echo", "/ws/echo", { middlewares: ["deny"] }),
    ],
  });
}

let running: RohasServer[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop(1000)));
  running = [];
});

function start(configure?: (engine: FakeEngine) => void) {
  const engine = new FakeEngine(makeSchema());
  engine.apiHandlers.set("CreateUser", (req) => ({ id: 1, ...(req.body as object) }));
  engine.apiHandlers.set("GetUser", (req) => ({ id: req.params.id, q: req.queryParams }));
  engine.apiHandlers.set("ListUsers", (req) => ({ query: req.queryParams }));
  engine.apiHandlers.set("Boom", () => {
    throw new Error("kaboom");
  });
  engine.apiHandlers.set("Secret", () => "never");
  engine.apiHandlers.set("Nothing", () => undefined);
  engine.apiHandlers.set("Slow", async () => {
    await Bun.sleep(400);
    return { slow: true };
  });
  engine.apiHandlers.set("Limited", () => "ok");
  engine.apiHandlers.set("Text", () => "plain string");
  engine.registerMiddleware("deny", () => {
    throw Object.assign(new Error("not allowed here"), { status: 401 });
  });
  engine.registerMiddleware("rate_limit", rateLimitMiddleware(new TokenBucketLimiter(2)));
  engine.registerMiddleware("cors", corsMiddleware(new CorsPolicy(["*"])));
  configure?.(engine);
  const server = new RohasServer(engine);
  const address = server.listen();
  running.push(server);
  return { engine, server, url: address.url };
}

const json = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("server-elysia HTTP", () => {
  test("a valid body reaches the handler and the response is JSON", async () => {
    const { url, engine } = start();
    const res = await fetch(`${url}/users`, json({ name: "Ada", email: "ada@example.com" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ id: 1, name: "Ada", email: "ada@example.com" });
  });

  test("an invalid body is 400 naming each bad field, and the handler is not called", async () => {
    let called = false;
    const { url } = start((e) => e.apiHandlers.set("CreateUser", () => (called = true)));
    const res = await fetch(`${url}/users`, json({ name: 42, tags: ["a", 3] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; fields: { path: string; message: string }[] };
    expect(body.error).toBe("invalid request body");
    expect(body.fields.map((f) => f.path).sort()).toEqual(["/email", "/name", "/tags/1"]);
    expect(body.fields.find((f) => f.path === "/name")!.message).toBe("Expected string");
    expect(called).toBe(false);
  });

  test("a missing body on a body-carrying API is 400", async () => {
    const { url } = start();
    const res = await fetch(`${url}/users`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("request body is required");
  });

  test("415 for a non-JSON media type, 400 for malformed JSON, 413 over the size limit", async () => {
    const { url } = start((e) => (e.config.server.max_body_size = 64));
    const text = await fetch(`${url}/users`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: string }).error).toContain("application/json");

    const form = await fetch(`${url}/users`, { method: "POST", body: new URLSearchParams({ name: "x" }) });
    expect(form.status).toBe(415);

    const malformed = await fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toStartWith("malformed JSON body");

    const big = await fetch(`${url}/users`, json({ name: "x".repeat(100), email: "e" }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: "request body too large", limit: 64 });

    // without a Content-Length (chunked), the limit applies while reading
    const chunks = [JSON.stringify({ name: "x".repeat(50), email: "e" }).slice(0, 40), "x".repeat(40)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: stream });
    expect(chunked.status).toBe(413);
  });

  // A JSON body of known length is parsed by Bun in one step, one sent chunked is read as text first: both answer alike.
  test("a JSON body answers the same with a Content-Length and sent chunked", async () => {
    const { url } = start();
    const chunkedBody = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      });
    const post = (text: string, chunked: boolean) =>
      fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: chunked ? chunkedBody(text) : text });
    for (const chunked of [false, true]) {
      const good = await post(JSON.stringify({ name: "Ada", email: "ada@example.com" }), chunked);
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ id: 1, name: "Ada", email: "ada@example.com" });

      const bad = await post(JSON.stringify({ name: 7 }), chunked);
      expect(bad.status).toBe(400);
      const fields = ((await bad.json()) as { fields: { path: string }[] }).fields.map((f) => f.path);
      expect(fields).toEqual(["/email", "/name"]);

      const malformed = await post("[1,", chunked);
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({ error: "malformed JSON body: JSON Parse error: Unexpected EOF" });
    }
    const empty = await fetch(`${url}/users`, { method: "POST", headers: { "content-type": "application/json", "content-length": "0" } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toBe("request body is required");
  });

  test("path params and query params (coerced when the API declares a query shape)", async () => {
    const { url } = start();
    const one = await fetch(`${url}/users/42?x=1&x=2`);
    expect(await one.json()).toEqual({ id: "42", q: { x: "2" } });

    const list = await fetch(`${url}/users?active=true&limit=5&ids=1&ids=2&other=a%20b`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ query: { active: true, limit: 5, ids: [1, 2], other: "a b" } });

    const bad = await fetch(`${url}/users?limit=many`);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; fields: { path: string }[] };
    expect(body.error).toBe("invalid query parameters");
    expect(body.fields.map((f) => f.path)).toEqual(["/limit"]);
  });

  test("without a query shape, queryParams is right however it is read: late, after the answer, spread, serialised or replaced", async () => {
    const { engine, url } = start();
    const afterAnswer: Record<string, unknown> = {};
    const readLater = (name: string, req: { queryParams: unknown }) => setTimeout(() => (afterAnswer[name] = req.queryParams), 20);
    engine.apiHandlers.set("CreateUser", async (req) => {
      await Bun.sleep(5);
      const late = req.queryParams;
      const spread = { ...req };
      const json = JSON.parse(JSON.stringify(req)) as { queryParams: unknown };
      const has = "queryParams" in req && Object.keys(req).includes("queryParams");
      req.queryParams = { replaced: "yes" };
      return { late, spread: spread.queryParams, json: json.queryParams, has, replaced: req.queryParams };
    });
    // Answered in the request's own step (as the real engine answers a handler that did not wait), without
    // reading any body content: Bun empties the request's URL after such an answer.
    const answerNow = engine.callApi.bind(engine);
    (engine as ServerEngine).callApi = (def, request) => {
      if (def.name === "Text" || def.name === "Boom") return { status: 200, body: (readLater(def.name === "Text" ? "GET" : "empty POST", request), "ok") };
      return answerNow(def, request);
    };

    const res = await fetch(`${url}/users?a=1&b=x%20y`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Ada", email: "a@b.c" }) });
    const q = { a: "1", b: "x y" };
    expect(await res.json()).toEqual({ late: q, spread: q, json: q, has: true, replaced: { replaced: "yes" } });
    engine.apiHandlers.set("CreateUser", (req) => (readLater("with a body", req), "ok"));
    const body = JSON.stringify({ name: "Ada", email: "a@b.c" });
    expect((await fetch(`${url}/users?c=3`, { method: "POST", headers: { "content-type": "application/json" }, body })).status).toBe(200);
    expect((await fetch(`${url}/text?g=1`)).status).toBe(200);
    expect((await fetch(`${url}/boom?e=1`, { method: "POST" })).status).toBe(200);
    await Bun.sleep(60);
    expect(afterAnswer).toEqual({ "with a body": { c: "3" }, GET: { g: "1" }, "empty POST": { e: "1" } });
  });

  test("a throwing handler is 500 with its message and no stack; a rejecting middleware picks the status", async () => {
    const { url, engine } = start();
    const boom = await fetch(`${url}/boom`, { method: "POST" });
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toEqual({ error: "kaboom" });
    expect(text).not.toContain("at ");

    const secret = await fetch(`${url}/secret`);
    expect(secret.status).toBe(401);
    expect(await secret.json()).toEqual({ error: "not allowed here" });

    const spans = engine.records.filter((r) => r.type === "span").map((r) => (r as { span: SpanRecord }).span);
    const failed = spans.find((s) => s.name === "POST /boom")!;
    expect(failed.status).toBe("error");
    expect(failed.attributes["http.status_code"]).toBe(500);
    expect(failed.error?.message).toBe("kaboom");
  });

  test("undefined is 204, a string is a JSON string", async () => {
    const { url } = start();
    const none = await fetch(`${url}/users/1`, { method: "DELETE" });
    expect(none.status).toBe(204);
    expect(await none.text()).toBe("");
    const text = await fetch(`${url}/text`);
    expect(await text.text()).toBe('"plain string"');
  });

  test("a value JSON cannot represent is a 500 saying so", async () => {
    const { url } = start((e) => e.apiHandlers.set("Text", () => ({ big: 10n })));
    const res = await fetch(`${url}/text`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toStartWith("response is not serialisable as JSON");
    expect(res.headers.get("traceparent")).toMatch(/^00-/);
  });

  test("incoming traceparent continues the trace; the response carries the request span", async () => {
    const { url, engine } = start();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await fetch(`${url}/users/7`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const header = res.headers.get("traceparent")!;
    expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const span = engine.records.map((r) => (r.type === "span" ? r.span : undefined)).find((s) => s?.name === "GET /users/:id")!;
    expect(span.kind).toBe("http");
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId).toBe("00f067aa0ba902b7");
    expect(header).toContain(span.spanId);

    const fresh = await fetch(`${url}/users/7`);
    expect(fresh.headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fresh.headers.get("traceparent")).not.toContain(traceId);
  });

  test("an unsampled request (a store over its budget) names no trace and records no span, unless it fails", async () => {
    const { url, engine } = start((e) => (e.sampled = false));
    const ok = await fetch(`${url}/users/7`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("traceparent")).toBeNull();
    expect(engine.records.filter((r) => r.type === "span")).toHaveLength(0);

    const failed = await fetch(`${url}/boom`, { method: "POST" });
    expect(failed.status).toBe(500);
    const header = failed.headers.get("traceparent")!;
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const spans = engine.records.flatMap((r) => (r.type === "span" ? [r.span] : []));
    expect(spans.map((s) => [s.status, s.attributes["http.status_code"]])).toEqual([["error", 500]]);
    expect(header).toContain(spans[0]!.spanId);

    // A 500 made by the server itself (a body JSON cannot carry) is recorded, and named.
    engine.apiHandlers.set("Text", () => ({ big: 10n }));
    const unserialisable = await fetch(`${url}/text`);
    expect(unserialisable.status).toBe(500);
    expect(unserialisable.headers.get("traceparent")).toMatch(/-00$/);
    expect(engine.records.filter((r) => r.type === "span")).toHaveLength(2);
  });

  test("without telemetry the caller's trace and sampling flag travel on", async () => {
    const { url, engine } = start((e) => (e.recording = false));
    const res = await fetch(`${url}/users/7`, { headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } });
    expect(res.status).toBe(200);
    expect(engine.parents.at(-1)).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: true });
    await fetch(`${url}/users/7`, { headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" } });
    expect(engine.parents.at(-1)).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: false });
    expect(engine.records.filter((r) => r.type === "span")).toHaveLength(0);
  });

  test("/health is built in; unknown routes are a JSON 404", async () => {
    const { url } = start();
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const missing = await fetch(`${url}/nope/here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "not found", path: "/nope/here" });
  });

  test("routes other plugins register for the engine are served under their prefix", async () => {
    const { url, engine } = start();
    registerRoutes(engine, { prefix: "/_extra", fetch: (request, info) => Response.json({ path: new URL(request.url).pathname, from: info.remoteAddress }) });
    const res = await fetch(`${url}/_extra/thing`);
    expect(await res.json()).toEqual({ path: "/_extra/thing", from: "127.0.0.1" });
    expect((await fetch(`${url}/_extraneous`)).status).toBe(404);
  });

  test("rate_limit answers 429 with Retry-After once the bucket is empty", async () => {
    const { url } = start();
    const headers = { "x-forwarded-for": "10.0.0.9" };
    expect((await fetch(`${url}/limited`, { headers })).status).toBe(200);
    expect((await fetch(`${url}/limited`, { headers })).status).toBe(200);
    const limited = await fetch(`${url}/limited`, { headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // another client has its own bucket; the socket address is used without x-forwarded-for
    expect((await fetch(`${url}/limited`, { headers: { "x-forwarded-for": "10.0.0.10" } })).status).toBe(200);
    expect((await fetch(`${url}/limited`)).status).toBe(200);
  });
});

describe("server-elysia CORS", () => {
  test("enable_cors answers preflights and decorates responses", async () => {
    const { url } = start((e) => {
      e.config.server.enable_cors = true;
      e.config.server.cors_origins = ["http://app.test"];
    });
    const pre = await fetch(`${url}/users`, {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://app.test");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")).toBe("content-type");

    const res = await fetch(`${url}/users/1`, { headers: { origin: "http://app.test" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://app.test");
    const other = await fetch(`${url}/users/1`, { headers: { origin: "http://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const denied = await fetch(`${url}/users`, { method: "OPTIONS", headers: { origin: "http://evil.test" } });
    expect(denied.status).toBe(403);
  });

  test("without enable_cors there are no CORS headers", async () => {
    const { url } = start();
    const res = await fetch(`${url}/users/1`, { headers: { origin: "http://app.test" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/** A WebSocket client collecting what it receives. */
async function connect(url: string) {
  const socket = new WebSocket(url);
  const received: unknown[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.addEventListener("message", (e) => received.push(JSON.parse(String(e.data))));
  socket.addEventListener("close", (e) => (closed = { code: e.code, reason: e.reason }));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)));
  });
  return { socket, received, closed: () => closed };
}

async function until<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

describe("server-elysia WebSockets", () => {
  test("broadcast reaches every client on the path; invalid messages come back as errors", async () => {
    const { url, engine, server } = start((e) => e.wsOnMessage.set("Chat", (m) => ({ echo: (m as { text: string }).text })));
    const wsUrl = url.replace("http", "ws") + "/ws/chat";
    const a = await connect(wsUrl);
    const b = await connect(wsUrl);
    // sockets join the path's topic once the engine's connect resolves
    await until(() => server.app.server!.subscriberCount("rohas:ws:/ws/chat") === 2);
    a.socket.send(JSON.stringify({ text: "hi" }));
    await until(() => a.received.length >= 1 && b.received.length >= 1);
    expect(a.received).toEqual([{ echo: "hi" }]);
    expect(b.received).toEqual([{ echo: "hi" }]);

    b.socket.send(JSON.stringify({ room: 5 }));
    await until(() => b.received.length >= 2);
    const err = b.received[1] as { error: string; fields: { path: string }[] };
    expect(err.error).toBe("invalid message");
    expect(err.fields.map((f) => f.path).sort()).toEqual(["/room", "/text"]);
    expect(a.received.length).toBe(1);

    a.socket.close();
    await until(() => engine.disconnected.length === 1);
    b.socket.close();
  });

  test("a rejected connect closes with 1008 and the reason", async () => {
    const { url } = start();
    const c = await connect(url.replace("http", "ws") + "/ws/echo");
    const closed = await until(() => c.closed());
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe("not allowed here");
  });
});

describe("server-elysia shutdown", () => {
  test("stop lets an in-flight request finish, refuses new connections and closes sockets", async () => {
    const { url, server } = start();
    const c = await connect(url.replace("http", "ws") + "/ws/chat");
    const slow = fetch(`${url}/slow`);
    await until(() => server.inFlight === 1);
    const stopped = server.stop(5000);
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ slow: true });
    await stopped;
    expect((await until(() => c.closed())).code).toBe(1001);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  test("stop gives up on requests that outlive the timeout", async () => {
    const { url, server, engine } = start((e) =>
      e.apiHandlers.set("Slow", async () => {
        await Bun.sleep(3000);
        return "late";
      }),
    );
    const slow = fetch(`${url}/slow`).catch((error: unknown) => error);
    await until(() => server.inFlight === 1);
    const t0 = performance.now();
    await server.stop(200);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await slow).toBeInstanceOf(Error);
    expect(engine.records.some((r) => r.type === "log" && r.log.message.includes("shutdown timeout"))).toBe(true);
  });
});
