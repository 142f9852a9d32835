import { NatsAdapter } from "../../plugins/adapter-nats/adapter.ts";
import { faultTest } from "./fault.ts";

await faultTest("nats", {
  broker: "nats",
  port: 4222,
  create: async () => {
    const adapter = new NatsAdapter({ url: "nats://127.0.0.1:4222", ackWaitMs: 5_000, connectTimeoutMs: 3_000 });
    await adapter.connect();
    return adapter;
  },
});
