/**
 * A durable queue on LMDB for one machine: messages survive restarts and are
 * removed only when a handler acknowledged them (at least once). Each consumer
 * group has its own queue per event; consumers of one group in this process
 * compete for its messages. Failed messages wait out a backoff, then are moved
 * to the group's dead-letter range and reported once.
 *
 * Keys:  g/<event>/<group>          a group exists (publishes fan out to it)
 *        q/<event>/<group>/<seq>    a pending message
 *        x/<event>/<group>/<seq>    a dead letter
 * One process per group: leases live in memory, so two processes consuming the
 * same group would both take each message (use a broker for that).
 */
import { open, type RootDatabase } from "lmdb";
import {
  AdapterError,
  DEFAULT_RETRY,
  retryDelay,
  type Adapter,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type RetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from "../../core/adapter.ts";
import { ConsumerPool, type PooledConsumer } from "../../core/consumer-pool.ts";

export interface LmdbAdapterOptions {
  path: string;
  /** How often consumers look for messages published by other processes. */
  pollMs?: number;
}

interface Stored extends Message {
  /** Epoch ms before which a retried message is not delivered again. */
  notBefore: number;
}

const pad = (n: number) => n.toString().padStart(16, "0");

class GroupQueue {
  readonly pool = new ConsumerPool();
  /** Keys being handled right now (so a scan does not hand them out twice). */
  private readonly leased = new Set<string>();
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: RootDatabase,
    readonly event: string,
    readonly group: string,
    readonly retry: RetryPolicy,
    readonly onDeadLetter: SubscribeOptions["onDeadLetter"],
  ) {}

  get prefix(): string {
    return `q/${this.event}/${this.group}/`;
  }

  get active(): number {
    return this.leased.size;
  }

  schedule(delayMs = 0): void {
    if (delayMs > 0) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.schedule(), delayMs);
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  pump(): void {
    const now = Date.now();
    let wakeAt = Infinity;
    for (const { key, value } of this.db.getRange({ start: this.prefix, end: this.prefix + "~" })) {
      const k = String(key);
      if (this.leased.has(k)) continue;
      const stored = value as Stored;
      if (stored.notBefore > now) {
        wakeAt = Math.min(wakeAt, stored.notBefore);
        continue;
      }
      const consumer = this.pool.pick();
      if (!consumer) return;
      this.run(consumer, k, stored);
    }
    if (wakeAt !== Infinity) this.schedule(Math.max(1, wakeAt - now));
  }

  private run(consumer: PooledConsumer, key: string, stored: Stored): void {
    this.leased.add(key);
    const { notBefore: _, ...message } = stored;
    this.pool.call(consumer, message).then(
      async () => {
        await this.db.remove(key);
        this.settle(consumer, key);
      },
      async (error: unknown) => {
        await this.fail(key, stored, error);
        this.settle(consumer, key);
      },
    );
  }

  private settle(consumer: PooledConsumer, key: string): void {
    this.leased.delete(key);
    this.pool.release(consumer);
    this.schedule();
  }

  private async fail(key: string, stored: Stored, error: unknown): Promise<void> {
    if (stored.attempt >= this.retry.maxAttempts) {
      await this.db.transaction(() => {
        this.db.remove(key);
        this.db.put(key.replace(/^q\//, "x/"), { ...stored, error: error instanceof Error ? error.message : String(error) });
      });
      try {
        this.onDeadLetter?.(stored, error);
      } catch {
        // a broken dead-letter sink must not stop the queue
      }
      return;
    }
    await this.db.put(key, { ...stored, attempt: stored.attempt + 1, notBefore: Date.now() + retryDelay(this.retry, stored.attempt) });
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export class LmdbAdapter implements Adapter {
  readonly name = "lmdb";
  private db!: RootDatabase;
  private readonly groups = new Map<string, GroupQueue>();
  private poller: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private seq = 0;
  private readonly idPrefix = crypto.randomUUID().slice(0, 8);

  constructor(private readonly options: LmdbAdapterOptions) {}

  async connect(): Promise<void> {
    try {
      this.db = open({ path: this.options.path, compression: false });
    } catch (error) {
      throw new AdapterError("adapter/lmdb-open", `cannot open the LMDB queue at ${this.options.path}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    // Sequence numbers continue after a restart so order is kept across runs.
    for (const key of this.db.getKeys({ start: "q/", end: "q/~" })) {
      const n = Number(String(key).split("/").pop());
      if (n > this.seq) this.seq = n;
    }
    this.poller = setInterval(() => {
      for (const g of this.groups.values()) g.schedule();
    }, this.options.pollMs ?? 200);
    (this.poller as { unref?: () => void }).unref?.();
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new AdapterError("adapter/closed", `cannot publish ${event}: the lmdb adapter is closed`);
    const message: Stored = {
      id: `${this.idPrefix}-${Date.now().toString(36)}-${++this.seq}`,
      event,
      payload,
      headers: options.headers ?? {},
      attempt: 1,
      key: options.key,
      publishedAt: Date.now(),
      notBefore: 0,
    };
    const seq = pad(this.seq);
    const groups = [...this.db.getKeys({ start: `g/${event}/`, end: `g/${event}/~` })].map((k) => String(k).slice(`g/${event}/`.length));
    if (groups.length === 0) return;
    // Committed before publish resolves: what the publisher was told is stored survives a crash.
    await this.db.transaction(() => {
      for (const group of groups) this.db.put(`q/${event}/${group}/${seq}`, message);
    });
    for (const group of groups) this.groups.get(`${event}/${group}`)?.schedule();
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    await this.db.put(`g/${event}/${options.group}`, true);
    const id = `${event}/${options.group}`;
    let queue = this.groups.get(id);
    if (!queue) {
      queue = new GroupQueue(this.db, event, options.group, { ...DEFAULT_RETRY, ...options.retry }, options.onDeadLetter);
      this.groups.set(id, queue);
    }
    const consumer = queue.pool.add(handler, options.concurrency);
    queue.schedule();
    const owner = queue;
    return { close: () => owner.pool.remove(consumer) };
  }

  /** Dead letters of one event and group, oldest first (for tools and tests). */
  deadLetters(event: string, group: string): Message[] {
    return [...this.db.getRange({ start: `x/${event}/${group}/`, end: `x/${event}/${group}/~` })].map((e) => e.value as Message);
  }

  /** Stops handing out messages and waits for in-flight handlers; pending messages stay on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    const stopping: Promise<void>[] = [];
    for (const g of this.groups.values()) {
      g.stop();
      stopping.push(g.pool.stopAll());
    }
    await Promise.all(stopping);
    await this.db?.close();
  }
}
