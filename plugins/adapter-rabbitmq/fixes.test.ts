// Regression tests for the reviewer's findings (undecodable messages, publisher nacks, channel
// errors, headers, reconnect duplicates, close() timers). Unique queue and event names each run.
import { expect, test } from "bun:test";
import amqp from "amqplib";
import { RabbitAdapter } from "./adapter.ts";

const URL = "amqp://guest:guest@127.0.0.1:5672";
const available = await new Promise<boolean>((resolve) => {
  Bun.connect({ hostname: "127.0.0.1", port: 5672, socket: { open: (s) => (s.end(), resolve(true)), data() {}, error: () => resolve(false), connectError: () => resolve(false) } }).catch(() => resolve(false));
});
const run = Date.now().toString(36);

function adapter(o: { drainTimeoutMs?: number; publishWaitMs?: number } = {}): RabbitAdapter {
  return new RabbitAdapter({ url: URL, connectTimeoutMs: 3_000, drainTimeoutMs: o.drainTimeoutMs ?? 1_000, publishWaitMs: o.publishWaitMs ?? 3_000 });
}

async function rawChannel() {
  const connection = await amqp.connect(URL);
  const channel = await connection.createChannel();
  return { connection, channel };
}

async function cleanup(event: string, group: string): Promise<void> {
  const { connection, channel } = await rawChannel();
  const q = `rohas.${group}.${event}`;
  for (const name of [q, `${q}.dlq`, `${q}.retry`]) await channel.deleteQueue(name).catch(() => undefined);
  await connection.close().catch(() => undefined);
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await Bun.sleep(20);
}

test.skipIf(!available)("fix 1: a non-JSON message is dead-lettered at once with its text, and does not stall the queue", async () => {
  const event = `Poison_${run}`;
  const a = adapter();
  await a.connect();
  const seen: unknown[] = [];
  const dead: unknown[] = [];
  await a.subscribe(event, async (m) => void seen.push(m.payload), { group: "fx", concurrency: 1, onDeadLetter: (m) => void dead.push(m.payload) });
  const { connection, channel } = await rawChannel();
  try {
    // 4 = the whole prefetch window of concurrency 1: held unacknowledged, they stalled the queue.
    for (let i = 0; i < 4; i++) channel.publish("rohas", event, Buffer.from(`not json {${i}`), { persistent: true });
    await Bun.sleep(200);
    for (let i = 0; i < 5; i++) await a.publish(event, i);
    await until(() => seen.length === 5 && dead.length === 4);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(dead).toEqual(["not json {0", "not json {1", "not json {2", "not json {3"]);
    await until(() => false, 200);
    expect((await channel.checkQueue(`rohas.fx.${event}.dlq`)).messageCount).toBe(4);
    // Nothing held: the Acker's floor moved past the rejected tags (acks keep coalescing).
    const spec = [...(a as any).subscriptions][0];
    expect(spec.acker.done.size).toBe(0);
  } finally {
    await connection.close().catch(() => undefined);
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 2: a broker nack fails only that publish; a closed publisher channel is replaced on the live connection", async () => {
  const event = `Nacked_${run}`;
  const other = `Other_${run}`;
  const full = `fx.full.${event}`;
  const a = adapter({ publishWaitMs: 800 });
  await a.connect();
  const { connection, channel } = await rawChannel();
  try {
    await channel.assertQueue(full, { arguments: { "x-max-length": 1, "x-overflow": "reject-publish" } });
    await channel.bindQueue(full, "rohas", event);
    await a.publish(event, 1);
    await expect(a.publish(event, 2)).rejects.toMatchObject({ code: "adapter/publish-failed" });
    // Unrelated publishes still go out, at once (they failed with adapter/disconnected before).
    const started = Date.now();
    for (let i = 0; i < 3; i++) await a.publish(other, i);
    expect(Date.now() - started).toBeLessThan(500);
    // The publisher channel really closes (a channel error: unknown exchange): a new one is opened.
    const publisher = (a as any).publisher;
    await expect(new Promise((resolve, reject) => publisher.publish("no-such-exchange-" + run, "x", Buffer.from("1"), {}, (e: unknown) => (e ? reject(e) : resolve(undefined))))).rejects.toBeDefined();
    await a.publish(other, 4);
    expect((a as any).publisher).not.toBe(publisher);
  } finally {
    await channel.deleteQueue(full).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await a.close();
  }
}, 30_000);

test.skipIf(!available)("fix 3: an existing queue without the dead-letter arguments is used as it is (406 falls back to checkQueue)", async () => {
  const event = `Precondition_${run}`;
  const { connection, channel } = await rawChannel();
  await channel.assertQueue(`rohas.fx.${event}`, { durable: true });
  const a = adapter();
  await a.connect();
  const got: unknown[] = [];
  try {
    await a.subscribe(event, async (m) => void got.push(m.payload), { group: "fx" });
    await a.publish(event, 1);
    await until(() => got.length === 1);
    expect(got).toEqual([1]);
  } finally {
    await connection.close().catch(() => undefined);
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 3: a subscribe that fails is not kept, and the connection survives the channel error", async () => {
  const event = `Locked_${run}`;
  const { connection, channel } = await rawChannel();
  // Exclusive to another connection: assertQueue fails with 405 RESOURCE_LOCKED (a channel error).
  await channel.assertQueue(`rohas.fx.${event}`, { exclusive: true });
  const a = adapter();
  await a.connect();
  try {
    await expect(a.subscribe(event, async () => undefined, { group: "fx" })).rejects.toBeDefined();
    expect((a as any).subscriptions.size).toBe(0);
    await a.publish(`Other_${run}`, 1);
    expect((a as any).connection).toBeDefined();
  } finally {
    await connection.close().catch(() => undefined);
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 3: a consumer channel closed by a channel error is consumed again on the live connection", async () => {
  const event = `ChannelError_${run}`;
  const a = adapter();
  await a.connect();
  const got: unknown[] = [];
  try {
    await a.subscribe(event, async (m) => void got.push(m.payload), { group: "fx" });
    const spec = [...(a as any).subscriptions][0];
    const before = spec.channel;
    const connection = (a as any).connection;
    await expect(before.checkQueue(`no-such-queue-${run}`)).rejects.toBeDefined(); // 404 closes the channel
    await until(() => spec.channel !== before, 5_000);
    await a.publish(event, 1);
    await until(() => got.length === 1);
    expect(got).toEqual([1]);
    expect((a as any).connection).toBe(connection); // not by a whole reconnect
  } finally {
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 5: a publisher's x- headers are kept; only x-rohas-*, x-death, x-first/last-death-* and x-delivery-count are stripped", async () => {
  const event = `Headers_${run}`;
  const a = adapter();
  await a.connect();
  const seen: Record<string, string>[] = [];
  try {
    await a.subscribe(
      event,
      async (m) => {
        seen.push(m.headers);
        if (m.attempt === 1) throw new Error("once more"); // the retry comes back through the retry queue with x-death
      },
      { group: "fx", retry: { maxAttempts: 3, backoffMs: 20 } },
    );
    await a.publish(event, 1, { key: "k1", headers: { "x-request-id": "r1", "x-tenant": "t", plain: "p" } });
    await until(() => seen.length === 2);
    for (const h of seen) expect(h).toEqual({ "x-request-id": "r1", "x-tenant": "t", plain: "p" });
  } finally {
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 4: a handler that fails across a connection drop makes no retry copy: the broker redelivers the original once", async () => {
  const event = `DropRetry_${run}`;
  const a = adapter({ publishWaitMs: 10_000 });
  await a.connect();
  const attempts: number[] = [];
  let dropped = false;
  try {
    await a.subscribe(
      event,
      async (m) => {
        attempts.push(m.attempt);
        if (dropped) return;
        dropped = true;
        // Drop the client socket (not the broker) while this handler runs, then fail.
        setTimeout(() => (a as any).connection.connection.stream.destroy(), 50);
        await Bun.sleep(1_500);
        throw new Error("fails once");
      },
      { group: "fx", retry: { maxAttempts: 5, backoffMs: 50 } },
    );
    await a.publish(event, 1);
    await until(() => attempts.length >= 2, 10_000);
    await Bun.sleep(2_000); // a retry copy (attempt 2) would arrive within this
    expect(attempts).toEqual([1, 1]);
  } finally {
    await a.close();
    await cleanup(event, "fx");
  }
}, 30_000);

test.skipIf(!available)("fix 6: close() leaves no drain timer behind: the process exits as soon as the handlers finished", async () => {
  const event = `Exit_${run}`;
  const script = `
    import { RabbitAdapter } from ${JSON.stringify(`${import.meta.dir}/adapter.ts`)};
    const a = new RabbitAdapter({ url: ${JSON.stringify(URL)}, connectTimeoutMs: 3000, drainTimeoutMs: 8000, publishWaitMs: 3000 });
    await a.connect();
    await a.subscribe(${JSON.stringify(event)}, async () => { await Bun.sleep(300); }, { group: "fx" });
    await a.publish(${JSON.stringify(event)}, 1);
    await Bun.sleep(100);
    await a.close();
  `;
  try {
    const started = Date.now();
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "inherit", stderr: "inherit" });
    const code = await child.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000); // not the 8 s drain timeout
  } finally {
    await cleanup(event, "fx");
  }
}, 30_000);
