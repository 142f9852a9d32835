/**
 * `config/rohas.toml`: defaults, TypeBox-checked values, and unknown keys
 * reported with their line. Key names follow Rohas v0.1.0 where they exist.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { Diagnostic } from "../grammar/ast.ts";
import { platform } from "./platform.ts";
import { suggest } from "./schema.ts";

const Project = Type.Object({
  name: Type.String({ default: "rohas-app" }),
  version: Type.String({ default: "0.1.0" }),
  language: Type.Union([Type.Literal("typescript"), Type.Literal("python"), Type.Literal("javascript")], { default: "typescript" }),
  schema_dir: Type.String({ default: "schema" }),
  src_dir: Type.String({ default: "src" }),
});

const Server = Type.Object({
  host: Type.String({ default: "127.0.0.1" }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  enable_cors: Type.Boolean({ default: false }),
  cors_origins: Type.Array(Type.String(), { default: ["*"] }),
  max_body_size: Type.Integer({ minimum: 1, default: 1_048_576 }),
  shutdown_timeout_ms: Type.Integer({ minimum: 0, default: 10_000 }),
  rate_limit_per_minute: Type.Integer({ minimum: 1, default: 600 }),
});

/** Adapter-specific keys (url, brokers, region, queue_prefix, …) are checked by the adapter plugin. */
const Adapter = Type.Object(
  {
    type: Type.String({ default: "memory" }),
    buffer_size: Type.Integer({ minimum: 1, default: 1000 }),
  },
  { additionalProperties: true },
);

const Events = Type.Object({
  max_attempts: Type.Integer({ minimum: 1, default: 3 }),
  backoff_ms: Type.Integer({ minimum: 0, default: 100 }),
  max_backoff_ms: Type.Integer({ minimum: 0, default: 5_000 }),
  concurrency: Type.Integer({ minimum: 1, default: 64 }),
  handler_timeout_ms: Type.Integer({ minimum: 0, default: 30_000 }),
});

const Cron = Type.Object({
  timezone: Type.String({ default: "UTC" }),
});

const Telemetry = Type.Object({
  /** "rocksdb" is accepted as a v0.1.0 alias of "lmdb". */
  type: Type.String({ default: "lmdb" }),
  path: Type.String({ default: ".rohas/telemetry" }),
  retention_days: Type.Number({ minimum: 0, default: 7 }),
  max_cache_size: Type.Integer({ minimum: 1, default: 1000 }),
  /** Spans written per second before new traces are sampled (0: never sample). See docs/decisions/012. */
  max_spans_per_second: Type.Integer({ minimum: 0, default: 1000 }),
  enable_metrics: Type.Boolean({ default: true }),
  enable_logs: Type.Boolean({ default: true }),
  enable_traces: Type.Boolean({ default: true }),
});

const Workbench = Type.Object({
  /** Off unless asked for: `rohas dev --workbench`, or `enabled = true` for `rohas start`. */
  enabled: Type.Boolean({ default: false }),
  api_key: Type.String({ default: "" }),
  allowed_origins: Type.Array(Type.String(), { default: [] }),
});

const Codegen = Type.Object({
  /** How DateTime fields are typed in generated TypeScript: ISO-8601 strings (as on the wire) or Date. */
  datetime: Type.Union([Type.Literal("string"), Type.Literal("date")], { default: "string" }),
});

const Python = Type.Object({
  interpreter: Type.String({ default: "" }),
  workers: Type.Integer({ minimum: 0, default: 0 }),
});

/** `[plugins]`: `name = "npm-package"` or `name = "./path/to/plugin.ts"`, or a table with `package`/`path` and `options`. */
const PluginEntry = Type.Union([
  Type.String(),
  Type.Object(
    {
      package: Type.Optional(Type.String()),
      path: Type.Optional(Type.String()),
      options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: false },
  ),
]);

export const RohasConfigSchema = Type.Object({
  project: Type.Object(Project.properties, { default: {}, additionalProperties: false }),
  server: Type.Object(Server.properties, { default: {}, additionalProperties: false }),
  adapter: Type.Object(Adapter.properties, { default: {}, additionalProperties: true }),
  events: Type.Object(Events.properties, { default: {}, additionalProperties: false }),
  cron: Type.Object(Cron.properties, { default: {}, additionalProperties: false }),
  telemetry: Type.Object(Telemetry.properties, { default: {}, additionalProperties: false }),
  workbench: Type.Object(Workbench.properties, { default: {}, additionalProperties: false }),
  python: Type.Object(Python.properties, { default: {}, additionalProperties: false }),
  codegen: Type.Object(Codegen.properties, { default: {}, additionalProperties: false }),
  plugins: Type.Record(Type.String(), PluginEntry, { default: {} }),
});

export type RohasConfig = Static<typeof RohasConfigSchema>;
export type PluginConfigEntry = Static<typeof PluginEntry>;

export interface LoadedConfig {
  config: RohasConfig;
  /** Absolute project root (the folder holding config/). */
  projectDir: string;
  /** Absolute path of the config file, or undefined when defaults were used. */
  file?: string;
  diagnostics: Diagnostic[];
}

export const CONFIG_PATH = "config/rohas.toml";

export function defaultConfig(): RohasConfig {
  return Value.Default(RohasConfigSchema, {}) as RohasConfig;
}

export async function loadConfig(projectDir: string): Promise<LoadedConfig> {
  const file = platform.join(projectDir, CONFIG_PATH);
  if (!(await platform.exists(file))) {
    return { config: defaultConfig(), projectDir, diagnostics: [] };
  }
  const text = await platform.readText(file);
  // Diagnostics name the file as the user would type it, like schema files.
  const display = platform.relative(process.cwd(), file) || file;
  return { ...parseConfig(text, display), projectDir, file };
}

export function parseConfig(text: string, file: string): { config: RohasConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  let raw: unknown;
  try {
    raw = platform.parseToml(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/i.exec(message)?.[1];
    diagnostics.push({
      severity: "error",
      code: "config/syntax",
      message: `invalid TOML: ${message}`,
      span: lineSpan(text, file, line ? Number(line) : 1),
    });
    return { config: defaultConfig(), diagnostics };
  }
  reportUnknownKeys(raw as Record<string, unknown>, text, file, diagnostics);
  const withDefaults = Value.Default(RohasConfigSchema, Value.Clone(raw)) as Record<string, unknown>;
  const cleaned = stripUnknown(withDefaults);
  for (const err of Value.Errors(RohasConfigSchema, cleaned)) {
    const parts = err.path.split("/").filter(Boolean);
    diagnostics.push({
      severity: "error",
      code: "config/invalid-value",
      message: `${parts.join(".")}: ${err.message} (found ${JSON.stringify(err.value)})`,
      span: keySpan(text, file, parts),
    });
  }
  return { config: cleaned as RohasConfig, diagnostics };
}

/** Tables whose keys are fixed; unknown keys there are reported as warnings with their line. */
function reportUnknownKeys(raw: Record<string, unknown>, text: string, file: string, out: Diagnostic[]): void {
  const sections = RohasConfigSchema.properties as Record<string, TSchema>;
  for (const [section, value] of Object.entries(raw ?? {})) {
    const sectionSchema = sections[section];
    if (!sectionSchema) {
      const hint = suggest(section, Object.keys(sections));
      out.push({
        severity: "warning",
        code: "config/unknown-section",
        message: `unknown section [${section}]`,
        span: keySpan(text, file, [section]),
        hint: hint ? `did you mean [${hint}]?` : `known sections: ${Object.keys(sections).join(", ")}`,
      });
      continue;
    }
    if (sectionSchema.additionalProperties !== false || !value || typeof value !== "object") continue;
    const known = Object.keys(sectionSchema.properties ?? {});
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const hint = suggest(key, known);
      out.push({
        severity: "warning",
        code: "config/unknown-key",
        message: `unknown key '${key}' in [${section}]`,
        span: keySpan(text, file, [section, key]),
        hint: hint ? `did you mean '${hint}'?` : `known keys: ${known.join(", ")}`,
      });
    }
  }
}

function stripUnknown(value: Record<string, unknown>): Record<string, unknown> {
  const sections = RohasConfigSchema.properties as Record<string, TSchema>;
  const out: Record<string, unknown> = {};
  for (const [section, schema] of Object.entries(sections)) {
    const v = value[section];
    if (schema.additionalProperties === false && v && typeof v === "object") {
      const known = Object.keys(schema.properties ?? {});
      out[section] = Object.fromEntries(Object.entries(v).filter(([k]) => known.includes(k)));
    } else {
      out[section] = v;
    }
  }
  return out;
}

/** Finds the line of `[section]` or of `key =` inside it, for diagnostics. */
function keySpan(text: string, file: string, path: string[]): Diagnostic["span"] {
  const lines = text.split("\n");
  let inSection = path.length === 0;
  let sectionLine = 1;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(trimmed);
    if (header) {
      inSection = header[1] === path[0];
      if (inSection) {
        sectionLine = i + 1;
        if (path.length === 1) return lineSpan(text, file, i + 1);
      }
      continue;
    }
    if (inSection && path[1] && new RegExp(`^"?${escapeRegex(path[1])}"?\\s*=`).test(trimmed)) {
      return lineSpan(text, file, i + 1);
    }
  }
  return lineSpan(text, file, sectionLine);
}

function lineSpan(text: string, file: string, line: number): Diagnostic["span"] {
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i]!.length + 1;
  const content = lines[line - 1] ?? "";
  const indent = content.length - content.trimStart().length;
  return {
    file,
    start: { offset: offset + indent, line, column: indent + 1 },
    end: { offset: offset + content.length, line, column: content.length + 1 },
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
