import { KafkaAdapter } from "../../plugins/adapter-kafka/adapter.ts";
import { faultTest } from "./fault.ts";
import { kafkaTestOptions } from "./kafka-options.ts";

await faultTest("kafka", {
  broker: "kafka",
  port: 9092,
  create: async () => {
    const adapter = new KafkaAdapter({ ...kafkaTestOptions, clientId: "rohas-fault" });
    await adapter.connect();
    return adapter;
  },
});
