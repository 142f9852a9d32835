/**
 * How readers (the Workbench) reach the telemetry store without importing it:
 * the store registers a query object for its Rohas instance, readers look it
 * up. Every method is synchronous and cheap enough to call per HTTP request.
 */
import type { DeadLetterRecord, LogRecord, SpanRecord, TelemetryRecord } from "./telemetry.ts";

/** One trace as listed: named after its root span, timed from its first span to its last. */
export interface TraceSummary {
  traceId: string;
  name: string;
  kind: SpanRecord["kind"];
  startTime: number;
  durationMs: number;
  status: "ok" | "error";
  spanCount: number;
  errorCount: number;
  /** Set once the span without a parent arrived (spans are recorded as they end, the root last). */
  rootSpanId?: string;
}

export interface TraceFilter {
  /** At most this many (default 100, at most 1000). */
  limit?: number;
  status?: "ok" | "error";
  /** Case-insensitive substring of the trace name. */
  name?: string;
  /** Epoch ms, inclusive bounds on the trace's start. */
  since?: number;
  until?: number;
}

export interface TraceDetail {
  summary: TraceSummary;
  /** Sorted by start time. */
  spans: SpanRecord[];
  /** Sorted by time. */
  logs: LogRecord[];
}

export interface LogFilter {
  limit?: number;
  /** Minimum level: "warn" lists warnings and errors. */
  level?: LogRecord["level"];
  traceId?: string;
  /** Case-insensitive substring of the message or source. */
  text?: string;
  since?: number;
  until?: number;
}

export interface MetricQuery {
  /** One metric; all when absent. */
  name?: string;
  since?: number;
  until?: number;
  /** Width of a point; rounded up to the store's resolution. Chosen from the range when absent. */
  stepMs?: number;
}

export interface MetricPoint {
  /** Start of the interval, epoch ms. */
  time: number;
  /** Samples recorded (counter increments or histogram observations). */
  count: number;
  /** Sum of values (a counter's total). */
  sum: number;
  min: number;
  max: number;
  /** Histogram percentiles, estimated from fixed buckets. */
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface MetricSeries {
  name: string;
  kind: "counter" | "histogram";
  labels: Record<string, string>;
  /** Only intervals that had samples, oldest first. */
  points: MetricPoint[];
  /** The whole range as one interval (percentiles over all its samples). */
  total: MetricPoint;
}

export interface StoredDeadLetter extends DeadLetterRecord {
  /** When it was published again from the Workbench. */
  replays: { time: number }[];
}

export interface TelemetryStats {
  /** Records accepted and written. */
  written: number;
  /** Records dropped because the buffer was full or a write failed. */
  dropped: number;
  /** Traces not recorded because traffic was over the store's budget (whole traces are sampled). */
  sampled: number;
  /** Fraction of traces currently kept (1 below the budget). */
  sampleRatio: number;
  /** Records waiting for the next flush. */
  pending: number;
  flushes: number;
  writeErrors: number;
  lastError?: string;
  /** Where writes happen (e.g. "worker", "inline"), and why not the preferred place. */
  writer?: string;
  writerNote?: string;
}

export interface TelemetryQuery {
  listTraces(filter?: TraceFilter): TraceSummary[];
  getTrace(traceId: string): TraceDetail | undefined;
  listLogs(filter?: LogFilter): LogRecord[];
  metricNames(): string[];
  metricSeries(query?: MetricQuery): MetricSeries[];
  listDeadLetters(limit?: number): StoredDeadLetter[];
  getDeadLetter(id: string): StoredDeadLetter | undefined;
  /** Notes that a dead letter was published again (it stays listed, with its replays). */
  markReplayed(id: string, time?: number): Promise<void>;
  /**
   * Live feed: batches of new spans, logs and dead letters (no metrics), delivered
   * once written, so a reader that queries on notification finds them. Returns an
   * unsubscribe function.
   */
  subscribe(listener: (records: TelemetryRecord[]) => void): () => void;
  stats(): TelemetryStats;
}

const queries = new WeakMap<object, TelemetryQuery>();

/** `owner` is the Rohas instance (one store per application). */
export function setTelemetryQuery(owner: object, query: TelemetryQuery): void {
  queries.set(owner, query);
}

export function getTelemetryQuery(owner: object): TelemetryQuery | undefined {
  return queries.get(owner);
}
