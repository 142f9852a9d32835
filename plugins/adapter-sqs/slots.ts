/**
 * Counts a subscription's free handler slots. Receivers reserve slots before a
 * ReceiveMessage (so SQS never hands over more messages than may run at once,
 * and none sit hidden in memory while their visibility timeout runs) and give
 * back what they did not get.
 */
export class Slots {
  private free: number;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  get busy(): number {
    return this.size - this.free;
  }

  /** Waits until n slots are free and takes them; resolves false if `signal` aborts first. */
  acquire(n: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.waiters.length === 0 && this.free >= n) {
      this.free -= n;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = {
        n,
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(n: number): void {
    this.free += n;
    while (this.waiters.length > 0 && this.free >= this.waiters[0]!.n) {
      const waiter = this.waiters.shift()!;
      this.free -= waiter.n;
      waiter.resolve();
    }
  }
}
