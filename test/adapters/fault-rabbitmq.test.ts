import { expect, test } from "bun:test";
import { RabbitAdapter } from "../../plugins/adapter-rabbitmq/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { restartBrokerMidStream } from "./fault.ts";

if (await brokerAvailable("rabbitmq", 5672)) {
  test("rabbitmq: 10,000 events with a broker restart in the middle are all handled at least once", async () => {
    const report = await restartBrokerMidStream({
      broker: "rabbitmq",
      port: 5672,
      create: async () => {
        const adapter = new RabbitAdapter({ url: "amqp://guest:guest@127.0.0.1:5672", connectTimeoutMs: 3_000, drainTimeoutMs: 300, publishWaitMs: 10_000 });
        await adapter.connect();
        return adapter;
      },
    });
    expect(report.missing).toEqual([]);
    expect(report.handled).toBe(report.events);
  }, 240_000);
}
