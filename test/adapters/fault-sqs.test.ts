import { expect, test } from "bun:test";
import { SqsAdapter } from "../../plugins/adapter-sqs/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { restartBrokerMidStream } from "./fault.ts";

if (await brokerAvailable("elasticmq", 9324)) {
  test("sqs (ElasticMQ): 10,000 events with a broker restart in the middle are all handled at least once", async () => {
    const report = await restartBrokerMidStream({
      broker: "elasticmq",
      port: 9324,
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
    expect(report.missing).toEqual([]);
    expect(report.handled).toBe(report.events);
  }, 240_000);
}
