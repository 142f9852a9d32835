/**
 * Deadlines for handler calls without a timer per call: each pending call is a
 * node in one intrusive linked list (O(1) to add and to remove, no hashing on
 * the hot path) and one unref'd sweeper, every 100 ms while calls are pending,
 * fires the overdue ones.
 */
interface Deadline {
  at: number;
  fire: () => void;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  /** Settled or fired: whichever comes second is ignored. */
  done: boolean;
}

let head: Deadline | undefined;
let tail: Deadline | undefined;
let sweeper: ReturnType<typeof setInterval> | undefined;

function add(at: number, fire: () => void): Deadline {
  const d: Deadline = { at, fire, prev: tail, next: undefined, done: false };
  if (tail) tail.next = d;
  else head = d;
  tail = d;
  if (!sweeper) {
    sweeper = setInterval(sweep, 100);
    (sweeper as { unref?: () => void }).unref?.();
  }
  return d;
}

function remove(d: Deadline): void {
  d.done = true;
  if (d.prev) d.prev.next = d.next;
  else head = d.next;
  if (d.next) d.next.prev = d.prev;
  else tail = d.prev;
  d.prev = d.next = undefined;
}

function sweep(): void {
  const now = Date.now();
  for (let d = head; d; ) {
    const next = d.next;
    if (d.at <= now) {
      remove(d);
      d.fire();
    }
    d = next;
  }
  if (!head && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * `promise` continued with `onValue`/`onError` (either may throw), or with
 * `onError(timeout())` once `ms` passed first (0: no deadline). One promise
 * for both the continuation and the deadline.
 */
export function settleWithin<T, R>(
  promise: PromiseLike<T>,
  ms: number,
  onValue: (value: T) => R,
  onError: (error: unknown) => R,
  timeout: () => Error,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const finish = (run: () => R) => {
      try {
        resolve(run());
      } catch (error) {
        reject(error);
      }
    };
    const deadline = ms > 0 ? add(Date.now() + ms, () => finish(() => onError(timeout()))) : undefined;
    promise.then(
      (value) => {
        if (deadline) {
          if (deadline.done) return;
          remove(deadline);
        }
        finish(() => onValue(value));
      },
      (error: unknown) => {
        if (deadline) {
          if (deadline.done) return;
          remove(deadline);
        }
        finish(() => onError(error));
      },
    );
  });
}
