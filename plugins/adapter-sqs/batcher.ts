/**
 * Coalesces single requests (one publish, one delete) into SQS's batch calls.
 * Items wait per key (the queue URL) and go out on the next turn of the event
 * loop, or at once when the batch is full (entry count or bytes). Each caller's
 * promise settles with its own item's outcome, never with its neighbours'.
 *
 * A cap on batch requests in flight per key keeps batches full under load:
 * while the cap is reached, new items keep filling the waiting batch instead of
 * going out as many half-empty requests.
 */

export interface BatchLimits {
  maxEntries: number;
  maxBytes: number;
  /** Batch requests in flight at once per key. */
  maxInFlight: number;
}

/** Sends one batch; returns, per item and in order, undefined for success or the error of that item. */
export type SendBatch<T> = (key: string, items: T[]) => Promise<(Error | undefined)[]>;

interface Waiting<T> {
  item: T;
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Lane<T> {
  waiting: Waiting<T>[];
  bytes: number;
  inFlight: number;
}

export class Batcher<T> {
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly requests = new Set<Promise<void>>();
  private scheduled = false;

  constructor(
    private readonly limits: BatchLimits,
    private readonly send: SendBatch<T>,
  ) {}

  add(key: string, item: T, bytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) this.lanes.set(key, (lane = { waiting: [], bytes: 0, inFlight: 0 }));
      lane.waiting.push({ item, bytes, resolve, reject });
      lane.bytes += bytes;
      if (lane.waiting.length >= this.limits.maxEntries || lane.bytes >= this.limits.maxBytes) this.pump(key, lane, false);
      else this.schedule();
    });
  }

  /** Sends everything waiting now and resolves when every batch request settled (used by close). */
  async drain(): Promise<void> {
    for (;;) {
      for (const [key, lane] of this.lanes) this.pump(key, lane, true);
      if (this.requests.size === 0) return;
      await Promise.allSettled([...this.requests]);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the promise jobs of this turn, so every publish made "at once" joins one batch.
    setImmediate(() => {
      this.scheduled = false;
      for (const [key, lane] of this.lanes) this.pump(key, lane, true);
    });
  }

  /** Starts batch requests for a lane while it has room; `partial` also sends a batch that is not full. */
  private pump(key: string, lane: Lane<T>, partial: boolean): void {
    while (lane.waiting.length > 0 && lane.inFlight < this.limits.maxInFlight) {
      if (!partial && lane.waiting.length < this.limits.maxEntries && lane.bytes < this.limits.maxBytes) break;
      const batch = this.take(lane);
      lane.inFlight++;
      const request = this.run(key, batch).finally(() => {
        lane.inFlight--;
        this.requests.delete(request);
        // Lanes are kept (one per queue, a handful): dropping an idle one would lose its in-flight count.
        if (lane.waiting.length > 0) this.schedule();
      });
      this.requests.add(request);
    }
    // With every request slot taken, a request's completion pumps again (see .finally): scheduling
    // here too would spin the event loop (setImmediate after setImmediate) until one settles.
    if (lane.waiting.length > 0 && lane.inFlight < this.limits.maxInFlight) this.schedule();
  }

  /** The next batch from the head of a lane: up to maxEntries items and maxBytes bytes (always at least one). */
  private take(lane: Lane<T>): Waiting<T>[] {
    let bytes = 0;
    let n = 0;
    while (n < lane.waiting.length && n < this.limits.maxEntries) {
      const next = lane.waiting[n]!.bytes;
      if (n > 0 && bytes + next > this.limits.maxBytes) break;
      bytes += next;
      n++;
    }
    lane.bytes -= bytes;
    return lane.waiting.splice(0, n);
  }

  private async run(key: string, batch: Waiting<T>[]): Promise<void> {
    let outcomes: (Error | undefined)[];
    try {
      outcomes = await this.send(
        key,
        batch.map((w) => w.item),
      );
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      outcomes = batch.map(() => failure);
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome) w.reject(outcome);
      else w.resolve();
    });
  }
}
