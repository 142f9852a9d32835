/** adapter-nats: NATS JetStream (`[adapter] type = "nats"`; `url` default nats://127.0.0.1:4222). */
import type { RohasPlugin } from "../../core/plugin.ts";
import { NatsAdapter } from "./adapter.ts";

export { NatsAdapter } from "./adapter.ts";

const adapterNats: RohasPlugin = {
  name: "adapter-nats",
  apply(rohas) {
    rohas.hooks.createAdapter.for("nats").tap("adapter-nats", (ctx) => {
      const o = ctx.options;
      return new NatsAdapter({
        url: String(o.url ?? "nats://127.0.0.1:4222"),
        ackWaitMs: Number(o.ack_wait_ms ?? 30_000),
        connectTimeoutMs: Number(o.connect_timeout_ms ?? 3_000),
        drainTimeoutMs: Number(o.drain_timeout_ms ?? rohas.config.server.shutdown_timeout_ms),
        // Passed as written (no Number()): the adapter refuses a string or a negative with an
        // error naming the key, where Number("") would quietly mean 0, unlimited.
        maxAgeHours: o.max_age_hours as number | undefined,
        dlqMaxAgeHours: o.dlq_max_age_hours as number | undefined,
        maxBytes: o.max_bytes as number | undefined,
      });
    });
  },
};

export default adapterNats;
