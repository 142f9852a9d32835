// Dead letters stay in their consumer group: each group queue dead-letters into rohas.dlx with
// its own routing key, and only that group's DLQ is bound with it. Checked against the broker.
import { expect, test } from "bun:test";
import amqp from "amqplib";
import { brokerAvailable, until, unique } from "../../test/adapters/broker.ts";
import { RabbitAdapter } from "./adapter.ts";
import { withTeardown } from "./test-support.ts";

const URL = "amqp://guest:guest@127.0.0.1:5672";
// In CI an unreachable broker fails the run; elsewhere these tests are skipped with the command to start it.
const available = await brokerAvailable("rabbitmq", 5672);

function adapter(): RabbitAdapter {
  return new RabbitAdapter({ url: URL, connectTimeoutMs: 3_000, drainTimeoutMs: 1_000, publishWaitMs: 3_000 });
}

async function broker() {
  const connection = await amqp.connect(URL);
  const channel = await connection.createChannel();
  return { connection, channel, count: async (queue: string) => (await channel.checkQueue(queue)).messageCount };
}

async function cleanup(event: string, groups: string[]): Promise<void> {
  const { connection, channel } = await broker();
  for (const group of groups) {
    const q = `rohas.${group}.${event}`;
    for (const name of [q, `${q}.dlq`, `${q}.retry`]) await channel.deleteQueue(name).catch(() => undefined);
  }
  await connection.close().catch(() => undefined);
}

test.skipIf(!available)("a dead letter of one group lands in that group's DLQ only; the other group's DLQ stays empty", () => withTeardown(async (t) => {
  const event = unique("DeadLetterGroups");
  t.defer(() => cleanup(event, ["a", "b"]));
  const a = t.add(adapter());
  await a.connect();
  const handledB: unknown[] = [];
  const deadA: unknown[] = [];
  const deadB: unknown[] = [];
  const { connection, count } = await broker();
  t.add(connection);
  await a.subscribe(event, async () => Promise.reject(new Error("always")), {
    group: "a",
    retry: { maxAttempts: 2, backoffMs: 20 },
    onDeadLetter: (m) => void deadA.push(m.payload),
  });
  await a.subscribe(event, async (m) => void handledB.push(m.payload), { group: "b", onDeadLetter: (m) => void deadB.push(m.payload) });
  await a.publish(event, { n: 1 });
  await until(() => deadA.length === 1 && handledB.length === 1, 10_000, "group a's dead letter and group b's handling");
  // Time for a stray copy to be routed (dead-lettering is asynchronous in the broker).
  await Bun.sleep(300);
  expect(deadA).toEqual([{ n: 1 }]);
  expect(handledB).toEqual([{ n: 1 }]);
  expect(deadB).toEqual([]);
  expect(await count(`rohas.a.${event}.dlq`)).toBe(1);
  expect(await count(`rohas.b.${event}.dlq`)).toBe(0);
}), 30_000);

test.skipIf(!available)("queues from before per-group dead-letter keys: a kept one still dead-letters into its own DLQ, a re-made one's DLQ stops getting its dead letters", () => withTeardown(async (t) => {
  const event = unique("DeadLetterLegacy");
  t.defer(() => cleanup(event, ["old", "new"]));
  const { connection, channel, count } = await broker();
  t.add(connection);
  // What the adapter used to declare: dead letters keyed by event name, every DLQ bound with it.
  await channel.assertExchange("rohas.dlx", "topic", { durable: true });
  await channel.assertQueue(`rohas.old.${event}`, { durable: true, deadLetterExchange: "rohas.dlx", deadLetterRoutingKey: event });
  for (const group of ["old", "new"]) {
    await channel.assertQueue(`rohas.${group}.${event}.dlq`, { durable: true });
    await channel.bindQueue(`rohas.${group}.${event}.dlq`, "rohas.dlx", event);
  }
  // Group "new" followed the migration note: its queue was deleted, the adapter makes it again.
  const a = t.add(adapter());
  await a.connect();
  const dead: string[] = [];
  for (const group of ["old", "new"]) {
    await a.subscribe(event, async () => Promise.reject(new Error("always")), {
      group,
      retry: { maxAttempts: 1, backoffMs: 20 },
      onDeadLetter: () => void dead.push(group),
    });
  }
  await a.publish(event, 1);
  await until(() => dead.length === 2, 10_000, "both groups' dead letters");
  await Bun.sleep(300);
  expect(dead.sort()).toEqual(["new", "old"]);
  expect(await count(`rohas.old.${event}.dlq`)).toBe(1);
  expect(await count(`rohas.new.${event}.dlq`)).toBe(1);
}), 30_000);
