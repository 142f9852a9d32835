import { describe, expect, test } from "bun:test";
import { KafkaAdapter } from "../../plugins/adapter-kafka/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { conformance } from "./conformance.ts";
import { kafkaTestOptions } from "./kafka-options.ts";

const available = await brokerAvailable("kafka", 9092);
const options = kafkaTestOptions;

if (available) {
  conformance("kafka", {
    durable: true,
    ordered: false,
    redeliveryTimeoutMs: 40_000,
    async create() {
      const adapter = new KafkaAdapter(options);
      await adapter.connect();
      return adapter;
    },
  });

  describe("kafka adapter specifics", () => {
    test("messages with the same key keep their order (one partition per key)", async () => {
      const adapter = new KafkaAdapter({ ...options, keyField: "orderId" });
      await adapter.connect();
      const event = `Keyed_${Date.now()}`;
      const seen: number[] = [];
      await adapter.subscribe(event, async (m) => void seen.push((m.payload as { n: number }).n), { group: "g", concurrency: 3 });
      for (let n = 0; n < 30; n++) await adapter.publish(event, { orderId: "o-1", n });
      const end = Date.now() + 20_000;
      while (seen.length < 30 && Date.now() < end) await Bun.sleep(20);
      expect(seen).toEqual([...Array(30).keys()]);
      await adapter.close();
    }, 60_000);

    test("a payload over max.message.bytes is a clear error", async () => {
      const adapter = new KafkaAdapter(options);
      await adapter.connect();
      await expect(adapter.publish(`Big_${Date.now()}`, "x".repeat(1_100_000))).rejects.toThrow(/max\.message\.bytes/);
      await adapter.close();
    }, 30_000);
  });
}

describe("kafka adapter without a server", () => {
  test("connect to an unreachable broker fails fast naming it", async () => {
    const adapter = new KafkaAdapter({ ...options, brokers: ["127.0.0.1:1"], connectTimeoutMs: 1_000 });
    const started = Date.now();
    await expect(adapter.connect()).rejects.toThrow("cannot connect to Kafka at 127.0.0.1:1");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
