/**
 * Spans the sampler dropped, held for a short while: a trace that fails after
 * its first spans were sampled out (a handler throws, a message is
 * dead-lettered after its retries) is then written whole, not just its failed
 * spans. Bounded by a span count, oldest traces first out, so heavy traffic
 * shortens how long spans are held instead of growing memory.
 */
import type { SpanRecord } from "../../core/telemetry.ts";

export class HeldTraces {
  /** By trace, in the order traces were first held (a Map keeps insertion order). */
  private readonly held = new Map<string, SpanRecord[]>();
  private count = 0;
  /** Traces known to have failed: every later span of them is kept. Oldest forgotten first. */
  private readonly failed = new Set<string>();

  constructor(
    private readonly maxSpans: number,
    private readonly maxFailed = 10_000,
  ) {}

  get size(): number {
    return this.count;
  }

  hold(span: SpanRecord): void {
    if (this.maxSpans <= 0) return;
    const list = this.held.get(span.traceId);
    if (list) list.push(span);
    else this.held.set(span.traceId, [span]);
    this.count++;
    while (this.count > this.maxSpans) {
      const [oldest, spans] = this.held.entries().next().value as [string, SpanRecord[]];
      this.held.delete(oldest);
      this.count -= spans.length;
    }
  }

  hasFailed(traceId: string): boolean {
    return this.failed.has(traceId);
  }

  /** The trace failed: returns its held spans (to be written) and keeps its spans from now on. */
  fail(traceId: string): SpanRecord[] {
    if (!this.failed.has(traceId)) {
      this.failed.add(traceId);
      if (this.failed.size > this.maxFailed) this.failed.delete(this.failed.values().next().value as string);
    }
    const spans = this.held.get(traceId);
    if (!spans) return [];
    this.held.delete(traceId);
    this.count -= spans.length;
    return spans;
  }
}
