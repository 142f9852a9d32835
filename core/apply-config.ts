/**
 * Turns config/rohas.toml into the list of built-in plugins to apply, as
 * webpack's WebpackOptionsApply does. Which plugin provides what is decided
 * here, by name only.
 */
import type { RohasConfig } from "./config.ts";

export type PipelineStage = "validate" | "generate" | "serve";

const ADAPTER_ALIASES: Record<string, string> = { rocksdb: "lmdb", aws: "sqs", jetstream: "nats" };
const TELEMETRY_ALIASES: Record<string, string> = { rocksdb: "lmdb" };

export function adapterType(config: RohasConfig): string {
  const type = String(config.adapter.type ?? "memory").toLowerCase();
  return ADAPTER_ALIASES[type] ?? type;
}

export function telemetryType(config: RohasConfig): string {
  const type = config.telemetry.type.toLowerCase();
  return TELEMETRY_ALIASES[type] ?? type;
}

/** Names of built-in plugins (keys of the registry) needed for a stage. */
export function builtinPluginNames(config: RohasConfig, stage: PipelineStage): string[] {
  const names: string[] = [];
  if (stage === "generate") names.push("codegen-typescript", "codegen-python");
  if (stage === "serve") {
    names.push(`adapter-${adapterType(config)}`);
    names.push("runtime-bun");
    if (config.project.language === "python") names.push("runtime-python");
    if (config.telemetry.enable_traces || config.telemetry.enable_logs || config.telemetry.enable_metrics) {
      if (telemetryType(config) !== "none") names.push(`telemetry-${telemetryType(config)}`);
    }
    names.push("server-elysia", "scheduler-cron");
    if (config.workbench.enabled) names.push("workbench");
  }
  return names;
}
