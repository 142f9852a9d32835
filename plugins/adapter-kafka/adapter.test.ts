import { describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import type { Message } from "../../core/adapter.ts";
import { brokerAvailable } from "../../test/adapters/broker.ts";
import { kafkaTestOptions } from "../../test/adapters/kafka-options.ts";
import { KafkaAdapter } from "./adapter.ts";

const available = await brokerAvailable("kafka", 9092);
const unique = (name: string) => `${name}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await Bun.sleep(20);
}

describe.skipIf(!available)("kafka adapter robustness", () => {
  test("a message that is not JSON is dead-lettered with its raw text and the ones after it still run", async () => {
    const adapter = new KafkaAdapter({ ...kafkaTestOptions, partitions: 1 });
    await adapter.connect();
    const event = unique("KPoison");
    const seen: unknown[] = [];
    const dead: { message: Message; error: unknown }[] = [];
    await adapter.subscribe(event, async (m) => void seen.push(m.payload), {
      group: "g",
      retry: { maxAttempts: 2, backoffMs: 20 },
      onDeadLetter: (message, error) => void dead.push({ message, error }),
    });
    const raw = new Kafka({ brokers: kafkaTestOptions.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    try {
      await raw.send({ topic: `rohas.${event}`, messages: [{ value: "not json {" }] });
      await adapter.publish(event, { ok: 1 });
      await adapter.publish(event, { ok: 2 });
      await until(() => seen.length >= 2, 20_000);
      await Bun.sleep(200);
      expect(seen).toEqual([{ ok: 1 }, { ok: 2 }]);
      expect(dead.length).toBe(1);
      expect(dead[0]!.message.payload).toBe("not json {");
      expect(String(dead[0]!.error)).toMatch(/not JSON/);
    } finally {
      await raw.disconnect();
      await adapter.close();
    }
  }, 60_000);
});
