/** adapter-sqs: SQS or an SQS-compatible server (`[adapter] type = "sqs"`; `endpoint` default http://127.0.0.1:9324). */
import type { RohasPlugin } from "../../core/plugin.ts";
import { SqsAdapter } from "./adapter.ts";

export { SqsAdapter } from "./adapter.ts";

const adapterSqs: RohasPlugin = {
  name: "adapter-sqs",
  apply(rohas) {
    rohas.hooks.createAdapter.for("sqs").tap("adapter-sqs", (ctx) => {
      const o = ctx.options;
      return new SqsAdapter({
        // "aws" means the real service: no endpoint override.
        endpoint: o.endpoint === "aws" ? undefined : String(o.endpoint ?? "http://127.0.0.1:9324"),
        region: String(o.region ?? "us-east-1"),
        queuePrefix: String(o.queue_prefix ?? `${rohas.config.project.name}-`),
        visibilityTimeout: Number(o.visibility_timeout ?? 30),
        waitTimeSeconds: Number(o.wait_time_seconds ?? 10),
        connectTimeoutMs: Number(o.connect_timeout_ms ?? 3_000),
        drainTimeoutMs: Number(o.drain_timeout_ms ?? rohas.config.server.shutdown_timeout_ms),
        // Unset keys keep the adapter's own defaults (10 per batch, 16 batches in flight, receivers by concurrency).
        batchSize: o.batch_size === undefined ? undefined : Number(o.batch_size),
        batchConcurrency: o.batch_concurrency === undefined ? undefined : Number(o.batch_concurrency),
        receivers: o.receivers === undefined ? undefined : Number(o.receivers),
      });
    });
  },
};

export default adapterSqs;
