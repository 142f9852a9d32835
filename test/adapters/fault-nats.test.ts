import { expect, test } from "bun:test";
import { NatsAdapter } from "../../plugins/adapter-nats/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { restartBrokerMidStream } from "./fault.ts";

if (await brokerAvailable("nats", 4222)) {
  test("nats: 10,000 events with a broker restart in the middle are all handled at least once", async () => {
    const report = await restartBrokerMidStream({
      broker: "nats",
      port: 4222,
      create: async () => {
        const adapter = new NatsAdapter({ url: "nats://127.0.0.1:4222", ackWaitMs: 5_000, connectTimeoutMs: 3_000 });
        await adapter.connect();
        return adapter;
      },
    });
    expect(report.missing).toEqual([]);
    expect(report.handled).toBe(report.events);
  }, 180_000);
}
