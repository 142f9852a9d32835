/**
 * W3C trace context: ids, `traceparent` parsing and formatting. Spans are
 * plain records handed to the `record` hook; this module only builds them.
 */
import { BYTE_HEX, counterIds, hex8, randomHex } from "./ids.ts";
import type { AttributeValue, SpanKind, SpanRecord } from "./telemetry.ts";

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const spanPrefix = randomHex(4);
const tracePrefix = randomHex(8);
let traceLow = 0;
let traceHigh = 0;
let traceHead = "";

export const newSpanId: () => string = counterIds(spanPrefix);

/** The id newTraceId returned last, and the numbers its random right half is made of (see traceHash). */
/* No id is empty: "" never matches a real id's shortcut. */
let lastTraceId = "\u0000";
let lastTraceHash: number | undefined;

export const newTraceId = (): string => {
  if (++traceLow > 0xffffffff) {
    traceLow = 0;
    traceHigh++;
    traceHead = "";
  }
  if ((traceLow & 255) === 0 || traceHead === "") traceHead = tracePrefix + hex8(traceHigh) + hex8(traceLow).slice(0, 6);
  lastTraceHash = undefined;
  return (lastTraceId = traceHead + BYTE_HEX[traceLow & 255]!);
};

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const mix = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};
/** FNV-1a over the 8 lowercase hex digits of `n`, as if they were characters. */
const fnvHex8 = (h: number, n: number): number => {
  for (let shift = 28; shift >= 0; shift -= 4) {
    const nibble = (n >>> shift) & 15;
    h ^= nibble < 10 ? 48 + nibble : 87 + nibble;
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
};

/**
 * A well-mixed 32-bit hash (FNV-1a, then murmur3's finaliser) of a trace id's
 * last 16 characters: W3C trace ids carry their randomness on the right, and
 * this process's ids count in their last digits. Samplers draw from it, so
 * processes sampling at one ratio agree about a trace. For the id this
 * process generated last (a root span asking its sampler) the hash comes from
 * the numbers the id was built from: reading a fresh id's characters costs
 * more than the hash (it is a rope until then).
 */
export function traceHash(id: string): number {
  if (id === lastTraceId) return (lastTraceHash ??= mix(fnvHex8(fnvHex8(FNV_OFFSET, traceHigh), traceLow)));
  let h = FNV_OFFSET;
  for (let i = Math.max(0, id.length - 16); i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return mix(h);
}

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

/*
 * In-process adapters hand the publisher's headers object to the consumer
 * unchanged; the parsed context rides along under a symbol (invisible to
 * serialisation), so the consumer skips re-parsing the string.
 */
const PARSED_CONTEXT = Symbol("rohas.traceContext");
type ContextCarrier = Record<string, string> & { [PARSED_CONTEXT]?: TraceContext };

/** Headers carrying `ctx` as a `traceparent` (and, for in-process delivery, pre-parsed). */
export function traceHeaders(ctx: TraceContext): Record<string, string> {
  const headers: ContextCarrier = { traceparent: formatTraceparent(ctx) };
  headers[PARSED_CONTEXT] = ctx;
  return headers;
}

/**
 * The context of a message handed over in this process's memory (its sampling
 * was decided here), else undefined: a context parsed from `traceparent`
 * arrives from another process, whose sampling decision is not ours.
 */
export function localContext(headers: Record<string, string>): TraceContext | undefined {
  return (headers as ContextCarrier)[PARSED_CONTEXT];
}

export function formatTraceparent(ctx: { traceId: string; spanId: string; sampled?: boolean }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled === false ? "00" : "01"}`;
}

/** Where a call stands in its trace and when it started, kept by the call itself: its span is built only if it is recorded. */
export interface SpanStart {
  readonly traceId: string;
  readonly sampled: boolean;
  /** Made on first read, and then the id of the call's span. */
  readonly spanId: string;
  readonly parent: SpanParent | undefined;
  /** performance.now() at the start. */
  readonly startMark: number;
}

/** The span of a call started as `start`, built now that it is recorded: the same ids and clock reading. */
export function spanOf(name: string, kind: SpanKind, start: SpanStart, attributes: Readonly<Record<string, AttributeValue>>): ActiveSpan {
  // A root call keeps the trace id it made.
  const parent = start.parent ?? { traceId: start.traceId, sampled: start.sampled };
  return new ActiveSpan(name, kind, parent, true, start.startMark).share(attributes).adoptId(start.spanId);
}

/**
 * A span being timed. `end` produces the record; call it exactly once.
 * Untimed spans (`timed = false`: nothing will be recorded) only carry ids for
 * propagation, skipping the clock reads.
 */
/*
 * Spans read one clock (performance.now()), not two: their wall time is that
 * reading plus the offset between the clocks, read again at most once a
 * second, so a step of the wall clock (NTP, a laptop waking) is followed
 * within a second and span times stay comparable with log times.
 */
let clockOffset = Date.now() - performance.now();
let offsetReadAt = performance.now();

/** Epoch milliseconds (fractional) of a performance.now() reading. */
export function epochOf(mark: number): number {
  if (mark - offsetReadAt > 1000) {
    const now = performance.now();
    clockOffset = Date.now() - now;
    offsetReadAt = now;
  }
  return clockOffset + mark;
}

/** What a span starts under: a parsed or local context, or the parent span itself (its id is then made only if a record needs it). */
export interface SpanParent {
  readonly traceId: string;
  readonly spanId?: string;
  readonly sampled?: boolean;
}

export class ActiveSpan {
  readonly traceId: string;
  /** performance.now() at the start (0 when untimed). */
  readonly startMark: number;
  private id?: string;
  private attrs?: Record<string, AttributeValue>;
  /**
   * Whether its trace is recorded (head sampling; W3C's `sampled` flag, carried
   * to the next hop in `traceparent`). Inherited from the parent; a root span's
   * owner sets it before reading `context`. Spans of an unsampled trace are
   * still timed (metrics need durations) and recorded only when they fail.
   */
  sampled: boolean;

  constructor(
    readonly name: string,
    readonly kind: SpanKind,
    readonly parent?: SpanParent,
    readonly timed = true,
    /** A performance.now() reading taken in this same step: spans that start together share one clock read. */
    startedAt?: number,
  ) {
    this.traceId = parent?.traceId ?? newTraceId();
    this.sampled = parent?.sampled ?? true;
    this.startMark = timed ? (startedAt ?? performance.now()) : 0;
  }

  /** Made on first use: most spans of unsampled traces never need one. */
  get spanId(): string {
    return (this.id ??= newSpanId());
  }

  /** Takes the id its handler call's state holds (log lines and publishes of the call name it). */
  adoptId(id: string): this {
    this.id = id;
    return this;
  }

  /** Epoch milliseconds (fractional); 0 when untimed. */
  get startTime(): number {
    return this.timed ? epochOf(this.startMark) : 0;
  }

  /** Milliseconds since the start, read now. */
  elapsed(): number {
    return performance.now() - this.startMark;
  }

  /** Attributes shared with other spans (frozen); `set` copies them before changing anything. */
  private sharedAttrs = false;

  /** This span's own attributes, writable (shared ones are copied first). */
  get attributes(): Record<string, AttributeValue> {
    if (this.sharedAttrs) {
      this.attrs = { ...this.attrs };
      this.sharedAttrs = false;
    }
    return (this.attrs ??= {});
  }

  /** Starts from attributes shared by every span of one handler or event, without copying them. */
  share(attributes: Readonly<Record<string, AttributeValue>>): this {
    this.attrs = attributes as Record<string, AttributeValue>;
    this.sharedAttrs = true;
    return this;
  }

  private ctx?: TraceContext;

  get context(): TraceContext {
    return (this.ctx ??= { traceId: this.traceId, spanId: this.spanId, sampled: this.sampled });
  }

  set(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }

  /** `durationMs`: when the caller already read the clock at the end. */
  end(error?: unknown, durationMs: number = this.elapsed()): SpanRecord {
    const record: SpanRecord = {
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parent?.spanId,
      name: this.name,
      kind: this.kind,
      startTime: this.startTime,
      durationMs,
      status: error === undefined ? "ok" : "error",
      attributes: this.attrs ?? {},
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
