/**
 * Deadlines for handler calls without a timer per call: each pending call is a
 * node in one intrusive linked list (O(1) to add and to remove, no hashing on
 * the hot path) and one unref'd sweeper, every 100 ms while calls are pending,
 * fires the overdue ones.
 */
/** A handler call waiting for its outcome or its deadline, whichever comes first. */
class PendingCall<T, R> {
  at = 0;
  prev: PendingCall<unknown, unknown> | undefined;
  next: PendingCall<unknown, unknown> | undefined;
  /** Settled or fired: whichever comes second is ignored. */
  done = false;
  resolve!: (value: R) => void;
  reject!: (error: unknown) => void;

  constructor(
    private readonly onValue: (value: T) => R,
    private readonly onError: (error: unknown) => R,
    private readonly timeout: () => Error,
  ) {}

  /** The deadline passed first (the sweeper already took it off the list). */
  fire(): void {
    this.settle(false, this.timeout());
  }

  settle(ok: boolean, outcome: unknown): void {
    try {
      this.resolve(ok ? this.onValue(outcome as T) : this.onError(outcome));
    } catch (error) {
      this.reject(error);
    }
  }
}

type Deadline = PendingCall<unknown, unknown>;

let head: Deadline | undefined;
let tail: Deadline | undefined;
let sweeper: ReturnType<typeof setInterval> | undefined;

function add(d: Deadline, at: number): void {
  d.at = at;
  d.prev = tail;
  if (tail) tail.next = d;
  else head = d;
  tail = d;
  if (!sweeper) {
    sweeper = setInterval(sweep, 100);
    (sweeper as { unref?: () => void }).unref?.();
  }
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
 * for both the continuation and the deadline; one object for the call.
 */
export function settleWithin<T, R>(
  promise: PromiseLike<T>,
  ms: number,
  onValue: (value: T) => R,
  onError: (error: unknown) => R,
  timeout: () => Error,
): Promise<R> {
  const call = new PendingCall(onValue, onError, timeout);
  const result = new Promise<R>((resolve, reject) => {
    call.resolve = resolve;
    call.reject = reject;
  });
  const timed = ms > 0;
  if (timed) add(call as Deadline, Date.now() + ms);
  promise.then(
    (value) => {
      if (call.done) return;
      if (timed) remove(call as Deadline);
      call.settle(true, value);
    },
    (error: unknown) => {
      if (call.done) return;
      if (timed) remove(call as Deadline);
      call.settle(false, error);
    },
  );
  return result;
}
