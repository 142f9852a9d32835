import { expect, test } from "bun:test";
import { KafkaAdapter } from "../../plugins/adapter-kafka/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { restartBrokerMidStream } from "./fault.ts";

if (await brokerAvailable("kafka", 9092)) {
  test("kafka: 10,000 events with a broker restart in the middle are all handled at least once", async () => {
    const report = await restartBrokerMidStream({
      broker: "kafka",
      port: 9092,
      create: async () => {
        const adapter = new KafkaAdapter({
          brokers: ["127.0.0.1:9092"],
          clientId: "rohas-fault",
          createTopics: true,
          partitions: 3,
          connectTimeoutMs: 3_000,
          sessionTimeoutMs: 6_000,
          drainTimeoutMs: 300,
          maxMessageBytes: 1_048_588,
        });
        await adapter.connect();
        return adapter;
      },
    });
    expect(report.missing).toEqual([]);
    expect(report.handled).toBe(report.events);
  }, 240_000);
}
