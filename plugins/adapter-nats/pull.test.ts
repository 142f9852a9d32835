/**
 * The NATS adapter's own pull consumer (pull.ts): flow control bounded by the handler
 * slots, requests renewed after they expire, and an undecodable payload retried and
 * dead-lettered instead of stuck. The shared conformance and fault suites are in
 * test/adapters/.
 */
import { describe, expect, test } from "bun:test";
import { AckPolicy, connect, DeliverPolicy, type Msg, nanos } from "nats";
import { brokerAvailable, unique, until } from "../../test/adapters/broker.ts";
import { PullConsumer } from "./pull.ts";
import { natsFixture, URL } from "./test-fixture.ts";

const available = await brokerAvailable("nats", 4222);

/** A stream and a durable pull consumer on it, with `n` messages published. */
async function fixture(n: number) {
  const nc = await connect({ servers: URL });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const stream = unique("PULL");
  const subj = `pulltest.${stream}`;
  await jsm.streams.add({ name: stream, subjects: [subj] });
  await jsm.consumers.add(stream, { durable_name: "g", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: subj, ack_wait: nanos(30_000) });
  for (let i = 0; i < n; i++) await js.publish(subj, String(i));
  return {
    nc,
    js,
    stream,
    subj,
    async cleanup() {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}

if (available) {
  describe("nats pull consumer", () => {
    test("never holds more unacknowledged messages than its slots, and slow handlers do not pile messages up", async () => {
      const f = await fixture(40);
      let held = 0;
      let maxHeld = 0;
      let handled = 0;
      const pull: PullConsumer = new PullConsumer(f.nc, { stream: f.stream, durable: "g", concurrency: 4 }, (msg: Msg) => {
        maxHeld = Math.max(maxHeld, ++held);
        setTimeout(() => {
          msg.respond(new TextEncoder().encode("+ACK"));
          held--;
          handled++;
          pull.release();
        }, 20);
      });
      // What the server delivered and has not had acked: what this consumer holds, plus acks on their way
      // (the server may take the next pull before an ack sent just ahead of it: once seen as 5 of 4 slots in CI).
      // A consumer that piled messages up would show all 40 here.
      const jsm = await f.nc.jetstreamManager();
      const unacked: number[] = [];
      while (handled < 40) {
        unacked.push((await jsm.consumers.info(f.stream, "g")).num_ack_pending);
        await Bun.sleep(10);
      }
      expect(maxHeld).toBeLessThanOrEqual(4);
      expect(unacked.length).toBeGreaterThan(3);
      expect(Math.max(...unacked)).toBeLessThanOrEqual(2 * 4);
      await pull.stop();
      await f.cleanup();
    });

    test("two consumers of one group with slow handlers share the messages", async () => {
      const f = await fixture(30);
      const got = [0, 0];
      const pulls = [0, 1].map((k) => {
        const pull: PullConsumer = new PullConsumer(f.nc, { stream: f.stream, durable: "g", concurrency: 2 }, (msg: Msg) => {
          setTimeout(() => {
            msg.respond(new TextEncoder().encode("+ACK"));
            got[k]!++;
            pull.release();
          }, 15);
        });
        return pull;
      });
      await until(() => got[0]! + got[1]! === 30);
      expect(Math.min(got[0]!, got[1]!)).toBeGreaterThanOrEqual(5);
      await Promise.all(pulls.map((p) => p.stop()));
      await f.cleanup();
    });

    test("an expired pull request is renewed: a message published after idle expiries still arrives promptly", async () => {
      const f = await fixture(0);
      const seen: string[] = [];
      const pull: PullConsumer = new PullConsumer(f.nc, { stream: f.stream, durable: "g", concurrency: 8, expiresMs: 1_000, heartbeatMs: 300 }, (msg: Msg) => {
        seen.push(msg.string());
        msg.respond(new TextEncoder().encode("+ACK"));
        pull.release();
      });
      await Bun.sleep(2_500); // two requests expired in between
      const sent = Date.now();
      await f.js.publish(f.subj, "late");
      await until(() => seen.length === 1, 2_000, "delivery after expiries");
      expect(Date.now() - sent).toBeLessThan(1_000);
      expect(seen).toEqual(["late"]);
      await pull.stop();
      await f.cleanup();
    });

    test("a deleted durable is reported: onMissing on the server's 409 Consumer Deleted", async () => {
      const f = await fixture(0);
      let missing = 0;
      const pull = new PullConsumer(f.nc, { stream: f.stream, durable: "g", concurrency: 4, onMissing: () => missing++ }, () => undefined);
      await Bun.sleep(200); // the request waits on the server
      await (await f.nc.jetstreamManager()).consumers.delete(f.stream, "g");
      await until(() => missing > 0, 3_000, "onMissing");
      await pull.stop();
      await f.cleanup();
    });

    test("pulls for a durable the server does not have go unanswered: onMissing after two missed heartbeats", async () => {
      const f = await fixture(0);
      let missing = 0;
      const pull = new PullConsumer(f.nc, { stream: f.stream, durable: "nope", concurrency: 4, expiresMs: 1_000, heartbeatMs: 200, onMissing: () => missing++ }, () => undefined);
      await until(() => missing > 0, 3_000, "onMissing");
      await pull.stop();
      await f.cleanup();
    });

    test("stop waits for the messages delivered and not yet released", async () => {
      const f = await fixture(3);
      let released = 0;
      const pull: PullConsumer = new PullConsumer(f.nc, { stream: f.stream, durable: "g", concurrency: 3 }, (msg: Msg) => {
        setTimeout(() => {
          msg.respond(new TextEncoder().encode("+ACK"));
          released++;
          pull.release();
        }, 100);
      });
      await Bun.sleep(30);
      await pull.stop();
      expect(released).toBe(3);
      await f.cleanup();
    });
  });

  describe("nats adapter consuming", () => {
    // One connection for these tests; their streams are deleted after them.
    const nats = natsFixture();

    test("a payload that is not JSON is retried, then dead-lettered once with its text", async () => {
      const adapter = await nats.adapter();
      const event = nats.newEvent("NotJson");
      const attempts: number[] = [];
      const dead: { payload: unknown; error: unknown }[] = [];
      await adapter.subscribe(event, async (m) => void attempts.push(m.attempt), {
        group: "g",
        retry: { maxAttempts: 2, backoffMs: 20, maxBackoffMs: 100 },
        onDeadLetter: (m, error) => dead.push({ payload: m.payload, error }),
      });
      await nats.nc.jetstream().publish(`rohas.${event}`, "not json {");
      await until(() => dead.length === 1);
      await Bun.sleep(200);
      expect(dead.length).toBe(1);
      expect(dead[0]!.payload).toBe("not json {");
      expect(attempts).toEqual([]); // the handler never saw it
      await adapter.close();
    });

    test("headers, key and ids: traceparent carried, rohas headers hidden, id stable across redelivery", async () => {
      const adapter = await nats.adapter();
      const event = nats.newEvent("Ids");
      const seen: { id: string; attempt: number; headers: Record<string, string>; key?: string; publishedAt: number }[] = [];
      const before = Date.now();
      await adapter.subscribe(
        event,
        async (m) => {
          seen.push({ id: m.id, attempt: m.attempt, headers: m.headers, key: m.key, publishedAt: m.publishedAt });
          if (m.attempt === 1) throw new Error("once");
        },
        { group: "g", retry: { maxAttempts: 3, backoffMs: 10, maxBackoffMs: 50 } },
      );
      await adapter.publish(event, { a: 1 }, { headers: { traceparent: "00-abc-def-01" }, key: "k1" });
      await until(() => seen.length === 2);
      expect(seen[0]!.id).toBe(`ROHAS_${event}-1`);
      expect(seen[1]!.id).toBe(seen[0]!.id);
      expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
      expect(seen[0]!.headers).toEqual({ traceparent: "00-abc-def-01" });
      expect(seen[0]!.key).toBe("k1");
      expect(seen[0]!.publishedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(seen[0]!.publishedAt).toBeLessThanOrEqual(Date.now() + 1_000);
      await adapter.close();
    });
  });
}
