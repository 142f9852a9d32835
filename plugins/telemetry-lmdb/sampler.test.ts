import { describe, expect, test } from "bun:test";
import { newTraceId } from "../../core/tracing.ts";
import { TraceSampler } from "./sampler.ts";

// The engine's own ids: a per-process prefix, then seconds and a counter.
const ids = Array.from({ length: 20_000 }, () => newTraceId());
const traceId = (i: number) => ids[i % ids.length]!;
/** The sampler reads its clock every 64 spans: feed enough for it to notice the time. */
const feed = (sampler: TraceSampler, from: number, count: number) => {
  for (let i = 0; i < count; i++) sampler.keep(traceId(from + i));
};

describe("trace sampling under load", () => {
  test("below the budget every trace is kept", () => {
    let now = 0;
    const sampler = new TraceSampler(1000, () => now);
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 500; i++) expect(sampler.keep(traceId(second * 1000 + i))).toBe(true);
      now += 1000;
    }
    expect(sampler.ratio).toBe(1);
  });

  test("above it, about budget/rate of the traces are kept, all spans of a trace alike", () => {
    let now = 0;
    const sampler = new TraceSampler(1000, () => now);
    feed(sampler, 0, 3968); // 62 × 64 spans in the first second
    now += 1000;
    feed(sampler, 5000, 64); // the next read of the clock sees 4,032 spans/s
    expect(sampler.ratio).toBeCloseTo(1000 / 4032, 3);
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      const id = traceId(10_000 + i); // ids that share their first 20 digits
      const first = sampler.keep(id);
      expect(sampler.keep(id)).toBe(first); // the same answer for every span of a trace
      if (first) kept++;
    }
    expect(kept).toBeGreaterThan(800);
    expect(kept).toBeLessThan(1200);
  });

  test("when traffic calms down it keeps everything again; a budget of 0 never samples", () => {
    let now = 0;
    const sampler = new TraceSampler(100, () => now);
    feed(sampler, 0, 1024);
    now += 1000;
    feed(sampler, 2000, 64);
    expect(sampler.ratio).toBeLessThan(0.2);
    now += 5000;
    feed(sampler, 3000, 64); // 64 spans in 5 s: well under the budget
    expect(sampler.ratio).toBe(1);
    const unlimited = new TraceSampler(0, () => now);
    feed(unlimited, 0, 5000);
    now += 1000;
    feed(unlimited, 0, 64);
    expect(unlimited.ratio).toBe(1);
    expect(unlimited.keep(traceId(7))).toBe(true);
  });
});
