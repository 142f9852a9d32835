import { expect, test } from "bun:test";
import { MetricAggregator, RESOLUTION_MS } from "./metric-buckets.ts";

const t0 = 1_700_000_000_000 - (1_700_000_000_000 % RESOLUTION_MS);

test("samples sharing a labels object, or equal labels in other objects, sum into one bucket per interval", () => {
  const agg = new MetricAggregator();
  const shared = Object.freeze({ handler: "CreateUser", kind: "api" });
  agg.add({ time: t0 + 1, name: "d", kind: "histogram", value: 3, labels: shared });
  agg.add({ time: t0 + 2, name: "d", kind: "histogram", value: 7, labels: shared });
  agg.add({ time: t0 + 3, name: "d", kind: "histogram", value: 1, labels: { kind: "api", handler: "CreateUser" } });
  // Same labels object, another metric: its own series.
  agg.add({ time: t0 + 4, name: "c", kind: "counter", value: 1, labels: shared });
  // Same labels object, the next interval: a new bucket, not the cached one.
  agg.add({ time: t0 + RESOLUTION_MS, name: "d", kind: "histogram", value: 5, labels: shared });
  const buckets = agg.take();
  const d = buckets.filter((b) => b.name === "d").sort((a, b) => a.time - b.time);
  expect(d.map((b) => [b.time, b.count, b.sum, b.min, b.max])).toEqual([
    [t0, 3, 11, 1, 7],
    [t0 + RESOLUTION_MS, 1, 5, 5, 5],
  ]);
  expect(buckets.find((b) => b.name === "c")!.count).toBe(1);
  expect(agg.size).toBe(0);
});

test("after take, a known labels object starts a fresh bucket (the taken one is not written to)", () => {
  const agg = new MetricAggregator();
  const labels = { event: "UserCreated" };
  agg.add({ time: t0, name: "events", kind: "counter", value: 1, labels });
  const [first] = agg.take();
  agg.add({ time: t0 + 1, name: "events", kind: "counter", value: 1, labels });
  const [second] = agg.take();
  expect(first!.count).toBe(1);
  expect(second!.count).toBe(1);
  expect(second).not.toBe(first);
});

test("a record carrying batched samples counts each of them, on both paths to its bucket", () => {
  const agg = new MetricAggregator();
  const labels = Object.freeze({ handler: "CreateUser", kind: "api" });
  agg.add({ time: t0 + 1, name: "d", kind: "histogram", value: 2, samples: [2, 4, 600], labels });
  agg.add({ time: t0 + 2, name: "d", kind: "histogram", value: 1, samples: [1], labels }); // found by labels identity
  const [bucket] = agg.take();
  expect([bucket!.count, bucket!.sum, bucket!.min, bucket!.max]).toEqual([4, 607, 1, 600]);
  expect(bucket!.hist!.reduce((a, b) => a + b, 0)).toBe(4);
});
