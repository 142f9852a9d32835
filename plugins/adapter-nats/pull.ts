/**
 * A JetStream pull consumer with credit-based flow control, spoken over core NATS
 * (the pull protocol of JetStream's ADR-13): the subscription asks the server for at
 * most as many messages as it has free handler slots, so `concurrency` bounds both
 * the handlers running and the messages held unacknowledged by this process.
 *
 * Why not `consumer.consume()` of the `nats` client: its async iterator costs
 * several promises and two `Date.now()` per message (about half the consumer's CPU),
 * and its callback form keeps pulling whatever the handlers do, so slow handlers
 * would pile messages up locally until their ack wait ran out.
 *
 * Robustness follows the client's own consumer: pull requests expire and are
 * renewed, idle heartbeats reveal a request the server forgot (two missed: ask
 * again), a reconnect starts over, and any error status (JetStream not up yet after
 * a restart, a leadership change) starts over after a growing pause.
 */
import { createInbox, type Msg, type NatsConnection, type Subscription } from "nats";

export interface PullOptions {
  stream: string;
  durable: string;
  /** Handler slots: messages delivered and not yet released at most. */
  concurrency: number;
  /** How long one pull request waits on the server for messages. */
  expiresMs?: number;
  /** How often the server says it is still there while a request waits idle. */
  heartbeatMs?: number;
  /**
   * The durable (or its stream) may be gone: the server said "Consumer Deleted", JetStream kept
   * answering 503, or requests went unanswered (a 2.9 server does not answer a pull for a
   * consumer it does not have). The owner should check and recreate them, then `resume()`.
   */
  onMissing?: () => void;
}

const PENDING_MESSAGES = "Nats-Pending-Messages";
const MAX_RETRY_MS = 2_000;
/** Consecutive 503s (JetStream unavailable) before the consumer is reported possibly missing. */
const MISSING_AFTER_503 = 3;

export class PullConsumer {
  /** Messages asked for and not yet received. */
  private pending = 0;
  /** Messages handed to `deliver` and not yet released. */
  private active = 0;
  /** Messages received beyond the free slots (only after a reset raced an old request). */
  private readonly backlog: Msg[] = [];
  private readonly inbox: string;
  private readonly next: string;
  private readonly threshold: number;
  private readonly expiresNs: string;
  private readonly heartbeatNs: string;
  private readonly sub: Subscription;
  private readonly monitor: ReturnType<typeof setInterval>;
  private retry?: ReturnType<typeof setTimeout>;
  private retryMs = 0;
  private traffic = true;
  private missed = 0;
  private unavailable = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: PullOptions,
    /** Called with a message and its reply subject; the caller must `release()` once done with it. */
    private readonly deliver: (msg: Msg, reply: string) => void,
  ) {
    const expiresMs = options.expiresMs ?? 30_000;
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    this.expiresNs = `${expiresMs * 1_000_000}`;
    this.heartbeatNs = `${heartbeatMs * 1_000_000}`;
    // Ask again once a quarter of the slots is free, so one request carries a batch.
    this.threshold = Math.max(1, Math.floor(options.concurrency / 4));
    this.inbox = createInbox();
    this.next = `$JS.API.CONSUMER.MSG.NEXT.${options.stream}.${options.durable}`;
    this.sub = nc.subscribe(this.inbox, { callback: (error, msg) => (error ? this.reset(true) : this.receive(msg)) });
    this.monitor = setInterval(() => this.checkHeartbeat(), heartbeatMs);
    (this.monitor as { unref?: () => void }).unref?.();
    this.pull();
  }

  /** A delivered message's handling finished (acked, nak'ed or terminated): its slot is free. */
  release(): void {
    this.active--;
    if (this.stopped) {
      if (this.active === 0) this.wake();
      return;
    }
    const waiting = this.backlog.shift();
    if (waiting) {
      this.active++;
      this.deliver(waiting, waiting.reply!);
      return;
    }
    this.pull();
  }

  /** The connection came back: whatever was asked for before is gone with the old server. */
  reconnected(): void {
    if (!this.stopped) this.reset(false);
  }

  /** The durable was checked (and recreated if it was gone): ask again now. */
  resume(): void {
    if (this.stopped) return;
    if (this.retry) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.reset(false);
  }

  /**
   * Stops asking and receiving; resolves once every delivered message was released.
   * Messages received but not yet delivered are left unacknowledged (redelivered after the ack wait).
   */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.backlog.length = 0;
      clearInterval(this.monitor);
      if (this.retry) clearTimeout(this.retry);
      try {
        this.sub.unsubscribe();
      } catch {
        // the connection is already closed: nothing more will arrive
      }
    }
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private receive(msg: Msg): void {
    if (this.stopped) return;
    this.traffic = true;
    const reply = msg.reply;
    // Stream messages carry their ack subject as reply; status messages (heartbeats, an expired request) have none.
    if (!reply) return this.status(msg);
    if (this.pending > 0) this.pending--;
    this.retryMs = 0;
    this.unavailable = 0;
    if (this.active < this.options.concurrency) {
      this.active++;
      this.deliver(msg, reply);
    } else {
      this.backlog.push(msg);
    }
  }

  private status(msg: Msg): void {
    const h = msg.headers;
    const code = h?.code ?? 0;
    if (code === 100) {
      this.unavailable = 0;
      return; // idle heartbeat
    }
    // An expired (408) or cut-short (409) request tells how many of its messages never came.
    const left = Number(h?.get(PENDING_MESSAGES)) || 0;
    if (left > 0) {
      this.pending = Math.max(0, this.pending - left);
      this.pull();
      return;
    }
    if (code === 408 || code === 404) {
      // a request ended with nothing owed
      this.pull();
      return;
    }
    // 503 (JetStream not back yet after a restart), 409 without a count (consumer deleted,
    // leadership change), 400: forget what was asked and ask again after a pause.
    this.reset(true);
    if (code === 409 && /consumer deleted/i.test(h?.description ?? "")) {
      this.missing();
    } else if (code === 503 && ++this.unavailable >= MISSING_AFTER_503) {
      this.unavailable = 0;
      this.missing();
    }
  }

  private checkHeartbeat(): void {
    if (this.pending > 0 && !this.traffic) {
      // The server sends a heartbeat while a request waits idle: two missing, the request is gone
      // (and maybe the consumer with it: a pull for a consumer the server lacks gets no answer).
      if (++this.missed >= 2) {
        this.reset(false);
        this.missing();
      }
    } else {
      this.missed = 0;
    }
    this.traffic = false;
  }

  private missing(): void {
    if (this.stopped) return;
    try {
      this.options.onMissing?.();
    } catch {
      // the owner's check failing must not stop consuming
    }
  }

  private reset(pause: boolean): void {
    if (this.stopped) return;
    this.pending = 0;
    this.missed = 0;
    if (this.retry) return; // a retry is already scheduled
    if (!pause) {
      this.pull();
      return;
    }
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs ? this.retryMs * 2 : 100);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.pull();
    }, this.retryMs);
  }

  private pull(): void {
    if (this.stopped || this.retry) return;
    const free = this.options.concurrency - this.active - this.pending - this.backlog.length;
    if (free <= 0 || (this.pending > 0 && free < this.threshold)) return;
    this.pending += free;
    this.traffic = true; // a fresh request gets a full heartbeat period before it counts as missing
    try {
      this.nc.publish(this.next, `{"batch":${free},"expires":${this.expiresNs},"idle_heartbeat":${this.heartbeatNs}}`, { reply: this.inbox });
    } catch {
      // closed or draining connection: try again later (a reconnect resets too)
      this.reset(true);
    }
  }
}
