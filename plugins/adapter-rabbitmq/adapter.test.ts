import { expect, test } from "bun:test";
import amqp from "amqplib";
import { brokerAvailable } from "../../test/adapters/broker.ts";
import { RabbitAdapter } from "./adapter.ts";

const URL = "amqp://guest:guest@127.0.0.1:5672";
// Skipped with a message on a laptop without the broker; a failure in CI.
const available = await brokerAvailable("rabbitmq", 5672);

async function cleanup(event: string, group: string): Promise<void> {
  const connection = await amqp.connect(URL);
  const channel = await connection.createChannel();
  const q = `rohas.${group}.${event}`;
  for (const name of [q, `${q}.dlq`, `${q}.retry`]) await channel.deleteQueue(name).catch(() => undefined);
  await connection.close().catch(() => undefined);
}

// The prefetch is a multiple of the concurrency; the deliveries beyond it wait in the adapter.
test.skipIf(!available)("no more than `concurrency` handlers run at once, in delivery order, though more are prefetched", async () => {
  const adapter = new RabbitAdapter({ url: URL, connectTimeoutMs: 3_000, drainTimeoutMs: 1_000, publishWaitMs: 10_000 });
  await adapter.connect();
  const event = `Concurrency_${Date.now()}`;
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await adapter.subscribe(
    event,
    async (m) => {
      started.push(m.payload as number);
      most = Math.max(most, ++running);
      await Bun.sleep(5);
      running--;
    },
    { group: "c", concurrency: 3 },
  );
  try {
    await Promise.all(Array.from({ length: 60 }, (_, i) => adapter.publish(event, i)));
    const end = Date.now() + 20_000;
    while (started.length < 60 && Date.now() < end) await Bun.sleep(20);
    expect(started).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(most).toBe(3);
  } finally {
    await adapter.close();
    await cleanup(event, "c");
  }
});
