/**
 * The one conformance suite every adapter passes (core/adapter.ts's contract),
 * run against the real thing: memory and lmdb in process, brokers when their
 * adapters exist. Each adapter's test file calls `conformance(name, factory)`.
 */
import { describe, expect, test } from "bun:test";
import type { Adapter, Message } from "../../core/adapter.ts";
import { unique, until } from "./broker.ts";

export interface AdapterUnderTest {
  /** A connected adapter. Calls with the same `scope` reach the same queues (for durability tests). */
  create(scope: string): Promise<Adapter>;
  /** Messages survive the adapter being closed and reopened (lmdb, brokers). */
  durable: boolean;
  /** One consumer sees messages in publish order (false for SQS standard queues and multi-partition topics). */
  ordered?: boolean;
  /** How long a message abandoned by a dead consumer may take to come back (Kafka: a session timeout). */
  redeliveryTimeoutMs?: number;
}

export function conformance(name: string, subject: AdapterUnderTest): void {
  describe(`adapter conformance: ${name}`, () => {
    test("publish → consume round trip keeps payload and trace headers", async () => {
      const scope = unique("scope");
      const adapter = await subject.create(scope);
      const event = unique("RoundTrip");
      const got: Message[] = [];
      await adapter.subscribe(event, async (m) => void got.push(m), { group: "g" });
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      await adapter.publish(event, { nested: { n: 1, list: ["a", "b"] } }, { headers: { traceparent } });
      await until(() => got.length === 1);
      expect(got[0]!.payload).toEqual({ nested: { n: 1, list: ["a", "b"] } });
      expect(got[0]!.headers.traceparent).toBe(traceparent);
      expect(got[0]!.event).toBe(event);
      expect(got[0]!.attempt).toBe(1);
      await adapter.close();
    });

    const ordered = subject.ordered !== false;
    const inOrder = (xs: number[]) => (ordered ? xs : [...xs].sort((a, b) => a - b));

    test(ordered ? "one consumer with concurrency 1 sees messages in publish order" : "one consumer gets every message (no order promised)", async () => {
      const adapter = await subject.create(unique("scope"));
      const event = unique("Ordered");
      const seen: number[] = [];
      await adapter.subscribe(event, async (m) => void seen.push(m.payload as number), { group: "g", concurrency: 1 });
      for (let i = 0; i < 50; i++) await adapter.publish(event, i);
      await until(() => seen.length === 50);
      expect(inOrder(seen)).toEqual([...Array(50).keys()]);
      await adapter.close();
    });

    test("consumers in one group share the work; each group gets every message", async () => {
      const adapter = await subject.create(unique("scope"));
      const event = unique("Shared");
      const a: number[] = [];
      const b: number[] = [];
      const audit: number[] = [];
      const slow = (sink: number[]) => async (m: Message) => {
        await Bun.sleep(3);
        sink.push(m.payload as number);
      };
      await adapter.subscribe(event, slow(a), { group: "workers", concurrency: 1 });
      await adapter.subscribe(event, slow(b), { group: "workers", concurrency: 1 });
      await adapter.subscribe(event, async (m) => void audit.push(m.payload as number), { group: "audit" });
      for (let i = 0; i < 40; i++) await adapter.publish(event, i);
      // A generous bound: once in CI, ElasticMQ (Java, H2-backed, after ~60 test files) took over 10 s here.
      await until(() => a.length + b.length === 40 && audit.length === 40, 30_000, "40 messages shared by the workers and 40 to the audit group");
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
      expect(audit.sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
      await adapter.close();
    });

    test("a failing message is retried with growing backoff, then dead-lettered exactly once", async () => {
      const adapter = await subject.create(unique("scope"));
      const event = unique("Failing");
      const attempts: { attempt: number; at: number }[] = [];
      const dead: Message[] = [];
      await adapter.subscribe(
        event,
        async (m) => {
          attempts.push({ attempt: m.attempt, at: Date.now() });
          throw new Error("refused");
        },
        { group: "g", retry: { maxAttempts: 3, backoffMs: 30, maxBackoffMs: 1_000 }, onDeadLetter: (m) => dead.push(m) },
      );
      await adapter.publish(event, "x");
      await until(() => dead.length === 1);
      await Bun.sleep(150);
      expect(dead.length).toBe(1);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(25);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(55);
      expect(dead[0]!.payload).toBe("x");
      await adapter.close();
    });

    test("close waits for handlers in flight", async () => {
      const adapter = await subject.create(unique("scope"));
      const event = unique("Draining");
      let finished = 0;
      let started = 0;
      await adapter.subscribe(
        event,
        async () => {
          started++;
          await Bun.sleep(100);
          finished++;
        },
        { group: "g", concurrency: 4 },
      );
      for (let i = 0; i < 4; i++) await adapter.publish(event, i);
      await until(() => started >= 1);
      await adapter.close();
      expect(finished).toBe(started);
    });

    if (subject.durable) {
      test("a message whose handler never finished is delivered again after a restart (at least once)", async () => {
        const scope = unique("scope");
        const event = unique("Durable");
        const first = await subject.create(scope);
        let took = 0;
        await first.subscribe(event, () => {
          took++;
          return new Promise<void>(() => {}); // the consumer "dies" before acknowledging
        }, { group: "g" });
        await first.publish(event, { order: 42 });
        await until(() => took === 1);
        // Abandon the first adapter without acknowledging; open the same queues again.
        void first.close();
        const second = await subject.create(scope);
        const got: unknown[] = [];
        await second.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
        await until(() => got.length === 1, subject.redeliveryTimeoutMs ?? 10_000, "redelivery after restart");
        expect(got[0]).toEqual({ order: 42 });
        await second.close();
      });

      test("messages published while no consumer runs wait for it", async () => {
        const scope = unique("scope");
        const event = unique("Waiting");
        const first = await subject.create(scope);
        const sub = await first.subscribe(event, async () => {}, { group: "g" });
        await sub.close();
        for (let i = 0; i < 5; i++) await first.publish(event, i);
        await first.close();
        const second = await subject.create(scope);
        const got: number[] = [];
        await second.subscribe(event, async (m) => void got.push(m.payload as number), { group: "g", concurrency: 1 });
        await until(() => got.length === 5);
        expect(inOrder(got)).toEqual([0, 1, 2, 3, 4]);
        await second.close();
      });
    }
  });
}
