/**
 * Telemetry records flow through the `record` hook to stores (telemetry-lmdb
 * by default). Stores must not block: the hook is synchronous and a store
 * buffers and writes off the request path, dropping with a counter when full.
 */

export type SpanKind =
  | "http"
  | "websocket"
  | "cron"
  | "event"
  | "handler"
  | "middleware"
  | "publish"
  | "consume"
  | "internal";

export type AttributeValue = string | number | boolean;

export interface SpanError {
  type: string;
  message: string;
  stack?: string;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Epoch milliseconds (fractional). */
  startTime: number;
  durationMs: number;
  status: "ok" | "error";
  attributes: Record<string, AttributeValue>;
  error?: SpanError;
}

export interface LogRecord {
  time: number;
  level: "debug" | "info" | "warn" | "error";
  message: string;
  traceId?: string;
  spanId?: string;
  /** Handler or component that wrote it. */
  source?: string;
  attributes?: Record<string, unknown>;
}

export interface MetricRecord {
  time: number;
  name: string;
  kind: "counter" | "histogram";
  /** One observation (a counter's: how much to add). */
  value: number;
  /**
   * Several observations of one series batched by the engine (core/metric-batch.ts):
   * when present they are the record's observations and `value` is the first of them.
   */
  samples?: number[];
  /** Often one object shared by every record of a series: read it, never change it. */
  labels?: Record<string, string>;
}

export interface DeadLetterRecord {
  id: string;
  time: number;
  event: string;
  payload: unknown;
  headers: Record<string, string>;
  attempts: number;
  error: SpanError;
  /** Handlers that had not succeeded when the message was parked. */
  handlers: string[];
}

export type TelemetryRecord =
  | { type: "span"; span: SpanRecord }
  | { type: "log"; log: LogRecord }
  | { type: "metric"; metric: MetricRecord }
  | { type: "dead-letter"; deadLetter: DeadLetterRecord };
