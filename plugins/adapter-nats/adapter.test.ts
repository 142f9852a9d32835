/**
 * The NATS adapter against a live server: durable consumers kept in line with the
 * retry policy, recovery from a lost stream or durable, long handlers kept alive,
 * bounded close. Each test makes its own uniquely named streams and deletes them.
 */
import { describe, expect, test } from "bun:test";
import { AckPolicy, DeliverPolicy, nanos } from "nats";
import { brokerAvailable, until } from "../../test/adapters/broker.ts";
import { natsFixture } from "./test-fixture.ts";

const available = await brokerAvailable("nats", 4222);

if (available) {
  // One connection for the file; each test's streams are deleted and its adapters closed after the tests.
  const nats = natsFixture();
  const { newEvent, adapter } = nats;
  /** How many dead letters the DLQ stream holds for an event. */
  const deadLetters = async (event: string) => {
    const info = await nats.jsm.streams.info("ROHAS_DLQ", { subjects_filter: `rohas.dlq.${event}` });
    return (info.state.subjects as Record<string, number> | undefined)?.[`rohas.dlq.${event}`] ?? 0;
  };
  /** The stream and durable as an earlier version made them: max_deliver maxAttempts + 1. */
  const oldDurable = async (event: string, config: { max_deliver: number; ack_wait_ms: number }) => {
    await nats.jsm.streams.add({ name: `ROHAS_${event}`, subjects: [`rohas.${event}`] });
    await nats.jsm.consumers.add(`ROHAS_${event}`, {
      durable_name: "g",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `rohas.${event}`,
      ack_wait: nanos(config.ack_wait_ms),
      max_deliver: config.max_deliver,
    });
  };

  describe("nats durable consumer config", () => {
    test("a durable made with a lower max_deliver and another ack wait is updated: retried up to the new maxAttempts, then dead-lettered once", async () => {
      const event = newEvent("Raised");
      await oldDurable(event, { max_deliver: 3, ack_wait_ms: 30_000 }); // made with maxAttempts 2
      const a = await adapter();
      const attempts: number[] = [];
      const dead: number[] = [];
      await a.subscribe(
        event,
        async (m) => {
          attempts.push(m.attempt);
          throw new Error("boom");
        },
        { group: "g", retry: { maxAttempts: 5, backoffMs: 10, maxBackoffMs: 20 }, onDeadLetter: (m) => dead.push(m.attempt) },
      );
      await a.publish(event, { x: 1 });
      await until(() => dead.length === 1, 10_000, "dead letter");
      await Bun.sleep(200);
      expect(attempts).toEqual([1, 2, 3, 4, 5]);
      expect(dead).toEqual([5]);
      expect(await deadLetters(event)).toBe(1);
      const config = (await nats.jsm.consumers.info(`ROHAS_${event}`, "g")).config;
      expect(config.ack_wait).toBe(nanos(1_500));
      expect(config.max_deliver ?? -1).toBe(-1);
    }, 30_000);

    test("a message delivered past maxAttempts (attempts that never settled) is dead-lettered without running the handler", async () => {
      const event = newEvent("Over");
      await oldDurable(event, { max_deliver: -1, ack_wait_ms: 300 });
      await nats.nc.jetstream().publish(`rohas.${event}`, new TextEncoder().encode(JSON.stringify({ x: 1 })));
      // Three deliveries nobody acknowledged, as from a consumer that crashed three times.
      const consumer = await nats.nc.jetstream().consumers.get(`ROHAS_${event}`, "g");
      for (let i = 1; i <= 3; i++) {
        const m = await consumer.next({ expires: 3_000 });
        expect(m?.info.redeliveryCount).toBe(i);
      }
      const a = await adapter();
      const handled: number[] = [];
      const dead: { attempt: number; error: unknown }[] = [];
      await a.subscribe(event, async (m) => void handled.push(m.attempt), {
        group: "g",
        retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 20 },
        onDeadLetter: (m, error) => dead.push({ attempt: m.attempt, error }),
      });
      await until(() => dead.length === 1, 10_000, "dead letter");
      await Bun.sleep(500);
      expect(handled).toEqual([]);
      expect(dead.length).toBe(1);
      expect(dead[0]!.attempt).toBe(4);
      expect(String(dead[0]!.error)).toContain("over maxAttempts");
      expect(await deadLetters(event)).toBe(1);
      const info = await nats.jsm.consumers.info(`ROHAS_${event}`, "g");
      expect(info.num_ack_pending + info.num_pending).toBe(0);
    }, 30_000);
  });

  describe("nats stream or durable gone", () => {
    test("a deleted stream (a broker restarted without its store) is recreated by the next publish and consuming resumes", async () => {
      const event = newEvent("StreamGone");
      const a = await adapter();
      const got: unknown[] = [];
      await a.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      await a.publish(event, 1);
      await until(() => got.includes(1), 5_000, "first message");
      await nats.jsm.streams.delete(`ROHAS_${event}`);
      await a.publish(event, 2); // no "no responders": the stream is made again
      await until(() => got.includes(2), 15_000, "message after the stream was recreated");
      await a.publish(event, 3);
      await until(() => got.includes(3), 5_000, "later message");
    }, 30_000);

    test("a durable deleted while no pull waited (so no 409 came) is recreated once pulls go unanswered", async () => {
      const event = newEvent("DurableGone");
      const a = await adapter();
      const got: unknown[] = [];
      let unblock!: () => void;
      const blocked = new Promise<void>((resolve) => (unblock = resolve));
      await a.subscribe(
        event,
        async (m) => {
          got.push(m.payload);
          if (m.payload === 1) await blocked;
        },
        { group: "g", concurrency: 1 },
      );
      await a.publish(event, 1);
      await until(() => got.includes(1), 5_000, "first message");
      await nats.jsm.consumers.delete(`ROHAS_${event}`, "g");
      unblock();
      await a.publish(event, 2);
      // Idle heartbeats (5 s) are missed twice before the durable is checked.
      await until(() => got.includes(2), 25_000, "message after the durable was recreated");
      expect((await nats.jsm.consumers.info(`ROHAS_${event}`, "g")).config.max_deliver ?? -1).toBe(-1);
    }, 40_000);
  });

  describe("nats close", () => {
    test("closing a subscription and the adapter waits for a stuck handler only up to drainTimeoutMs", async () => {
      const event = newEvent("Stuck");
      const a = await adapter({ drainTimeoutMs: 300 });
      let took = 0;
      const stuck = () => {
        took++;
        return new Promise<void>(() => {}); // never settles
      };
      const sub = await a.subscribe(event, stuck, { group: "g" });
      await a.subscribe(event, stuck, { group: "h" });
      await a.publish(event, 1);
      await until(() => took === 2, 5_000, "both handlers started");
      let started = Date.now();
      await sub.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      started = Date.now();
      await a.close();
      expect(Date.now() - started).toBeLessThan(2_000);
    }, 10_000);
  });

  describe("nats slow handlers", () => {
    test("a handler slower than the ack wait keeps its message: no redelivery while it runs, one dead letter", async () => {
      const event = newEvent("Slow");
      const a = await adapter({ ackWaitMs: 1_000 });
      const log: string[] = [];
      const dead: number[] = [];
      let running = 0;
      let overlapped = false;
      await a.subscribe(
        event,
        async (m) => {
          if (++running > 1) overlapped = true;
          log.push(`start ${m.attempt}`);
          await Bun.sleep(2_200);
          running--;
          throw new Error("slow fail");
        },
        { group: "g", retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 20 }, onDeadLetter: (m) => dead.push(m.attempt) },
      );
      await a.publish(event, { x: 1 });
      await until(() => dead.length === 1, 15_000, "dead letter");
      await Bun.sleep(2_500); // a third delivery would have come by now
      expect(overlapped).toBe(false);
      expect(log).toEqual(["start 1", "start 2"]);
      expect(dead).toEqual([2]);
      expect(await deadLetters(event)).toBe(1);
    }, 30_000);

    test("a slow handler that succeeds is acknowledged once and not redelivered", async () => {
      const event = newEvent("SlowOk");
      const a = await adapter({ ackWaitMs: 600 });
      const attempts: number[] = [];
      await a.subscribe(
        event,
        async (m) => {
          attempts.push(m.attempt);
          await Bun.sleep(2_000);
        },
        { group: "g" },
      );
      await a.publish(event, { x: 1 });
      await until(() => attempts.length === 1, 5_000, "delivery");
      await Bun.sleep(3_500);
      expect(attempts).toEqual([1]);
      const info = await nats.jsm.consumers.info(`ROHAS_${event}`, "g");
      expect(info.num_ack_pending + info.num_pending).toBe(0);
    }, 20_000);
  });
}
