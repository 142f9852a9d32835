/**
 * The competing consumers of one group inside this process, for adapters that
 * hand out messages themselves (memory, lmdb): round-robin picking under each
 * consumer's concurrency limit, in-flight counting, and waiting for a consumer
 * (or all of them) to finish what it holds. Brokers do this on their side.
 */
import type { Message, MessageHandler } from "./adapter.ts";

export interface PooledConsumer {
  readonly handler: MessageHandler;
  readonly concurrency: number;
  active: number;
  closed: boolean;
  idle: (() => void)[];
}

export class ConsumerPool {
  readonly consumers: PooledConsumer[] = [];
  private next = 0;

  add(handler: MessageHandler, concurrency = 64): PooledConsumer {
    const consumer: PooledConsumer = { handler, concurrency, active: 0, closed: false, idle: [] };
    this.consumers.push(consumer);
    return consumer;
  }

  /** Messages being handled by all consumers. */
  get active(): number {
    let n = 0;
    for (const c of this.consumers) n += c.active;
    return n;
  }

  get open(): boolean {
    return this.consumers.some((c) => !c.closed);
  }

  /** The next consumer with room, round robin; undefined when all are busy or closed. */
  pick(): PooledConsumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = this.consumers[(this.next + i) % n]!;
      if (!c.closed && c.active < c.concurrency) {
        this.next = (this.next + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  /** Hands `message` to `consumer`, counting it in flight; a handler that throws synchronously rejects. */
  call(consumer: PooledConsumer, message: Message): Promise<void> {
    consumer.active++;
    try {
      return consumer.handler(message);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The consumer is done with one message. */
  release(consumer: PooledConsumer): void {
    consumer.active--;
    if (consumer.active === 0 && consumer.idle.length > 0) for (const resolve of consumer.idle.splice(0)) resolve();
  }

  /** Stops `consumer` taking messages, waits for those it holds, and removes it. */
  async remove(consumer: PooledConsumer): Promise<void> {
    consumer.closed = true;
    await this.idle(consumer);
    this.consumers.splice(this.consumers.indexOf(consumer), 1);
  }

  /** Stops every consumer taking messages; resolves when none holds one. */
  async stopAll(): Promise<void> {
    for (const c of this.consumers) c.closed = true;
    await Promise.all(this.consumers.map((c) => this.idle(c)));
  }

  private idle(consumer: PooledConsumer): Promise<void> {
    if (consumer.active === 0) return Promise.resolve();
    return new Promise((resolve) => consumer.idle.push(resolve));
  }
}
