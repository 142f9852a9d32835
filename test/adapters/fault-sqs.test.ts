import { SqsAdapter } from "../../plugins/adapter-sqs/adapter.ts";
import { faultTest } from "./fault.ts";

await faultTest("sqs (ElasticMQ)", {
  broker: "elasticmq",
  port: 9324,
  publishDuringOutage: false,
  create: async () => {
    const adapter = new SqsAdapter({
      endpoint: "http://127.0.0.1:9324",
      region: "us-east-1",
      queuePrefix: `fault-${Date.now().toString(36)}-`,
      visibilityTimeout: 5,
      waitTimeSeconds: 1,
      connectTimeoutMs: 3_000,
      drainTimeoutMs: 300,
    });
    await adapter.connect();
    return adapter;
  },
});
