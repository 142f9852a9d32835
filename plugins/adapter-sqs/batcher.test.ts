import { describe, expect, test } from "bun:test";
import { Batcher, type BatchLimits } from "./batcher.ts";

const limits: BatchLimits = { maxEntries: 10, maxBytes: 1_000, maxInFlight: 4 };

/** A batcher whose sends are recorded; `outcome` decides each item's fate. */
function recording(outcome: (item: string) => Error | undefined = () => undefined, over: Partial<BatchLimits> = {}) {
  const batches: { key: string; items: string[] }[] = [];
  const batcher = new Batcher<string>({ ...limits, ...over }, async (key, items) => {
    batches.push({ key, items });
    await Bun.sleep(1);
    return items.map(outcome);
  });
  return { batcher, batches };
}

describe("sqs batcher", () => {
  test("items added in the same turn go out together, at most maxEntries per batch", async () => {
    const { batcher, batches } = recording();
    await Promise.all(Array.from({ length: 25 }, (_, i) => batcher.add("q", `m${i}`, 10)));
    expect(batches.map((b) => b.items.length)).toEqual([10, 10, 5]);
    expect(batches.flatMap((b) => b.items)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
  });

  test("a batch never goes over maxBytes", async () => {
    const { batcher, batches } = recording();
    await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.add("q", `m${i}`, 400)));
    expect(batches.map((b) => b.items.length)).toEqual([2, 2, 1]);
  });

  test("keys (queues) are batched apart", async () => {
    const { batcher, batches } = recording();
    await Promise.all([batcher.add("a", "1", 1), batcher.add("b", "2", 1), batcher.add("a", "3", 1)]);
    expect(batches.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: "a", items: ["1", "3"] },
      { key: "b", items: ["2"] },
    ]);
  });

  test("each caller gets its own item's outcome", async () => {
    const { batcher } = recording((item) => (item === "bad" ? new Error("InvalidAttributeValue: nope") : undefined));
    const results = await Promise.allSettled(["a", "bad", "c"].map((m) => batcher.add("q", m, 1)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain("InvalidAttributeValue");
  });

  test("a failed request rejects every item of its batch and only those", async () => {
    let calls = 0;
    const batcher = new Batcher<number>({ ...limits, maxEntries: 2 }, async (_key, items) => {
      if (++calls === 1) throw new Error("connect ECONNREFUSED");
      return items.map(() => undefined);
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add("q", n, 1)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
  });

  test("with maxInFlight requests out, new items wait and fill the next batch", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sizes: number[] = [];
    const batcher = new Batcher<number>({ ...limits, maxInFlight: 1 }, async (_key, items) => {
      sizes.push(items.length);
      await gate;
      return items.map(() => undefined);
    });
    const first = batcher.add("q", 0, 1);
    await Bun.sleep(5);
    const rest = Array.from({ length: 7 }, (_, i) => batcher.add("q", i + 1, 1));
    await Bun.sleep(5);
    expect(sizes).toEqual([1]);
    release();
    await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 7]);
  });

  test("while maxInFlight requests are out, waiting items do not spin the event loop", async () => {
    let immediates = 0;
    const original = globalThis.setImmediate;
    globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
      immediates++;
      return original(fn, ...args);
    }) as typeof setImmediate;
    try {
      const batcher = new Batcher<number>({ ...limits, maxInFlight: 1 }, async (_key, items) => {
        await Bun.sleep(100);
        return items.map(() => undefined);
      });
      await Promise.all(Array.from({ length: 30 }, (_, i) => batcher.add("q", i, 1)));
    } finally {
      globalThis.setImmediate = original;
    }
    // Three batches of 10, one at a time: a handful of wake-ups, not one per turn of the loop.
    expect(immediates).toBeLessThan(20);
  });

  test("drain sends what waits and settles every request", async () => {
    const { batcher, batches } = recording();
    const pending = batcher.add("q", "late", 1);
    await batcher.drain();
    expect(batches).toEqual([{ key: "q", items: ["late"] }]);
    await pending;
  });
});
