/**
 * `state` as handlers see it: a logger bound to the current span, and the
 * events the handler asked to publish. Also how log lines reach the terminal.
 */
import type { HandlerState, Logger, LogLevel } from "./runtime.ts";
import type { LogRecord, TelemetryRecord } from "./telemetry.ts";
import { newSpanId, newTraceId, type SpanParent, type SpanStart, type TraceContext } from "./tracing.ts";

interface Recorder {
  record(record: TelemetryRecord): void;
}

/**
 * One handler call's trace position and clock: its span is built only when it
 * is recorded (a sampled trace, or a failure), so the usual call of an
 * unsampled trace allocates no span at all. The span, when built, takes this
 * state's span id, so log lines, the span and what the call publishes agree.
 */
export class InvocationState implements HandlerState, SpanStart {
  readonly traceId: string;
  readonly sampled: boolean;
  private id?: string;
  /** `triggerEvent` calls, published after the handler returns (created on first use: most handlers never call it). */
  emitted?: [string, unknown][];
  /** `setPayload` overrides for the schema's triggers. */
  overrides?: Map<string, unknown>;
  private cachedLogger?: Logger;

  constructor(
    private readonly recorder: Recorder,
    /** What the call's span starts under (a context, or the parent span itself). */
    readonly parent: SpanParent | undefined,
    private readonly source: string,
    /** Whether the call is timed (`startMark` is a performance.now() reading). */
    readonly timed: boolean,
    readonly startMark: number,
  ) {
    this.traceId = parent?.traceId ?? newTraceId();
    this.sampled = parent?.sampled ?? true;
  }

  /** Made on first use: most calls of unsampled traces never need one. */
  get spanId(): string {
    return (this.id ??= newSpanId());
  }

  /** Milliseconds since the call started, read now. */
  elapsed(): number {
    return performance.now() - this.startMark;
  }

  /** Built on first use: most handler calls never log. */
  get logger(): Logger {
    if (this.cachedLogger) return this.cachedLogger;
    const log = (level: LogLevel) => (message: string, attributes?: Record<string, unknown>) =>
      this.recorder.record({
        type: "log",
        log: { time: Date.now(), level, message: String(message), traceId: this.traceId, spanId: this.spanId, source: this.source, attributes },
      });
    return (this.cachedLogger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") });
  }

  get context(): TraceContext {
    return { traceId: this.traceId, spanId: this.spanId, sampled: this.sampled };
  }

  triggerEvent(name: string, payload: unknown): void {
    (this.emitted ??= []).push([name, payload]);
  }

  setPayload(eventName: string, payload: unknown): void {
    (this.overrides ??= new Map()).set(eventName, payload);
  }
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.ROHAS_LOG_LEVEL as LogLevel) ?? "info"] ?? LEVELS.info;

/** One line per log record on the terminal: time, level, source, message (and a stack when there is one). */
export function printLog(log: LogRecord): void {
  if (LEVELS[log.level] < threshold) return;
  const time = new Date(log.time).toISOString().slice(11, 23);
  const line = `${time} ${log.level.toUpperCase().padEnd(5)} ${log.source ?? "app"}: ${log.message}`;
  const stack = typeof log.attributes?.stack === "string" ? `\n${log.attributes.stack}` : "";
  if (log.level === "error" || log.level === "warn") process.stderr.write(line + stack + "\n");
  else process.stdout.write(line + "\n");
}
