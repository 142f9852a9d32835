/**
 * Spans the sampler dropped, held for a short while: a trace that fails after
 * its first spans were sampled out (a handler throws, a message is
 * dead-lettered after its retries) is then written whole, not just its failed
 * spans. A fixed ring of the latest sampled-out spans: holding one costs a
 * single array store on the request path; the rare failure pays a scan of the
 * ring. Heavier traffic shortens how long a span is held, never the memory.
 */
import type { SpanRecord } from "../../core/telemetry.ts";

export class HeldTraces {
  private readonly ring: (SpanRecord | undefined)[];
  private next = 0;
  /** Traces known to have failed: every later span of them is kept. Oldest forgotten first. */
  private readonly failed = new Set<string>();

  constructor(
    maxSpans: number,
    private readonly maxFailed = 10_000,
  ) {
    this.ring = new Array<SpanRecord | undefined>(Math.max(0, maxSpans)).fill(undefined);
  }

  hold(span: SpanRecord): void {
    const size = this.ring.length;
    if (size === 0) return;
    this.ring[this.next] = span;
    this.next = this.next + 1 === size ? 0 : this.next + 1;
  }

  hasFailed(traceId: string): boolean {
    return this.failed.size > 0 && this.failed.has(traceId);
  }

  /** The trace failed: returns its held spans, oldest first (to be written), and keeps its spans from now on. */
  fail(traceId: string): SpanRecord[] {
    if (this.failed.has(traceId)) return [];
    this.failed.add(traceId);
    if (this.failed.size > this.maxFailed) this.failed.delete(this.failed.values().next().value as string);
    const spans: SpanRecord[] = [];
    const size = this.ring.length;
    for (let k = 0; k < size; k++) {
      const i = (this.next + k) % size;
      const span = this.ring[i];
      if (span !== undefined && span.traceId === traceId) {
        spans.push(span);
        this.ring[i] = undefined;
      }
    }
    return spans;
  }
}
