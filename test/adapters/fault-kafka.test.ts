import { KafkaAdapter } from "../../plugins/adapter-kafka/adapter.ts";
import { faultTest } from "./fault.ts";

await faultTest("kafka", {
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
