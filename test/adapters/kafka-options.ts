import type { KafkaAdapterOptions } from "../../plugins/adapter-kafka/adapter.ts";

/** The Kafka adapter as the tests run it against scripts/brokers' broker. */
export const kafkaTestOptions: KafkaAdapterOptions = {
  brokers: ["127.0.0.1:9092"],
  clientId: "rohas-test",
  createTopics: true,
  partitions: 3,
  connectTimeoutMs: 3_000,
  // The broker's minimum: a consumer that died is noticed within this.
  sessionTimeoutMs: 6_000,
  drainTimeoutMs: 300,
  maxMessageBytes: 1_048_588,
};
