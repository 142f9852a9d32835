/**
 * Head sampling under a write budget: for each trace that starts in this
 * process the store answers `sampleTrace` from here. Below the budget (spans
 * per second) every trace is recorded; above it, a trace is with probability
 * budget / rate. The draw is a hash of the trace id, so processes sampling at
 * the same ratio agree about a trace. The engine carries the answer to every
 * later span of the trace (the `sampled` flag of `traceparent`), so a trace
 * that is not recorded costs the store nothing, and its spans are never built.
 *
 * The rate is estimated without seeing unrecorded spans: traces started per
 * second × spans per recorded trace (the spans that reached the store over
 * the traces it kept). `adjust` runs on the store's timer every 250 ms, so the
 * request path never reads a clock here. Within a window, at most the
 * window's share of the budget is recorded: a burst after a quiet spell (ratio
 * still 1) is not written whole until the next adjustment.
 */
import { traceHash } from "../../core/tracing.ts";

const WINDOW_MS = 250;

export class TraceSampler {
  private windowStart: number;
  private started = 0;
  private kept = 0;
  private spans = 0;
  private spansPerTrace = 1;
  /** Traces recorded per window at most: the budget's share of a window, in traces. */
  private keptCap: number;
  /** Fraction of traces recorded, recomputed every 250 ms. */
  ratio = 1;
  /** Traces not recorded since the start. */
  skipped = 0;

  constructor(
    private readonly spansPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
    this.keptCap = this.capFor(1);
  }

  private capFor(spansPerTrace: number): number {
    return this.spansPerSecond > 0 ? Math.max(1, Math.ceil((this.spansPerSecond * WINDOW_MS) / 1000 / spansPerTrace)) : Infinity;
  }

  /** A trace starts: is it recorded? */
  keep(traceId: string): boolean {
    this.started++;
    // A burst after a quiet spell (the ratio is still 1) is capped at the window's share of the budget.
    if (this.kept < this.keptCap && (this.ratio >= 1 || traceHash(traceId) / 0x1_0000_0000 < this.ratio)) {
      this.kept++;
      return true;
    }
    this.skipped++;
    return false;
  }

  /** A span reached the store (of a recorded trace, or a failure). */
  countSpan(): void {
    this.spans++;
  }

  /**
   * Recomputes the ratio once a window (250 ms) has passed since the last time:
   * short, so a sudden burst is mostly sampled after a quarter second rather
   * than written whole for a second.
   */
  adjust(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < WINDOW_MS) return;
    if (this.kept > 0) this.spansPerTrace = Math.max(1, this.spans / this.kept);
    const rate = ((this.started * 1000) / elapsed) * this.spansPerTrace;
    this.ratio = this.spansPerSecond > 0 && rate > this.spansPerSecond ? this.spansPerSecond / rate : 1;
    this.keptCap = this.capFor(this.spansPerTrace);
    this.windowStart = now;
    this.started = 0;
    this.kept = 0;
    this.spans = 0;
  }
}
