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

/*
 * Ids on the hot path: a random per-process prefix plus a counter is unique
 * and far cheaper than 8–16 fresh random bytes for every span.
 */
const spanPrefix = randomHex(4);
const tracePrefix = randomHex(10);
let spanCounter = 0;
let traceCounter = 0;

const hex8 = (n: number): string => (0x100000000 + (n >>> 0)).toString(16).slice(1);
export const newTraceId = (): string => tracePrefix + hex8(Date.now() / 1000) + hex8(++traceCounter).slice(4);
export const newSpanId = (): string => spanPrefix + hex8(++spanCounter);

const isLowerHex = (s: string, from: number, to: number): boolean => {
  let nonZero = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    if (c !== 48) nonZero = true;
  }
  return nonZero;
};

/** `00-<32 hex trace>-<16 hex span>-<2 hex flags>`; parsed by hand because it runs for every message. */
export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  if (!header) return undefined;
  let h = header.length === 55 ? header : header.trim();
  if (h.length !== 55) return undefined;
  if (h !== h.toLowerCase()) h = h.toLowerCase();
  if (h[2] !== "-" || h[35] !== "-" || h[52] !== "-" || !h.startsWith("00")) return undefined;
  if (!isLowerHex(h, 3, 35) || !isLowerHex(h, 36, 52)) return undefined;
  const flags = parseInt(h.slice(53), 16);
  if (Number.isNaN(flags)) return undefined;
  return { traceId: h.slice(3, 35), spanId: h.slice(36, 52), sampled: (flags & 1) === 1 };
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
