import { expect, test } from "bun:test";
import { Counters, type CounterSlot } from "./counters.ts";

test("increments are summed per series and drained once, as one counter sample per series that moved", () => {
  const counters = new Counters();
  const labels = { event: "UserCreated" };
  const published: CounterSlot = { name: "events_published", labels, n: 0 };
  const consumed: CounterSlot = { name: "events_consumed", labels, n: 0 };
  const idle: CounterSlot = { name: "events_failed", labels, n: 0 };
  for (let i = 0; i < 40; i++) counters.add(published);
  counters.add(consumed);
  expect(counters.drain(1000)).toEqual([
    { time: 1000, name: "events_published", kind: "counter", value: 40, labels },
    { time: 1000, name: "events_consumed", kind: "counter", value: 1, labels },
  ]);
  expect(idle.n).toBe(0);
  expect(counters.drain(1100)).toEqual([]);
  counters.add(published);
  expect(counters.drain(1200)).toEqual([{ time: 1200, name: "events_published", kind: "counter", value: 1, labels }]);
});
