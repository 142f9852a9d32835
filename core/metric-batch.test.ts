import { expect, test } from "bun:test";
import { MetricBatch, type CounterSlot, type HistogramSlot } from "./metric-batch.ts";

test("increments are summed per series and drained once, as one counter sample per series that moved", () => {
  const batch = new MetricBatch();
  const labels = { event: "UserCreated" };
  const published: CounterSlot = { name: "events_published", labels, n: 0 };
  const consumed: CounterSlot = { name: "events_consumed", labels, n: 0 };
  const idle: CounterSlot = { name: "events_failed", labels, n: 0 };
  for (let i = 0; i < 40; i++) batch.add(published);
  batch.add(consumed);
  expect(batch.drain(1000)).toEqual([
    { time: 1000, name: "events_published", kind: "counter", value: 40, labels },
    { time: 1000, name: "events_consumed", kind: "counter", value: 1, labels },
  ]);
  expect(idle.n).toBe(0);
  expect(batch.drain(1100)).toEqual([]);
  batch.add(published);
  expect(batch.drain(1200)).toEqual([{ time: 1200, name: "events_published", kind: "counter", value: 1, labels }]);
});

test("histogram observations are drained as one record per series carrying them all", () => {
  const batch = new MetricBatch();
  const labels = { handler: "CreateUser", kind: "api" };
  const duration: HistogramSlot = { name: "handler_duration_ms", labels, values: [] };
  batch.observe(duration, 1.5);
  batch.observe(duration, 3);
  expect(batch.drain(10)).toEqual([{ time: 10, name: "handler_duration_ms", kind: "histogram", value: 1.5, samples: [1.5, 3], labels }]);
  expect(duration.values).toEqual([]);
  expect(batch.drain(20)).toEqual([]);
});
