import { RabbitAdapter } from "../../plugins/adapter-rabbitmq/adapter.ts";
import { faultTest } from "./fault.ts";

await faultTest("rabbitmq", {
  broker: "rabbitmq",
  port: 5672,
  create: async () => {
    const adapter = new RabbitAdapter({ url: "amqp://guest:guest@127.0.0.1:5672", connectTimeoutMs: 3_000, drainTimeoutMs: 300, publishWaitMs: 10_000 });
    await adapter.connect();
    return adapter;
  },
});
