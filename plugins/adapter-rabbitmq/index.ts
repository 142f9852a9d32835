/** adapter-rabbitmq: RabbitMQ via amqplib (`[adapter] type = "rabbitmq"`; `url` default amqp://guest:guest@127.0.0.1:5672). */
import type { RohasPlugin } from "../../core/plugin.ts";
import { RabbitAdapter } from "./adapter.ts";

export { RabbitAdapter } from "./adapter.ts";

const adapterRabbitmq: RohasPlugin = {
  name: "adapter-rabbitmq",
  apply(rohas) {
    rohas.hooks.createAdapter.for("rabbitmq").tap("adapter-rabbitmq", (ctx) => {
      return new RabbitAdapter({
        url: String(ctx.options.url ?? "amqp://guest:guest@127.0.0.1:5672"),
        connectTimeoutMs: Number(ctx.options.connect_timeout_ms ?? 3_000),
        drainTimeoutMs: Number(ctx.options.drain_timeout_ms ?? rohas.config.server.shutdown_timeout_ms),
        publishWaitMs: Number(ctx.options.publish_wait_ms ?? 10_000),
      });
    });
  },
};

export default adapterRabbitmq;
