/**
 * The registry of built-in plugins by name. Imports are lazy so a project
 * pays only for the plugins its config selects (no kafkajs for a memory app).
 * core/apply-config.ts decides which names a config needs.
 */
import type { PluginRegistry } from "../core/plugin.ts";

const load = (m: Promise<{ default: unknown }>) => m.then((mod) => mod.default as never);

export const builtinPlugins: PluginRegistry = {
  "codegen-typescript": () => load(import("./codegen-typescript/index.ts")),
  "codegen-python": () => load(import("./codegen-python/index.ts")),
  "runtime-bun": () => load(import("./runtime-bun/index.ts")),
  "runtime-python": () => load(import("./runtime-python/index.ts")),
  "adapter-memory": () => load(import("./adapter-memory/index.ts")),
  "adapter-lmdb": () => load(import("./adapter-lmdb/index.ts")),
  "adapter-nats": () => load(import("./adapter-nats/index.ts")),
  "adapter-rabbitmq": () => load(import("./adapter-rabbitmq/index.ts")),
  "adapter-sqs": () => load(import("./adapter-sqs/index.ts")),
  "adapter-kafka": () => load(import("./adapter-kafka/index.ts")),
  "server-elysia": () => load(import("./server-elysia/index.ts")),
  "scheduler-cron": () => load(import("./scheduler-cron/index.ts")),
  "telemetry-lmdb": () => load(import("./telemetry-lmdb/index.ts")),
  workbench: () => load(import("./workbench/index.ts")),
};
