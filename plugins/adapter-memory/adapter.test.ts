import { describe, expect, test } from "bun:test";
import { ACCEPTED, type Message } from "../../core/adapter.ts";
import { MemoryAdapter } from "./adapter.ts";

const until = async (fn: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
};

describe("memory adapter", () => {
  test("round trip keeps payload, headers and publish order", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 100 });
    const got: Message[] = [];
    await adapter.subscribe("E", async (m) => void got.push(m), { group: "g", concurrency: 1 });
    for (let i = 0; i < 20; i++) await adapter.publish("E", { i }, { headers: { traceparent: `t${i}` } });
    await until(() => got.length === 20);
    expect(got.map((m) => (m.payload as { i: number }).i)).toEqual([...Array(20).keys()]);
    expect(got[3]!.headers.traceparent).toBe("t3");
    expect(got[0]!.attempt).toBe(1);
    expect(new Set(got.map((m) => m.id)).size).toBe(20);
    await adapter.close();
  });

  test("consumers in one group compete; every group gets every message", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 100 });
    const a: number[] = [];
    const b: number[] = [];
    const audit: number[] = [];
    const slow = (sink: number[]) => async (m: Message) => {
      await Bun.sleep(2);
      sink.push(m.payload as number);
    };
    await adapter.subscribe("E", slow(a), { group: "workers", concurrency: 1 });
    await adapter.subscribe("E", slow(b), { group: "workers", concurrency: 1 });
    await adapter.subscribe("E", async (m) => void audit.push(m.payload as number), { group: "audit" });
    for (let i = 0; i < 40; i++) await adapter.publish("E", i);
    await until(() => a.length + b.length === 40 && audit.length === 40);
    expect(a.length).toBeGreaterThan(5);
    expect(b.length).toBeGreaterThan(5);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
    await adapter.close();
  });

  test("a failing message is retried with backoff, then dead-lettered once", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 10 });
    const attempts: number[] = [];
    const times: number[] = [];
    const dead: { message: Message; error: unknown }[] = [];
    await adapter.subscribe(
      "E",
      async (m) => {
        attempts.push(m.attempt);
        times.push(Date.now());
        throw new Error(`nope ${m.attempt}`);
      },
      { group: "g", retry: { maxAttempts: 3, backoffMs: 20, maxBackoffMs: 1000 }, onDeadLetter: (message, error) => dead.push({ message, error }) },
    );
    await adapter.publish("E", "x");
    await until(() => dead.length === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(15);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(35);
    expect(dead[0]!.message.attempt).toBe(3);
    expect((dead[0]!.error as Error).message).toBe("nope 3");
    await Bun.sleep(100);
    expect(dead.length).toBe(1);
    await adapter.close();
  });

  test("a full buffer makes publish wait instead of growing", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 5 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    await adapter.subscribe(
      "E",
      async () => {
        await gate;
        handled++;
      },
      { group: "g", concurrency: 1 },
    );
    let published = 0;
    const publisher = (async () => {
      for (let i = 0; i < 20; i++) {
        await adapter.publish("E", i);
        published++;
      }
    })();
    await Bun.sleep(50);
    // one in flight plus a full buffer of five; the rest wait
    expect(published).toBeLessThanOrEqual(7);
    release();
    await publisher;
    await until(() => handled === 20);
    await adapter.close();
  });

  test("close drains queued and in-flight work, then refuses publishes", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 100 });
    let handled = 0;
    await adapter.subscribe(
      "E",
      async () => {
        await Bun.sleep(10);
        handled++;
      },
      { group: "g", concurrency: 2 },
    );
    for (let i = 0; i < 10; i++) await adapter.publish("E", i);
    await adapter.close();
    expect(handled).toBe(10);
    await expect(adapter.publish("E", 1)).rejects.toThrow("closed");
  });

  test("deliveries finished in the same step (ACCEPTED) keep order, and one that publishes again does not starve timers", async () => {
    const adapter = new MemoryAdapter({ bufferSize: 100 });
    const order: number[] = [];
    await adapter.subscribe("E", (m) => (order.push((m.payload as { i: number }).i), ACCEPTED), { group: "g", concurrency: 1 });
    for (let i = 0; i < 50; i++) void adapter.publish("E", { i });
    await until(() => order.length === 50);
    expect(order).toEqual([...Array(50).keys()]);

    // An event whose handler triggers it again, finishing synchronously each time (a self-triggering event).
    // The cap only keeps a regression from hanging the run: the timer must fire long before it.
    const CAP = 1_000_000;
    let ticks = 0;
    let ticksWhenTimerFired = -1;
    await adapter.subscribe(
      "Tick",
      () => {
        if (++ticks < CAP && ticksWhenTimerFired < 0) void adapter.publish("Tick", {});
        return ACCEPTED;
      },
      { group: "g", concurrency: 4 },
    );
    setTimeout(() => (ticksWhenTimerFired = ticks), 5);
    void adapter.publish("Tick", {});
    await until(() => ticksWhenTimerFired >= 0);
    expect(ticksWhenTimerFired).toBeGreaterThan(0);
    expect(ticksWhenTimerFired).toBeLessThan(CAP);
    await adapter.close();
  });
});
