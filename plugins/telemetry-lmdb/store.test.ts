import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpanRecord } from "../../core/telemetry.ts";
import { TelemetryStore } from "./store.ts";

const stores: TelemetryStore[] = [];
const newStore = (overrides: Partial<ConstructorParameters<typeof TelemetryStore>[0]> = {}) => {
  const store = new TelemetryStore({ path: join(mkdtempSync(join(tmpdir(), "rohas-tel-")), "db"), maxCacheSize: 1000, retentionDays: 7, flushIntervalMs: 10_000, ...overrides });
  stores.push(store);
  return store;
};
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const span = (traceId: string, spanId: string, start: number, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId,
  spanId,
  name: `span ${spanId}`,
  kind: "handler",
  startTime: start,
  durationMs: 5,
  status: "ok",
  attributes: {},
  ...extra,
});

describe("telemetry-lmdb store", () => {
  test("batches spans into traces listed recent first, filterable, fetchable with their logs", async () => {
    const store = newStore();
    const now = Date.now();
    store.record({ type: "span", span: span("a".repeat(32), "1", now - 1000, { name: "http POST /orders", kind: "http" }) });
    store.record({ type: "span", span: span("a".repeat(32), "2", now - 990, { parentSpanId: "1" }) });
    store.record({ type: "span", span: span("b".repeat(32), "3", now - 500, { name: "cron Tick", kind: "cron", status: "error", error: { type: "Error", message: "x" } }) });
    store.record({ type: "log", log: { time: now - 985, level: "info", message: "reserved stock", traceId: "a".repeat(32), spanId: "2" } });
    expect(store.listTraces()).toEqual([]); // nothing written until the batch flushes
    await store.flush();

    const traces = store.listTraces();
    expect(traces.map((t) => t.traceId)).toEqual(["b".repeat(32), "a".repeat(32)]);
    expect(traces[1]).toMatchObject({ name: "http POST /orders", spanCount: 2, status: "ok" });
    expect(store.listTraces({ status: "error" }).map((t) => t.name)).toEqual(["cron Tick"]);
    expect(store.listTraces({ name: "orders" }).length).toBe(1);
    expect(store.listTraces({ since: now - 700 }).length).toBe(1);

    const trace = store.getTrace("a".repeat(32))!;
    expect(trace.spans.map((s) => s.spanId)).toEqual(["1", "2"]);
    expect(trace.logs.map((l) => l.message)).toEqual(["reserved stock"]);
    expect(store.listLogs({ text: "STOCK" }).length).toBe(1);
    expect(store.listLogs({ level: "error" }).length).toBe(0);
  });

  test("dead letters and metrics are stored and queryable", async () => {
    const store = newStore();
    store.record({
      type: "dead-letter",
      deadLetter: { id: "m1", time: Date.now(), event: "Doomed", payload: { a: 1 }, headers: {}, attempts: 3, error: { type: "Error", message: "no" }, handlers: ["h"] },
    });
    store.record({ type: "metric", metric: { time: Date.now(), name: "events_published", kind: "counter", value: 1 } });
    await store.flush();
    expect(store.listDeadLetters().map((d) => d.event)).toEqual(["Doomed"]);
    expect(store.getDeadLetter("m1")?.payload).toEqual({ a: 1 });
    expect(store.metrics("events_published").length).toBe(1);
  });

  test("a full buffer drops with a counter instead of growing or blocking", () => {
    const store = newStore({ maxCacheSize: 10 });
    for (let i = 0; i < 25; i++) store.record({ type: "log", log: { time: Date.now(), level: "info", message: `m${i}` } });
    expect(store.dropped).toBe(15);
  });

  test("retention removes what is older than retention_days", async () => {
    const store = newStore({ retentionDays: 1 });
    const old = Date.now() - 3 * 86_400_000;
    store.record({ type: "span", span: span("c".repeat(32), "9", old) });
    store.record({ type: "log", log: { time: old, level: "info", message: "old" } });
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "new" } });
    await store.flush();
    expect(await store.enforceRetention()).toBe(2);
    expect(store.getTrace("c".repeat(32))).toBeUndefined();
    expect(store.listLogs().map((l) => l.message)).toEqual(["new"]);
  });

  test("100,000 spans are written in batches and queried; a reopened store keeps them", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "rohas-tel-")), "db");
    const store = new TelemetryStore({ path, maxCacheSize: 200_000, retentionDays: 7, flushIntervalMs: 10_000 });
    const now = Date.now() - 200_000;
    for (let t = 0; t < 20_000; t++) {
      const traceId = t.toString(16).padStart(32, "0");
      for (let s = 0; s < 5; s++) {
        store.record({ type: "span", span: span(traceId, `${s}`, now + t * 10 + s, s === 0 ? { name: `http GET /t/${t}`, kind: "http" } : { parentSpanId: "0", status: t % 1000 === 0 && s === 4 ? "error" : "ok" }) });
      }
    }
    await store.flush();
    expect(store.dropped).toBe(0);
    expect(store.listTraces({ limit: 10 }).map((t) => t.name)[0]).toBe("http GET /t/19999");
    expect(store.listTraces({ status: "error", limit: 100 }).length).toBe(20);
    expect(store.getTrace((12_345).toString(16).padStart(32, "0"))!.spans.length).toBe(5);
    await store.close();

    const reopened = new TelemetryStore({ path, maxCacheSize: 1000, retentionDays: 7, flushIntervalMs: 10_000 });
    stores.push(reopened);
    expect(reopened.getTrace((7).toString(16).padStart(32, "0"))!.spans.map((s) => s.spanId)).toEqual(["0", "1", "2", "3", "4"]);
    expect(reopened.listTraces({ limit: 1 })[0]!.spanCount).toBe(5);
  }, 120_000);

  test("live subscribers see records as they arrive", () => {
    const store = newStore();
    const seen: string[] = [];
    const stop = store.subscribe((r) => seen.push(r.type));
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "x" } });
    stop();
    store.record({ type: "log", log: { time: Date.now(), level: "info", message: "y" } });
    expect(seen).toEqual(["log"]);
  });
});
