/** adapter-kafka: Apache Kafka via kafkajs (`[adapter] type = "kafka"`; `brokers` default ["127.0.0.1:9092"], `topic_prefix` default "rohas."). */
import type { RohasPlugin } from "../../core/plugin.ts";
import { KafkaAdapter } from "./adapter.ts";

export { KafkaAdapter } from "./adapter.ts";

const adapterKafka: RohasPlugin = {
  name: "adapter-kafka",
  apply(rohas) {
    rohas.hooks.createAdapter.for("kafka").tap("adapter-kafka", (ctx) => {
      const o = ctx.options;
      const brokers = Array.isArray(o.brokers) ? o.brokers.map(String) : String(o.brokers ?? "127.0.0.1:9092").split(",");
      return new KafkaAdapter({
        brokers,
        clientId: String(o.client_id ?? rohas.config.project.name),
        createTopics: o.create_topics !== false,
        partitions: Number(o.partitions ?? 3),
        keyField: o.key_field === undefined ? undefined : String(o.key_field),
        connectTimeoutMs: Number(o.connect_timeout_ms ?? 3_000),
        sessionTimeoutMs: Number(o.session_timeout_ms ?? 10_000),
        drainTimeoutMs: Number(o.drain_timeout_ms ?? rohas.config.server.shutdown_timeout_ms),
        maxMessageBytes: Number(o.max_message_bytes ?? 1_048_588),
        // Passed as written (no String()): the adapter refuses a number or an empty string with
        // an error naming the key, where String() would quietly turn 5 into the prefix "5".
        topicPrefix: o.topic_prefix as string | undefined,
      });
    });
  },
};

export default adapterKafka;
