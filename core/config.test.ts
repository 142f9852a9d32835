import { describe, expect, test } from "bun:test";
import { adapterType, builtinPluginNames, telemetryType } from "./apply-config.ts";
import { defaultConfig, parseConfig } from "./config.ts";

describe("config", () => {
  test("defaults apply to every section when the file is nearly empty", () => {
    const { config, diagnostics } = parseConfig('[project]\nname = "x"\n', "config/rohas.toml");
    expect(diagnostics).toEqual([]);
    expect(config.project).toMatchObject({ name: "x", language: "typescript", schema_dir: "schema" });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 3000, enable_cors: false });
    expect(config.adapter).toMatchObject({ type: "memory", buffer_size: 1000 });
    expect(config.events).toMatchObject({ max_attempts: 3 });
    expect(config.telemetry).toMatchObject({ type: "lmdb", path: ".rohas/telemetry" });
  });

  test("a Rohas v0.1.0 config loads unchanged, including adapter-specific keys", () => {
    const text = [
      "[project]",
      'name = "ecommerce-order-system"',
      'version = "0.1.0"',
      'language = "python"',
      "[server]",
      'host = "127.0.0.1"',
      "port = 4401",
      "enable_cors = true",
      "[adapter]",
      'type = "sqs"',
      'region = "us-east-1"',
      'queue_prefix = "shop-"',
      "[telemetry]",
      'type = "rocksdb"',
      'path = ".rohas/telemetry"',
      "retention_days = 30",
      "max_cache_size = 1000",
      "enable_metrics = true",
      "enable_logs = true",
      "enable_traces = true",
      "[workbench]",
      "allowed_origins = []",
      'api_key = "FRmz/+AjTYCUFlBMio479A=="',
    ].join("\n");
    const { config, diagnostics } = parseConfig(text, "config/rohas.toml");
    expect(diagnostics).toEqual([]);
    expect(config.adapter).toMatchObject({ type: "sqs", region: "us-east-1", queue_prefix: "shop-" });
    expect(telemetryType(config)).toBe("lmdb");
    expect(adapterType(config)).toBe("sqs");
    expect(builtinPluginNames(config, "serve")).toEqual(
      expect.arrayContaining(["adapter-sqs", "runtime-python", "telemetry-lmdb", "server-elysia", "scheduler-cron"]),
    );
  });

  test("unknown sections and keys are warnings on their line; bad values are errors", () => {
    const { diagnostics } = parseConfig('[sever]\nport = 1\n\n[events]\nmax_attempts = 0\nretries = 2\n', "c.toml");
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ severity: "warning", code: "config/unknown-section", hint: "did you mean [server]?", span: expect.objectContaining({ start: expect.objectContaining({ line: 1 }) }) }),
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ severity: "warning", code: "config/unknown-key", span: expect.objectContaining({ start: expect.objectContaining({ line: 6 }) }) }),
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ severity: "error", code: "config/invalid-value", span: expect.objectContaining({ start: expect.objectContaining({ line: 5 }) }) }),
    );
  });

  test("[telemetry] max_spans_per_second: 1,000 by default, 0 allowed (never sample), negative refused", () => {
    expect(parseConfig("", "rohas.toml").config.telemetry.max_spans_per_second).toBe(1000);
    expect(parseConfig("[telemetry]\nmax_spans_per_second = 0\n", "rohas.toml").config.telemetry.max_spans_per_second).toBe(0);
    const bad = parseConfig("[telemetry]\nmax_spans_per_second = -5\n", "rohas.toml");
    expect(bad.diagnostics).toEqual([expect.objectContaining({ severity: "error", code: "config/invalid-value" })]);
  });

  test("TOML syntax errors are diagnostics, not exceptions", () => {
    const { config, diagnostics } = parseConfig("[server\nport = ", "c.toml");
    expect(diagnostics[0]).toMatchObject({ severity: "error", code: "config/syntax" });
    expect(config).toEqual(defaultConfig());
  });
});
