/**
 * telemetry-lmdb: the default telemetry store (`[telemetry] type = "lmdb"`,
 * or v0.1.0's "rocksdb"), under `<project>/.rohas/telemetry`.
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
    const store = new TelemetryStore({
      path: isAbsolute(t.path) ? t.path : join(rohas.projectDir, t.path),
      maxCacheSize: t.max_cache_size,
      retentionDays: t.retention_days,
      enableTraces: t.enable_traces,
      enableLogs: t.enable_logs,
      enableMetrics: t.enable_metrics,
    });
    setTelemetryQuery(rohas, store);
    rohas.hooks.record.tap("telemetry-lmdb", (record) => store.record(record));
    rohas.onShutdown("telemetry-lmdb", () => store.close());
  },
};

export default telemetryLmdb;
