/**
 * Keeps the store's write load bounded under heavy traffic: below the budget
 * (spans per second) every trace is kept; above it, whole traces are kept with
 * the probability budget/rate, decided from the trace id so every span of a
 * trace gets the same answer. Metrics are never sampled (they are aggregated),
 * nor are logs or dead letters; a trace that fails or is dead-lettered is
 * kept whole (the store holds sampled-out spans briefly: held-traces.ts).
 */
export class TraceSampler {
  private windowStart: number;
  private seen = 0;
  /** Fraction of traces kept, recomputed every second from the rate just seen. */
  ratio = 1;

  constructor(
    private readonly spansPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  keep(traceId: string): boolean {
    // The clock is read every 64 spans, not per span.
    if ((++this.seen & 63) === 0) this.adjust();
    if (this.ratio >= 1) return true;
    return hashId(traceId) / 0x1_0000_0000 < this.ratio;
  }

  private adjust(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < 1000) return;
    const rate = (this.seen * 1000) / elapsed;
    this.ratio = this.spansPerSecond > 0 && rate > this.spansPerSecond ? this.spansPerSecond / rate : 1;
    this.windowStart = now;
    this.seen = 0;
  }
}

/**
 * A well-mixed 32-bit hash (FNV-1a, then murmur3's finaliser) of the id's last
 * 16 characters: W3C trace ids carry their randomness on the right, and the
 * engine's own ids share a per-process prefix and count in their last digits.
 * Half the id is half the work, and it runs for every span.
 */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = Math.max(0, id.length - 16); i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
