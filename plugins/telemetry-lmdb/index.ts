/**
 * telemetry-lmdb: the default telemetry store (`[telemetry] type = "lmdb"`,
 * or v0.1.0's "rocksdb"), under `<project>/.rohas/telemetry` (`[telemetry] path`).
 * It taps `record` and registers its query object for the Workbench.
 */
import { isAbsolute, join } from "node:path";
import type { RohasPlugin } from "../../core/plugin.ts";
import { setTelemetryQuery } from "../../core/telemetry-query.ts";
import { TelemetryStore } from "./store.ts";

export { TelemetryStore } from "./store.ts";

const telemetryLmdb: RohasPlugin = {
  name: "telemetry-lmdb",
  apply(rohas) {
    const t = rohas.config.telemetry;
    const path = isAbsolute(t.path) ? t.path : join(rohas.projectDir, t.path);
    let store: TelemetryStore;
    try {
      store = new TelemetryStore({
        path,
        maxCacheSize: t.max_cache_size,
        retentionDays: t.retention_days,
        maxSpansPerSecond: t.max_spans_per_second,
        enableTraces: t.enable_traces,
        enableLogs: t.enable_logs,
        enableMetrics: t.enable_metrics,
      });
    } catch (error) {
      // Telemetry never stops the application: run without it, and say why.
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`warning: telemetry is off: cannot open the store at ${path}: ${reason}\n`);
      return;
    }
    setTelemetryQuery(rohas, store);
    rohas.hooks.sampleTrace.tap("telemetry-lmdb", (traceId) => store.sampleTrace(traceId));
    rohas.hooks.record.tap("telemetry-lmdb", (record) => store.record(record));
    rohas.onShutdown("telemetry-lmdb", () => store.close());
  },
};

export default telemetryLmdb;
