import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TelemetryRecord, SpanRecord } from "../../core/telemetry.ts";
import { TelemetryStore, type StoreOptions } from "./store.ts";

const dirs: string[] = [];
const stores: TelemetryStore[] = [];
const newPath = () => {
  const dir = mkdtempSync(join(tmpdir(), "rohas-tel-"));
  dirs.push(dir);
  return join(dir, "db");
};
let writer: "worker" | "inline" = "worker";
// A long flush interval: tests decide when batches are written.
const newStore = (overrides: Partial<StoreOptions> = {}) => {
  const store = new TelemetryStore({ path: newPath(), maxCacheSize: 1000, retentionDays: 7, flushIntervalMs: 60_000, writer, ...overrides });
  stores.push(store);
  return store;
};
/** The tables the inline writer writes through, for tests that make the disk fail. */
const tablesOf = (store: TelemetryStore) => (store as unknown as { tables: { logs: { put: (...args: unknown[]) => Promise<boolean> } } }).tables;
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T1 = "a".repeat(32);
const T2 = "b".repeat(32);
const span = (traceId: string, spanId: string, start: number, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId,
  spanId,
  name: `handler ${spanId}`,
  kind: "handler",
  startTime: start,
  durationMs: 5,
  status: "ok",
  attributes: {},
  ...extra,
});

for (const mode of ["worker", "inline"] as const)
describe(`telemetry-lmdb store, writing ${mode === "worker" ? "on a worker thread" : "on the calling thread"}`, () => {
  beforeEach(() => {
    writer = mode;
  });

  test("writes where it was asked to", async () => {
    expect(await newStore().writerKind()).toBe(mode);
  });

  test("records are buffered and written in one batch per flush", async () => {
    const store = newStore();
    const now = Date.now();
    store.record({ type: "span", span: span(T1, "c1", now - 990, { parentSpanId: "r1" }) });
    store.record({ type: "log", log: { time: now - 985, level: "info", message: "reserved stock", traceId: T1, spanId: "c1" } });
    expect(store.listTraces()).toEqual([]);
    expect(store.stats()).toMatchObject({ pending: 2, written: 0, flushes: 0 });
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 0, written: 2, flushes: 1, dropped: 0 });
    expect(store.listTraces().map((t) => t.traceId)).toEqual([T1]);
  });

  test("a trace is named by its root span, timed from first to last span, and fetched with its logs", async () => {
    const store = newStore();
    const now = Date.now();
    // Spans arrive as they end: children before the root.
    store.record({ type: "span", span: span(T1, "c1", now - 990, { parentSpanId: "r1", durationMs: 10 }) });
    store.record({ type: "log", log: { time: now - 985, level: "info", message: "reserved stock", traceId: T1, spanId: "c1" } });
    await store.flush();
    expect(store.listTraces()[0]).toMatchObject({ name: "handler c1", spanCount: 1 });
    store.record({ type: "span", span: span(T1, "c2", now - 900, { parentSpanId: "c1", status: "error", error: { type: "Error", message: "boom" } }) });
    store.record({ type: "span", span: span(T1, "r1", now - 1000, { name: "POST /orders", kind: "http", durationMs: 200 }) });
    store.record({ type: "log", log: { time: now - 880, level: "error", message: "boom", traceId: T1, spanId: "c2" } });
    store.record({ type: "log", log: { time: now - 880, level: "info", message: "unrelated" } });
    await store.flush();

    const [summary] = store.listTraces();
    expect(summary).toEqual({
      traceId: T1,
      name: "POST /orders",
      kind: "http",
      rootSpanId: "r1",
      startTime: now - 1000,
      durationMs: 200,
      status: "error",
      spanCount: 3,
      errorCount: 1,
    });
    const trace = store.getTrace(T1)!;
    expect(trace.spans.map((s) => s.spanId)).toEqual(["r1", "c1", "c2"]);
    expect(trace.spans[2]!.error?.message).toBe("boom");
    expect(trace.logs.map((l) => l.message)).toEqual(["reserved stock", "boom"]);
    expect(store.getTrace("f".repeat(32))).toBeUndefined();
  });

  test("traces are listed recent first and filtered by status, name and time", async () => {
    const store = newStore();
    const now = Date.now();
    store.record({ type: "span", span: span(T1, "1", now - 1000, { name: "POST /orders", kind: "http" }) });
    store.record({ type: "span", span: span(T2, "2", now - 500, { name: "cron Tick", kind: "cron", status: "error" }) });
    store.record({ type: "span", span: span("c".repeat(32), "3", now - 100, { name: "GET /orders/:id", kind: "http" }) });
    await store.flush();
    expect(store.listTraces().map((t) => t.name)).toEqual(["GET /orders/:id", "cron Tick", "POST /orders"]);
    expect(store.listTraces({ limit: 2 }).length).toBe(2);
    expect(store.listTraces({ status: "error" }).map((t) => t.name)).toEqual(["cron Tick"]);
    expect(store.listTraces({ status: "ok" }).map((t) => t.name)).toEqual(["GET /orders/:id", "POST /orders"]);
    expect(store.listTraces({ name: "ORDERS" }).map((t) => t.name)).toEqual(["GET /orders/:id", "POST /orders"]);
    expect(store.listTraces({ since: now - 700 }).map((t) => t.name)).toEqual(["GET /orders/:id", "cron Tick"]);
    expect(store.listTraces({ since: now - 700, until: now - 400 }).map((t) => t.name)).toEqual(["cron Tick"]);
    expect(store.listTraces({ status: "ok", until: now - 200 }).map((t) => t.name)).toEqual(["POST /orders"]);
  });

  test("a trace whose status or start changes leaves no stale index entries", async () => {
    const store = newStore();
    const now = Date.now();
    store.record({ type: "span", span: span(T1, "c", now - 100, { parentSpanId: "r" }) });
    await store.flush();
    store.record({ type: "span", span: span(T1, "r", now - 300, { status: "error", name: "root" }) });
    await store.flush();
    expect(store.listTraces().length).toBe(1);
    expect(store.listTraces({ status: "ok" })).toEqual([]);
    expect(store.listTraces({ status: "error" }).map((t) => t.startTime)).toEqual([now - 300]);
    expect(store.listTraces({ since: now - 200 })).toEqual([]);
  });

  test("logs filter by minimum level, trace, text and time, newest first", async () => {
    const store = newStore();
    const now = Date.now();
    const log = (offset: number, level: "debug" | "info" | "warn" | "error", message: string, traceId?: string) =>
      store.record({ type: "log", log: { time: now - offset, level, message, traceId, source: "orders" } });
    log(50, "debug", "cache miss");
    log(40, "info", "order placed", T1);
    log(30, "warn", "slow payment", T1);
    log(20, "error", "payment failed", T2);
    await store.flush();
    expect(store.listLogs().map((l) => l.message)).toEqual(["payment failed", "slow payment", "order placed", "cache miss"]);
    expect(store.listLogs({ level: "warn" }).map((l) => l.message)).toEqual(["payment failed", "slow payment"]);
    expect(store.listLogs({ traceId: T1 }).map((l) => l.message)).toEqual(["slow payment", "order placed"]);
    expect(store.listLogs({ text: "PAYMENT" }).length).toBe(2);
    expect(store.listLogs({ text: "orders" }).length).toBe(4); // matches the source too
    expect(store.listLogs({ since: now - 35, until: now - 25 }).map((l) => l.message)).toEqual(["slow payment"]);
    expect(store.listLogs({ limit: 1 }).length).toBe(1);
  });

  test("metrics become per-interval series with counts, sums and percentiles", async () => {
    const store = newStore();
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    for (let i = 1; i <= 100; i++) {
      store.record({ type: "metric", metric: { time: base + 1_000, name: "handler_duration_ms", kind: "histogram", value: i, labels: { handler: "a" } } });
    }
    store.record({ type: "metric", metric: { time: base + 61_000, name: "handler_duration_ms", kind: "histogram", value: 7, labels: { handler: "a" } } });
    store.record({ type: "metric", metric: { time: base + 2_000, name: "handler_duration_ms", kind: "histogram", value: 3, labels: { handler: "b" } } });
    await store.flush();
    // A second flush into the same interval merges with what is stored.
    for (let i = 0; i < 3; i++) store.record({ type: "metric", metric: { time: base + 3_000, name: "events_published", kind: "counter", value: 1, labels: { event: "E" } } });
    await store.flush();
    store.record({ type: "metric", metric: { time: base + 4_000, name: "events_published", kind: "counter", value: 2, labels: { event: "E" } } });
    await store.flush();

    expect(store.metricNames().sort()).toEqual(["events_published", "handler_duration_ms"]);
    const counter = store.metricSeries({ name: "events_published", since: base, until: base + 120_000, stepMs: 60_000 });
    expect(counter).toEqual([
      {
        name: "events_published",
        kind: "counter",
        labels: { event: "E" },
        points: [{ time: base, count: 4, sum: 5, min: 1, max: 2 }],
        total: { time: base, count: 4, sum: 5, min: 1, max: 2 },
      },
    ]);

    const hist = store.metricSeries({ name: "handler_duration_ms", since: base, until: base + 120_000, stepMs: 60_000 });
    const a = hist.find((s) => s.labels.handler === "a")!;
    expect(a.points.map((p) => [p.time, p.count])).toEqual([
      [base, 100],
      [base + 60_000, 1],
    ]);
    const first = a.points[0]!;
    expect(first).toMatchObject({ sum: 5050, min: 1, max: 100 });
    // Estimated from buckets: within the bucket that holds the true value.
    expect(first.p50!).toBeGreaterThan(20);
    expect(first.p50!).toBeLessThanOrEqual(50);
    expect(first.p99!).toBeGreaterThan(50);
    expect(first.p99!).toBeLessThanOrEqual(100);
    expect(hist.find((s) => s.labels.handler === "b")!.points[0]).toMatchObject({ count: 1, p50: 3, p95: 3 });
    expect(a.total).toMatchObject({ count: 101, sum: 5057, min: 1, max: 100 });
    expect(store.metricSeries({ since: base + 200_000, until: base + 300_000 })).toEqual([]);
  });

  test("dead letters are listed newest first, fetched by id and remember replays", async () => {
    const store = newStore();
    const letter = (id: string, time: number) => ({
      type: "dead-letter" as const,
      deadLetter: { id, time, event: "Doomed", payload: { id }, headers: {}, attempts: 3, error: { type: "Error", message: "no" }, handlers: ["h"] },
    });
    store.record(letter("m1", Date.now() - 10));
    store.record(letter("m2", Date.now()));
    await store.flush();
    expect(store.listDeadLetters().map((d) => d.id)).toEqual(["m2", "m1"]);
    expect(store.getDeadLetter("m1")).toMatchObject({ payload: { id: "m1" }, attempts: 3, replays: [] });
    await store.markReplayed("m1", 123);
    expect(store.getDeadLetter("m1")!.replays).toEqual([{ time: 123 }]);
    expect(store.getDeadLetter("nope")).toBeUndefined();
  });

  test("a full buffer drops with a counter instead of growing or blocking", () => {
    const store = newStore({ maxCacheSize: 5, maxPendingFactor: 2 });
    for (let i = 0; i < 25; i++) store.record({ type: "log", log: { time: Date.now(), level: "info", message: `m${i}` } });
    expect(store.stats()).toMatchObject({ pending: 10, dropped: 15 });
  });

  test("the buffer flushes by itself when half full or when the timer fires", async () => {
    const bySize = newStore({ maxCacheSize: 10, maxPendingFactor: 2 });
    for (let i = 0; i < 10; i++) bySize.record({ type: "log", log: { time: Date.now(), level: "info", message: `m${i}` } });
    await waitFor(() => bySize.stats().written === 10);
    const byTimer = newStore({ flushIntervalMs: 20 });
    byTimer.record({ type: "log", log: { time: Date.now(), level: "info", message: "tick" } });
    await waitFor(() => byTimer.listLogs().length === 1);
  });

  test("over the span budget most traces are not sampled; spans it is given (failures), logs and metrics are always written", async () => {
    const store = newStore({ maxSpansPerSecond: 1000 });
    expect(store.sampleTrace(T1)).toBe(true);
    // As if the last second had seen far more than the budget.
    (store as unknown as { sampler: { ratio: number } }).sampler.ratio = 0;
    expect(store.sampleTrace(T2)).toBe(false);
    // The engine still hands over the failed spans of unsampled traces: they are written.
    store.record({ type: "span", span: span(T2, "bad", Date.now(), { status: "error" }) });
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "still logged", traceId: T1 } });
    store.record({ type: "metric", metric: { time: Date.now(), name: "m", kind: "counter", value: 1 } });
    await store.flush();
    expect(store.stats()).toMatchObject({ sampled: 1, sampleRatio: 0, dropped: 0, written: 3 });
    expect(store.listTraces().map((t) => t.traceId)).toEqual([T2]);
    expect(store.listLogs().map((l) => l.message)).toEqual(["still logged"]);
    expect(store.metricNames()).toEqual(["m"]);
  });

  test("with traces off no trace is sampled, so no span is built", () => {
    const store = newStore({ enableTraces: false });
    expect(store.sampleTrace(T1)).toBe(false);
  });

  test("disabled kinds are not recorded", async () => {
    const store = newStore({ enableLogs: false, enableMetrics: false });
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "x" } });
    store.record({ type: "metric", metric: { time: Date.now(), name: "m", kind: "counter", value: 1 } });
    store.record({ type: "span", span: span(T1, "1", Date.now()) });
    await store.flush();
    expect(store.stats().written).toBe(1);
    expect(store.listLogs()).toEqual([]);
    expect(store.metricNames()).toEqual([]);
  });

  test("retention removes traces, spans, logs, metrics and dead letters older than retention_days", async () => {
    const store = newStore({ retentionDays: 1 });
    const now = Date.now();
    const old = now - 3 * 86_400_000;
    store.record({ type: "span", span: span(T1, "9", old, { status: "error" }) });
    store.record({ type: "log", log: { time: old, level: "info", message: "old", traceId: T1 } });
    store.record({ type: "metric", metric: { time: old, name: "m", kind: "counter", value: 1 } });
    store.record({ type: "dead-letter", deadLetter: { id: "d-old", time: old, event: "E", payload: null, headers: {}, attempts: 1, error: { type: "E", message: "x" }, handlers: [] } });
    store.record({ type: "span", span: span(T2, "8", now) });
    store.record({ type: "log", log: { time: now, level: "info", message: "new", traceId: T2 } });
    store.record({ type: "metric", metric: { time: now, name: "m", kind: "counter", value: 1 } });
    await store.flush();

    expect(await store.enforceRetention(now)).toBe(4);
    expect(store.getTrace(T1)).toBeUndefined();
    expect(store.listTraces({ status: "error" })).toEqual([]);
    expect(store.listTraces().map((t) => t.traceId)).toEqual([T2]);
    expect(store.listLogs().map((l) => l.message)).toEqual(["new"]);
    expect(store.listLogs({ traceId: T1 })).toEqual([]);
    expect(store.listDeadLetters()).toEqual([]);
    expect(store.metricSeries({ name: "m", since: old - 60_000, until: now + 1 }).flatMap((s) => s.points).length).toBe(1);
    expect(await store.enforceRetention(now)).toBe(0);
  });

  test("live subscribers get batches after they are written, without metrics", async () => {
    const store = newStore();
    const seen: TelemetryRecord[][] = [];
    let visible = false;
    const stop = store.subscribe((records) => {
      seen.push(records);
      visible = store.listLogs().length > 0;
    });
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "x" } });
    store.record({ type: "metric", metric: { time: Date.now(), name: "m", kind: "counter", value: 1 } });
    expect(seen).toEqual([]);
    await store.flush();
    expect(seen.map((batch) => batch.map((r) => r.type))).toEqual([["log"]]);
    expect(visible).toBe(true);
    stop();
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "y" } });
    await store.flush();
    expect(seen.length).toBe(1);
  });

  test("a restart keeps the data", async () => {
    const path = newPath();
    const first = new TelemetryStore({ path, maxCacheSize: 100, retentionDays: 7, flushIntervalMs: 60_000, writer });
    first.record({ type: "span", span: span(T1, "r", Date.now(), { name: "POST /x" }) });
    first.record({ type: "log", log: { time: Date.now(), level: "info", message: "kept", traceId: T1 } });
    await first.close();
    const second = new TelemetryStore({ path, maxCacheSize: 100, retentionDays: 7, flushIntervalMs: 60_000, writer });
    stores.push(second);
    expect(second.listTraces().map((t) => t.name)).toEqual(["POST /x"]);
    expect(second.getTrace(T1)!.logs.map((l) => l.message)).toEqual(["kept"]);
    // New spans of an old trace merge with its stored summary.
    second.record({ type: "span", span: span(T1, "c", Date.now(), { parentSpanId: "r" }) });
    await second.flush();
    expect(second.listTraces()[0]).toMatchObject({ name: "POST /x", spanCount: 2 });
  });

  test("100,000 spans are written and queried", async () => {
    const store = newStore({ maxCacheSize: 1000, maxPendingFactor: 200, maxSpansPerSecond: 0 });
    const start = Date.now() - 100_000;
    const traces = 10_000;
    for (let t = 0; t < traces; t++) {
      const traceId = t.toString(16).padStart(32, "0");
      for (let s = 0; s < 10; s++) {
        store.record({
          type: "span",
          span: span(traceId, s.toString(16).padStart(16, "0"), start + t * 10 + s, {
            parentSpanId: s === 0 ? undefined : "0".repeat(16),
            name: s === 0 ? `GET /items/${t % 7}` : `handler h${s}`,
            status: t % 100 === 0 && s === 5 ? "error" : "ok",
          }),
        });
      }
    }
    expect(store.stats().dropped).toBe(0);
    const written = performance.now();
    await store.drain();
    const writeMs = performance.now() - written;
    expect(store.stats().written).toBe(100_000);

    const queried = performance.now();
    const recent = store.listTraces({ limit: 50 });
    expect(recent.length).toBe(50);
    expect(recent[0]!.traceId).toBe((traces - 1).toString(16).padStart(32, "0"));
    expect(recent.every((t) => t.spanCount === 10)).toBe(true);
    expect(store.listTraces({ status: "error", limit: 1000 }).length).toBe(100);
    expect(store.listTraces({ name: "/items/3", limit: 1000 }).length).toBe(1000);
    const one = store.getTrace((4321).toString(16).padStart(32, "0"))!;
    expect(one.spans.length).toBe(10);
    expect(one.summary.name).toBe(`GET /items/${4321 % 7}`);
    const queryMs = performance.now() - queried;
    console.log(`100k spans: flushed in ${writeMs.toFixed(0)} ms, queries in ${queryMs.toFixed(0)} ms`);
  }, 120_000);
});


describe("telemetry-lmdb store when writing fails", () => {
  test("a failing store drops and counts instead of throwing into record", async () => {
    const store = newStore({ writer: "inline" });
    // Writes fail as they would on a full or broken disk.
    const logs = tablesOf(store).logs;
    const realPut = logs.put.bind(logs);
    logs.put = () => Promise.reject(new Error("MDB_MAP_FULL: Environment mapsize limit reached"));
    expect(() => store.record({ type: "log", log: { time: Date.now(), level: "info", message: "lost" } })).not.toThrow();
    await store.flush();
    expect(store.stats()).toMatchObject({ dropped: 1, writeErrors: 1, written: 0, lastError: "MDB_MAP_FULL: Environment mapsize limit reached" });
    // Once the disk recovers, recording resumes.
    logs.put = realPut;
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "kept" } });
    await store.flush();
    expect(store.listLogs().map((l) => l.message)).toEqual(["kept"]);
  });

  test("a hung store times out its flush, keeps accepting up to its bound, then drops", async () => {
    const store = newStore({ maxCacheSize: 5, maxPendingFactor: 2, writeTimeoutMs: 200, writer: "inline" });
    const logs = tablesOf(store).logs;
    const realPut = logs.put.bind(logs);
    logs.put = () => new Promise<boolean>(() => {}); // never commits
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "stuck" } });
    const flushing = store.flush();
    const started = performance.now();
    for (let i = 0; i < 30; i++) store.record({ type: "log", log: { time: Date.now(), level: "info", message: `m${i}` } });
    expect(performance.now() - started).toBeLessThan(50);
    expect(store.stats()).toMatchObject({ pending: 10, dropped: 20 });
    await flushing;
    expect(store.stats().writeErrors).toBe(1);
    expect(store.stats().lastError).toContain("did not commit");
    logs.put = realPut;
    await store.drain();
    expect(store.listLogs({ limit: 100 }).length).toBe(10);
  });

  test("a writer thread that dies costs one batch, then the store writes on its own thread", async () => {
    const store = newStore({ writer: "worker" });
    expect(await store.writerKind()).toBe("worker");
    (store as unknown as { target: { worker: Worker } }).target.worker.terminate();
    await Bun.sleep(50);
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "lost with the worker" } });
    await store.flush();
    expect(store.stats()).toMatchObject({ dropped: 1, writeErrors: 1 });
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "kept" } });
    await store.flush();
    expect(store.listLogs().map((l) => l.message)).toEqual(["kept"]);
  });

  test("values JSON cannot hold are kept as far as they go", async () => {
    const store = newStore({ writer: "worker" });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "odd attributes", attributes: { big: 10n, cyclic } } });
    store.record({ type: "log", log: { time: Date.now() + 1, level: "info", message: "plain" } });
    await store.flush();
    expect(store.stats().dropped).toBe(0);
    const [plain, odd] = store.listLogs();
    expect(plain!.message).toBe("plain");
    expect(odd!.message).toBe("odd attributes");
    expect(odd!.attributes).toEqual({ big: "10", cyclic: { name: "loop", self: "[cycle]" } });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}
