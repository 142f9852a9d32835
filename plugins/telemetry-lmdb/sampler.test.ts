import { describe, expect, test } from "bun:test";
import { newTraceId } from "../../core/tracing.ts";
import { TraceSampler } from "./sampler.ts";

// The engine's own ids: a per-process prefix, then a counter.
const ids = Array.from({ length: 20_000 }, () => newTraceId());
const traceId = (i: number) => ids[i % ids.length]!;

/** `traces` traces start; each kept one records `spansEach` spans. Returns how many were kept. */
function second(sampler: TraceSampler, from: number, traces: number, spansEach: number): number {
  let kept = 0;
  for (let i = 0; i < traces; i++) {
    if (!sampler.keep(traceId(from + i))) continue;
    kept++;
    for (let s = 0; s < spansEach; s++) sampler.countSpan();
  }
  return kept;
}

describe("head sampling under a span budget", () => {
  test("below the budget every trace is kept", () => {
    let now = 0;
    const sampler = new TraceSampler(1000, () => now);
    for (let q = 0; q < 12; q++) {
      expect(second(sampler, q * 1000, 47, 5)).toBe(47); // 47 traces × 5 spans per 250 ms: 940 spans/s
      now += 250;
      sampler.adjust();
    }
    expect(sampler.ratio).toBe(1);
    expect(sampler.skipped).toBe(0);
  });

  test("above it, about budget / (traces/s × spans per trace) of the traces are kept, and the estimate holds while sampling", () => {
    let now = 0;
    const sampler = new TraceSampler(1000, () => now);
    second(sampler, 0, 500, 5); // 500 traces in 250 ms: 10,000 spans/s
    now += 250;
    sampler.adjust();
    expect(sampler.ratio).toBeCloseTo(0.1, 5);
    // While sampling, only kept traces' spans are seen: the estimate must not drift.
    for (let q = 1; q <= 8; q++) {
      const kept = second(sampler, q * 500, 500, 5);
      expect(kept).toBeGreaterThan(30);
      expect(kept).toBeLessThanOrEqual(50); // the window's share of the budget: 250 spans
      now += 250;
      sampler.adjust();
      expect(sampler.ratio).toBeGreaterThan(0.08);
      expect(sampler.ratio).toBeLessThan(0.14);
    }
    expect(sampler.skipped).toBeGreaterThan(3000);
  });

  test("a burst after a quiet spell is capped at the window's share of the budget before the ratio catches up", () => {
    let now = 0;
    const sampler = new TraceSampler(1000, () => now);
    second(sampler, 0, 10, 4); // quiet: 10 traces of 4 spans
    now += 250;
    sampler.adjust();
    expect(sampler.ratio).toBe(1);
    // 5,000 traces arrive before the next adjustment: 63 of them (250 spans at 4 a trace, rounded up) fill the window.
    expect(second(sampler, 100, 5000, 4)).toBe(63);
  });

  test("the answer depends on the trace id only: every process at one ratio agrees", () => {
    let now = 0;
    const a = new TraceSampler(100, () => now);
    const b = new TraceSampler(100, () => now);
    for (const s of [a, b]) second(s, 0, 1000, 1);
    now += 1000;
    a.adjust();
    b.adjust();
    for (let i = 0; i < 2000; i++) expect(a.keep(traceId(5000 + i))).toBe(b.keep(traceId(5000 + i)));
  });

  test("when traffic calms down it keeps everything again; a budget of 0 never samples", () => {
    let now = 0;
    const sampler = new TraceSampler(100, () => now);
    second(sampler, 0, 1000, 2);
    now += 1000;
    sampler.adjust();
    expect(sampler.ratio).toBeLessThan(0.1);
    second(sampler, 2000, 10, 2);
    now += 5000;
    sampler.adjust(); // 10 traces in 5 s
    expect(sampler.ratio).toBe(1);
    const unlimited = new TraceSampler(0, () => now);
    second(unlimited, 0, 5000, 5);
    now += 1000;
    unlimited.adjust();
    expect(unlimited.ratio).toBe(1);
    expect(unlimited.keep(traceId(7))).toBe(true);
  });

  test("the ratio changes only once a window (250 ms) has passed", () => {
    let now = 0;
    const sampler = new TraceSampler(10, () => now);
    second(sampler, 0, 1000, 1);
    now += 249;
    sampler.adjust();
    expect(sampler.ratio).toBe(1);
    now += 1;
    sampler.adjust(); // 1,000 spans in 250 ms: 4,000/s against a budget of 10
    expect(sampler.ratio).toBeCloseTo(10 / 4000, 5);
  });
});
