/**
 * What the engine records: span names and attributes per handler, publish
 * and delivery attempt, metric labels (shared per handler and event, see
 * telemetry-names.ts), head sampling, and the invoke hooks.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../plugins/builtin.ts";
import { Rohas } from "./rohas.ts";
import type { MetricRecord, SpanRecord } from "./telemetry.ts";

const dir = mkdtempSync(join(tmpdir(), "rohas-engine-telemetry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
};

/** The project's config: memory adapter, `record` tapped by the test (telemetry type "none"), and `extra` TOML. */
const writeConfig = (extra = "") =>
  write("config/rohas.toml", `[project]\nname = "t"\nlanguage = "typescript"\n[server]\nport = 0\n[adapter]\ntype = "memory"\n[telemetry]\ntype = "none"\n[workbench]\nenabled = false\n${extra}`);

/** Serves the project written so far, with `tap` run before serving; spans and metrics recorded are collected. */
async function serveRecorded(tap: (rohas: Rohas) => void = () => {}) {
  const rohas = await Rohas.create({ projectDir: dir, registry: builtinPlugins });
  const spans: SpanRecord[] = [];
  const metrics: MetricRecord[] = [];
  tap(rohas);
  rohas.hooks.record.tap("test", (r) => {
    if (r.type === "span") spans.push(r.span);
    if (r.type === "metric") metrics.push(r.metric);
  });
  const loaded = await rohas.loadSchema();
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return { engine: await rohas.serve(loaded.schema), schema: loaded.schema, spans, metrics };
}

test("spans carry their handler's or event's attributes; a second delivery says attempt 2", async () => {
  writeConfig("[events]\nbackoff_ms = 10\n");
  write("schema/app.ro", `type User { id: Int }\napi CreateUser { method: POST  path: "/users"  response: User  triggers: [UserCreated] }\nevent UserCreated { payload: User  handler: [flaky] }\n`);
  write("src/handlers/api/CreateUser.ts", "export function handler() {\n  return { id: 1 };\n}\n");
  write("src/handlers/events/flaky.ts", "let calls = 0;\nexport function handler() {\n  if (++calls === 1) throw new Error('first time fails');\n}\n");
  const { engine, schema, spans, metrics } = await serveRecorded();
  try {
    const api = schema.apis[0]!;
    const response = await engine.callApi(api, { params: {}, queryParams: {}, body: undefined, headers: {} });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (spans.filter((s) => s.name === "event UserCreated").length < 2 && Date.now() < deadline) await Bun.sleep(10);

    const byName = (name: string) => spans.filter((s) => s.name === name);
    expect(byName("api CreateUser")[0]!.attributes).toEqual({ "handler.kind": "api", "handler.name": "CreateUser" });
    expect(byName("publish UserCreated")[0]!.attributes).toEqual({ "event.name": "UserCreated" });
    expect(byName("event UserCreated").map((s) => [s.attributes["message.attempt"], s.status])).toEqual([
      [1, "error"],
      [2, "ok"],
    ]);
    expect(byName("event flaky").map((s) => s.status)).toEqual(["error", "ok"]);
    expect(byName("event flaky")[0]!.attributes).toEqual({ "handler.kind": "event", "handler.name": "flaky" });
    // Metrics arrive batched every 100 ms (core/metric-batch.ts): counters summed, histograms with their samples.
    const total = (name: string) => metrics.filter((m) => m.name === name).reduce((n, m) => n + m.value, 0);
    while (total("events_consumed") < 2 && Date.now() < deadline) await Bun.sleep(10);
    // One labels object per handler: every sample of a series shares it.
    const durations = metrics.filter((m) => m.name === "handler_duration_ms" && m.labels?.handler === "CreateUser");
    expect(durations[0]!.labels).toEqual({ handler: "CreateUser", kind: "api" });
    expect(durations.flatMap((m) => m.samples ?? [m.value])).toHaveLength(1);
    expect(metrics.find((m) => m.name === "events_consumed")!.labels).toEqual({ event: "UserCreated" });
    expect([total("events_published"), total("events_consumed"), total("events_failed")]).toEqual([1, 2, 1]);
  } finally {
    await engine.stop();
  }
});

test("an unsampled trace records no span of what succeeds, and every span of what fails and is retried", async () => {
  writeConfig("[events]\nbackoff_ms = 10\n");
  write("schema/app.ro", `type User { id: Int }\napi CreateUser { method: POST  path: "/users"  response: User  triggers: [UserCreated] }\nevent UserCreated { payload: User  handler: [flaky_once]  triggers: [Welcomed] }\nevent Welcomed { payload: User  handler: [greet] }\n`);
  write("src/handlers/api/CreateUser.ts", "export function handler() {\n  return { id: 1 };\n}\n");
  write("src/handlers/events/flaky_once.ts", "let calls = 0;\nexport function handler() {\n  if (++calls === 1) throw new Error('first time fails');\n}\n");
  write("src/handlers/events/greet.ts", "export function handler() {}\n");
  const asked: string[] = [];
  const { engine, schema, spans, metrics } = await serveRecorded((rohas) =>
    rohas.hooks.sampleTrace.tap("test", (traceId) => {
      asked.push(traceId);
      return false;
    }),
  );
  try {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    expect(engine.sampleTrace(traceId)).toBe(false);
    // What the server does for a request the store did not sample.
    const response = await engine.callApi(schema.apis[0]!, { params: {}, queryParams: {}, body: undefined, headers: {} }, { traceId, spanId: "00f067aa0ba902b7", sampled: false });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (!metrics.some((m) => m.name === "handler_duration_ms" && m.labels?.handler === "greet") && Date.now() < deadline) await Bun.sleep(10);

    const names = spans.map((s) => `${s.name} ${s.status}${s.attributes["message.attempt"] ? ` #${s.attributes["message.attempt"]}` : ""}`);
    // Nothing of the API call; the failed delivery; the retry (it follows a failure) and what it triggered.
    expect(names.sort()).toEqual(["event UserCreated error #1", "event UserCreated ok #2", "event Welcomed ok #1", "event flaky_once error", "event flaky_once ok", "event greet ok", "publish Welcomed ok"]);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    // Metrics are never sampled.
    expect(metrics.filter((m) => m.name === "handler_duration_ms").map((m) => m.labels?.handler).sort()).toEqual(["CreateUser", "flaky_once", "greet"]);
    expect(asked).toEqual([traceId]);

    // A message from another process (its context parsed from traceparent, flag 01) enters here: our store decides.
    const remote = "0af7651916cd43dd8448eb211c80319c";
    const before = spans.length;
    await engine.adapter.publish("Welcomed", { id: 2 }, { headers: { traceparent: `00-${remote}-b7ad6b7169203331-01` } });
    while (!asked.includes(remote) && Date.now() < deadline) await Bun.sleep(10);
    await Bun.sleep(50);
    expect(asked).toEqual([traceId, remote]);
    expect(spans.slice(before)).toEqual([]);
  } finally {
    await engine.stop();
  }
});

test("beforeInvoke/afterInvoke see every call, with its result and a duration measured on one clock", async () => {
  writeConfig();
  write("schema/app.ro", `type User { id: Int }\napi SlowUser { method: POST  path: "/slow"  response: User }\n`);
  write("src/handlers/api/SlowUser.ts", "export async function handler() {\n  await Bun.sleep(20);\n  return { id: 7 };\n}\n");
  const seen: { handler: string; result?: unknown; durationMs: number }[] = [];
  let before = 0;
  const { engine, schema } = await serveRecorded((rohas) => {
    rohas.hooks.beforeInvoke.tapPromise("test", async () => {
      before++;
    });
    rohas.hooks.afterInvoke.tapPromise("test", async (invocation, outcome) => {
      seen.push({ handler: invocation.handler.name, result: outcome.result, durationMs: outcome.durationMs });
    });
  });
  try {
    const response = await engine.callApi(schema.apis[0]!, { params: {}, queryParams: {}, body: undefined, headers: {} });
    expect(response).toEqual({ status: 200, body: { id: 7 } });
    expect(before).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ handler: "SlowUser", result: { id: 7 } });
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(15);
    expect(seen[0]!.durationMs).toBeLessThan(5_000);
  } finally {
    await engine.stop();
  }
});

test("a handler's log lines, its span and what it publishes agree on one span id", async () => {
  writeConfig();
  write("schema/app.ro", `type Note { id: Int }\napi AddNote { method: POST  path: "/notes"  response: Note  triggers: [NoteAdded] }\nevent NoteAdded { payload: Note  handler: [index_note] }\n`);
  // AddNote's span id is first asked for by its publish, after the call ended; index_note's by a log line during the call.
  write("src/handlers/api/AddNote.ts", "export function handler() {\n  return { id: 1 };\n}\n");
  write("src/handlers/events/index_note.ts", "export async function handler(event, state) {\n  state.logger.info('indexing');\n}\n");
  const logs: { message: string; traceId?: string; spanId?: string }[] = [];
  const { engine, schema, spans } = await serveRecorded((rohas) => {
    rohas.hooks.record.tap("logs", (r) => {
      if (r.type === "log") logs.push(r.log);
    });
  });
  try {
    await engine.callApi(schema.apis[0]!, { params: {}, queryParams: {}, body: undefined, headers: {} });
    const deadline = Date.now() + 5_000;
    while (!spans.some((s) => s.name === "event index_note") && Date.now() < deadline) await Bun.sleep(10);
    const span = (name: string) => spans.find((s) => s.name === name)!;
    const api = span("api AddNote");
    // A call without a caller is its trace's root.
    expect(api.parentSpanId).toBeUndefined();
    expect(span("publish NoteAdded")).toMatchObject({ traceId: api.traceId, parentSpanId: api.spanId });
    const consume = span("event NoteAdded");
    expect(consume.parentSpanId).toBe(span("publish NoteAdded").spanId);
    const indexing = span("event index_note");
    expect(indexing).toMatchObject({ traceId: api.traceId, parentSpanId: consume.spanId });
    expect(logs.find((l) => l.message === "indexing")).toMatchObject({ traceId: api.traceId, spanId: indexing.spanId });
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
  } finally {
    await engine.stop();
  }
});

test("an unsampled publish carries a copy of its caller's trace context, not the caller's own object", async () => {
  writeConfig("[events]\nmax_attempts = 1\n");
  write("schema/app.ro", `type Item { id: Int }\napi AddItem { method: POST  path: "/items"  response: Item  triggers: [ItemAdded] }\nevent ItemAdded { payload: Item  handler: [refuse_item] }\n`);
  write("src/handlers/api/AddItem.ts", "export function handler() {\n  return { id: 3 };\n}\n");
  write("src/handlers/events/refuse_item.ts", "export function handler() {\n  throw new Error('refused');\n}\n");
  const letters: { headers: Record<string | symbol, unknown> }[] = [];
  const { engine, schema } = await serveRecorded((rohas) => {
    rohas.hooks.record.tap("letters", (r) => {
      if (r.type === "dead-letter") letters.push(r.deadLetter as unknown as { headers: Record<string | symbol, unknown> });
    });
  });
  try {
    // A server passes its own per-request object (holding the Request) as the parent.
    const caller = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: false, request: new Request("http://127.0.0.1/items") };
    await engine.callApi(schema.apis[0]!, { params: {}, queryParams: {}, body: undefined, headers: {} }, caller);
    const deadline = Date.now() + 5_000;
    while (letters.length === 0 && Date.now() < deadline) await Bun.sleep(10);
    const { headers } = letters[0]!;
    expect(headers.traceparent).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    const carried = Object.getOwnPropertySymbols(headers).map((key) => headers[key]);
    // Nothing of the caller's object lives on in the queued, retried or dead-lettered message.
    expect(carried).toEqual([{ traceId: caller.traceId, spanId: caller.spanId, sampled: false }]);
  } finally {
    await engine.stop();
  }
});

test("invoke hooks tapped by a reload tap run from that reload on", async () => {
  writeConfig();
  write("schema/app.ro", `type Item { id: Int }\napi CountItem { method: POST  path: "/count"  response: Item }\n`);
  write("src/handlers/api/CountItem.ts", "export function handler() {\n  return { id: 4 };\n}\n");
  let before = 0;
  const { engine, schema } = await serveRecorded((rohas) => {
    rohas.hooks.reload.tap("late", () => {
      if (!rohas.hooks.beforeInvoke.isUsed()) rohas.hooks.beforeInvoke.tapPromise("late", async () => void before++);
    });
  });
  try {
    const call = () => engine.callApi(schema.apis[0]!, { params: {}, queryParams: {}, body: undefined, headers: {} });
    await call();
    expect(before).toBe(0);
    expect(await engine.swap(schema)).toEqual([]);
    expect(await call()).toEqual({ status: 200, body: { id: 4 } });
    expect(before).toBe(1);
  } finally {
    await engine.stop();
  }
});
