/** adapter-nats: NATS JetStream (`[adapter] type = "nats"`; `url` default nats://127.0.0.1:4222). */
import type { RohasPlugin } from "../../core/plugin.ts";
import { NatsAdapter } from "./adapter.ts";

export { NatsAdapter } from "./adapter.ts";

const adapterNats: RohasPlugin = {
  name: "adapter-nats",
  apply(rohas) {
    rohas.hooks.createAdapter.for("nats").tap("adapter-nats", (ctx) => {
      return new NatsAdapter({
        url: String(ctx.options.url ?? "nats://127.0.0.1:4222"),
        ackWaitMs: Number(ctx.options.ack_wait_ms ?? 30_000),
        connectTimeoutMs: Number(ctx.options.connect_timeout_ms ?? 3_000),
        drainTimeoutMs: Number(ctx.options.drain_timeout_ms ?? rohas.config.server.shutdown_timeout_ms),
      });
    });
  },
};

export default adapterNats;
