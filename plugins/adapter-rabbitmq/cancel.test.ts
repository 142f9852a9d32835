// A consumer the broker cancels (its queue was deleted, or a cluster node failed over: amqplib calls
// the consume callback with null) is set up again: queue, bindings and consumer, with backoff, one
// consumer only. A subscription or adapter being closed is not set up again. The queue is deleted
// from a connection of the test's own, as an operator or another client would.
import { afterEach, beforeEach, expect, spyOn, test } from "bun:test";
import amqp from "amqplib";
import { RabbitAdapter } from "./adapter.ts";
import { amqpProxy } from "./amqp-proxy.ts";
import { brokerAvailable } from "../../test/adapters/broker.ts";
import { withTeardown } from "./test-support.ts";

const URL = "amqp://guest:guest@127.0.0.1:5672";
// In CI an unreachable broker fails the run; elsewhere these tests are skipped with the command to start it.
const available = await brokerAvailable("rabbitmq", 5672);
const run = Date.now().toString(36);

function adapter(url = URL): RabbitAdapter {
  return new RabbitAdapter({ url, connectTimeoutMs: 3_000, drainTimeoutMs: 3_000, publishWaitMs: 3_000 });
}

/** A channel of the test's own; checkQueue's 404 closes a channel, so each question gets a new one. */
async function broker() {
  const connection = await amqp.connect(URL);
  const channel = async () => {
    const c = await connection.createChannel();
    c.on("error", () => undefined);
    return c;
  };
  return {
    deleteQueue: async (queue: string) => void (await (await channel()).deleteQueue(queue)),
    /** The queue's consumer count, or undefined when the broker has no such queue. */
    consumers: async (queue: string): Promise<number | undefined> => {
      const c = await channel();
      try {
        return (await c.checkQueue(queue)).consumerCount;
      } catch {
        return undefined; // 404 NOT_FOUND
      } finally {
        await c.close().catch(() => undefined);
      }
    },
    close: () => connection.close().catch(() => undefined),
  };
}

async function cleanup(event: string, group: string): Promise<void> {
  const b = await broker();
  const q = `rohas.${group}.${event}`;
  for (const name of [q, `${q}.dlq`, `${q}.retry`]) await b.deleteQueue(name).catch(() => undefined);
  await b.close();
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await Bun.sleep(20);
  }
  return check();
}

let warnings: string[] = [];
let warn: ReturnType<typeof spyOn>;
beforeEach(() => {
  warnings = [];
  warn = spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args.join(" ")));
});
afterEach(() => warn.mockRestore());

test.skipIf(!available)("a queue deleted under a subscription is made again and consumed, by one consumer, with a warning", () => withTeardown(async (t) => {
  const event = `Cancelled_${run}`;
  t.defer(() => cleanup(event, "cx"));
  const queue = `rohas.cx.${event}`;
  const a = t.add(adapter());
  await a.connect();
  const b = t.add(await broker());
  const got: unknown[] = [];
  await a.subscribe(event, async (m) => void got.push(m.payload), { group: "cx" });
  await a.publish(event, 1);
  expect(await until(() => got.length === 1)).toBe(true);
  // Twice: the second cancel comes to the consumer the first one made.
  for (const payload of [2, 3]) {
    await b.deleteQueue(queue);
    // Published into an exchange with no queue bound for this group, a message is dropped by the
    // broker; so the test publishes only once the queue is back.
    expect(await until(async () => (await b.consumers(queue)) === 1)).toBe(true);
    await a.publish(event, payload);
    expect(await until(() => got.includes(payload))).toBe(true);
  }
  await Bun.sleep(500); // a second consumer set up late would show now
  expect(await b.consumers(queue)).toBe(1);
  expect(got).toEqual([1, 2, 3]);
  const cancelled = warnings.filter((w) => w.includes("cancelled"));
  expect(cancelled).toHaveLength(2);
  expect(cancelled[0]).toContain(queue);
  expect(cancelled[0]).toContain(event);
}), 30_000);

test.skipIf(!available)("a queue deleted while a handler runs: the new consumer does not wait for it, and the old channel is closed once it finished", () => withTeardown(async (t) => {
  const event = `CancelledBusy_${run}`;
  t.defer(() => cleanup(event, "cx"));
  const queue = `rohas.cx.${event}`;
  const proxy = t.add(await amqpProxy());
  const a = t.add(adapter(proxy.url));
  await a.connect();
  const b = t.add(await broker());
  const got: unknown[] = [];
  const released = Promise.withResolvers<void>();
  t.defer(() => released.resolve());
  await a.subscribe(
    event,
    async (m) => {
      got.push(m.payload);
      if (m.payload === 1) await released.promise;
    },
    { group: "cx", concurrency: 1 },
  );
  await a.publish(event, 1);
  expect(await until(() => got.length === 1)).toBe(true);
  expect(proxy.channels).toBe(2); // the publisher's and the consumer's
  await b.deleteQueue(queue);
  expect(await until(async () => (await b.consumers(queue)) === 1)).toBe(true);
  await a.publish(event, 2);
  // The new consumer is not held back by the old one's handler still running.
  expect(await until(() => got.includes(2))).toBe(true);
  expect(proxy.channels).toBe(3); // the old consumer's channel waits for its handler
  released.resolve();
  // Else every cancel would leave a channel behind.
  expect(await until(() => proxy.channels === 2)).toBe(true);
  expect(got).toEqual([1, 2]);
  expect(await b.consumers(queue)).toBe(1);
  expect(proxy.connections).toBe(1); // not by a reconnect
}), 30_000);

for (const how of ["subscription.close()", "adapter.close()"] as const) {
  test.skipIf(!available)(`a queue deleted while ${how} drains a handler is not made again`, () => withTeardown(async (t) => {
    const event = `CancelledClosing_${how.startsWith("adapter") ? "a" : "s"}_${run}`;
    t.defer(() => cleanup(event, "cx"));
    const queue = `rohas.cx.${event}`;
    const a = t.add(adapter());
    await a.connect();
    const b = t.add(await broker());
    const started = Promise.withResolvers<void>();
    const released = Promise.withResolvers<void>();
    t.defer(() => released.resolve());
    const subscription = await a.subscribe(
      event,
      async () => {
        started.resolve();
        await released.promise;
      },
      { group: "cx" },
    );
    await a.publish(event, 1);
    await started.promise;
    // close() waits for the handler with the consumer channel still open, so the cancel reaches it.
    const closed = how === "adapter.close()" ? a.close() : subscription.close();
    await Bun.sleep(50);
    await b.deleteQueue(queue);
    await Bun.sleep(300); // the cancel arrives while closing
    released.resolve();
    await closed;
    await Bun.sleep(1_000); // past the first backoff steps
    expect(await b.consumers(queue)).toBeUndefined();
    expect(warnings.filter((w) => w.includes("cancelled"))).toEqual([]);
  }), 30_000);
}
