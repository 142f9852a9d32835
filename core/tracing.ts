/**
 * W3C trace context: ids, `traceparent` parsing and formatting. Spans are
 * plain records handed to the `record` hook; this module only builds them.
 */
import type { AttributeValue, SpanKind, SpanRecord } from "./telemetry.ts";

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const HEX = "0123456789abcdef";

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (let i = 0; i < buf.length; i++) out += HEX[buf[i]! >> 4]! + HEX[buf[i]! & 15]!;
  return out;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}

export function formatTraceparent(ctx: { traceId: string; spanId: string; sampled?: boolean }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled === false ? "00" : "01"}`;
}

/** A span being timed. `end` produces the record; call it exactly once. */
export class ActiveSpan {
  readonly spanId = newSpanId();
  readonly traceId: string;
  readonly startTime = Date.now();
  private readonly startMark = performance.now();
  readonly attributes: Record<string, AttributeValue> = {};

  constructor(
    readonly name: string,
    readonly kind: SpanKind,
    readonly parent?: { traceId: string; spanId?: string },
  ) {
    this.traceId = parent?.traceId ?? newTraceId();
  }

  get context(): TraceContext {
    return { traceId: this.traceId, spanId: this.spanId, sampled: true };
  }

  set(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }

  end(error?: unknown): SpanRecord {
    const record: SpanRecord = {
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parent?.spanId,
      name: this.name,
      kind: this.kind,
      startTime: this.startTime,
      durationMs: performance.now() - this.startMark,
      status: error === undefined ? "ok" : "error",
      attributes: this.attributes,
    };
    if (error !== undefined) record.error = describeError(error);
    return record;
  }
}

export function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const typed = error as Error & { errorType?: string; stackText?: string };
    return { type: typed.errorType ?? error.name, message: error.message, stack: typed.stackText ?? error.stack };
  }
  return { type: typeof error, message: String(error) };
}
