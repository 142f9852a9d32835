/**
 * The store's layout in one LMDB environment. Keys use lmdb's ordered-binary
 * encoding (arrays sort element by element); values are JSON text.
 *
 *   traces         traceId → TraceSummary
 *   traceTime      [startTime, traceId]                 listing recent first, time filter
 *   traceStatus    [status, startTime, traceId]         status filter
 *   traceChunks    [traceId, instance, seq] → { s: spans, l: log keys }   one per trace per flush
 *   logs           [time, instance, seq] → LogRecord
 *   metrics        [name, bucketTime, labelKey] → MetricBucket (10 s buckets)
 *   metricNames    name → kind
 *   deadLetters    id → StoredDeadLetter
 *   deadLetterTime [time, id]
 *
 * One value per trace per flush (not per span) keeps the number of writes,
 * which is what a write costs most, at a handful per request.
 */
import { open, type RootDatabase } from "lmdb";
import type { StoredDeadLetter, TraceSummary } from "../../core/telemetry-query.ts";
import type { LogRecord, SpanRecord } from "../../core/telemetry.ts";
import { JsonTable, KeyIndex, type Key } from "./json-table.ts";
import type { MetricBucket } from "./metric-buckets.ts";

/** Sorts after every trace id and instance tag (all ASCII). */
export const HIGH = "\uffff";
export const DAY_MS = 86_400_000;

/** What one flush writes for one trace: its spans, and the keys of its log lines. */
export interface TraceChunk {
  s: SpanRecord[];
  l: Key[];
}

export interface Tables {
  root: RootDatabase;
  traces: JsonTable<TraceSummary, string>;
  traceTime: KeyIndex;
  traceStatus: KeyIndex;
  chunks: JsonTable<TraceChunk>;
  logs: JsonTable<LogRecord>;
  metrics: JsonTable<MetricBucket>;
  metricKinds: JsonTable<string, string>;
  deadLetters: JsonTable<StoredDeadLetter, string>;
  deadLetterTime: KeyIndex;
}

export function openTables(path: string): Tables {
  const root = open({ path, maxDbs: 16, compression: false });
  return {
    root,
    traces: new JsonTable(root, "traces"),
    traceTime: new KeyIndex(root, "traceTime"),
    traceStatus: new KeyIndex(root, "traceStatus"),
    chunks: new JsonTable(root, "traceChunks"),
    logs: new JsonTable(root, "logs"),
    metrics: new JsonTable(root, "metrics"),
    metricKinds: new JsonTable(root, "metricNames"),
    deadLetters: new JsonTable(root, "deadLetters"),
    deadLetterTime: new KeyIndex(root, "deadLetterTime"),
  };
}
