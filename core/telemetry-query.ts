/**
 * How readers (the Workbench) reach the telemetry store without importing it:
 * the store registers a query object for its Rohas instance.
 */
import type { DeadLetterRecord, LogRecord, MetricRecord, SpanRecord, TelemetryRecord } from "./telemetry.ts";

export interface TraceSummary {
  traceId: string;
  name: string;
  startTime: number;
  durationMs: number;
  status: "ok" | "error";
  spanCount: number;
}

export interface TraceFilter {
  limit?: number;
  status?: "ok" | "error";
  name?: string;
  since?: number;
  until?: number;
}

export interface LogFilter {
  limit?: number;
  level?: LogRecord["level"];
  traceId?: string;
  text?: string;
}

export interface TelemetryQuery {
  listTraces(filter?: TraceFilter): TraceSummary[];
  getTrace(traceId: string): { spans: SpanRecord[]; logs: LogRecord[] } | undefined;
  listLogs(filter?: LogFilter): LogRecord[];
  metrics(name?: string, since?: number): MetricRecord[];
  listDeadLetters(limit?: number): DeadLetterRecord[];
  getDeadLetter(id: string): DeadLetterRecord | undefined;
  /** Live feed of new records; returns an unsubscribe function. */
  subscribe(listener: (record: TelemetryRecord) => void): () => void;
  /** Records dropped because the store was full or failing. */
  readonly dropped: number;
}

const queries = new WeakMap<object, TelemetryQuery>();

export function setTelemetryQuery(owner: object, query: TelemetryQuery): void {
  queries.set(owner, query);
}

export function getTelemetryQuery(owner: object): TelemetryQuery | undefined {
  return queries.get(owner);
}
