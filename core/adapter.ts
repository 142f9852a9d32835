/**
 * The one interface every broker adapter implements (memory, lmdb, nats, kafka,
 * rabbitmq, sqs). The core talks to brokers only through this.
 *
 * Delivery contract (checked by the shared conformance suite in test/adapters/):
 * - `subscribe`'s handler resolving acknowledges the message; rejecting (or
 *   throwing) nacks it. A nacked message is redelivered after a backoff
 *   (retry.backoffMs doubling up to retry.maxBackoffMs) with `attempt` + 1.
 * - After `retry.maxAttempts` failed attempts the message is dead-lettered
 *   (broker-native DLQ where one exists) and `onDeadLetter` is called once.
 * - A message is acknowledged only after its handler finished: a consumer that
 *   dies before that gets it delivered again (at least once).
 * - Subscriptions with the same `group` compete for messages; different groups
 *   each get every message.
 * - `close()` stops taking new messages, waits for in-flight handlers, then
 *   releases connections.
 */

export type Headers = Record<string, string>;

export interface Message {
  /** Unique per published message, stable across redeliveries. */
  id: string;
  event: string;
  payload: unknown;
  /** Carries trace context (`traceparent`) and anything the publisher set. */
  headers: Headers;
  /** 1 on first delivery. */
  attempt: number;
  /** Partition/ordering key where the broker supports one. */
  key?: string;
  /** Epoch milliseconds at publish. */
  publishedAt: number;
}

export interface PublishOptions {
  headers?: Headers;
  key?: string;
}

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

export interface SubscribeOptions {
  /** Consumer group: competing consumers share one group. */
  group: string;
  /** Messages handled at once by this subscription. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  onDeadLetter?: (message: Message, error: unknown) => void;
}

export type MessageHandler = (message: Message) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface Adapter {
  readonly name: string;
  /** Connect and verify the broker; fails fast with the address and reason. */
  connect(): Promise<void>;
  /** Resolves once the broker has the message; `ACCEPTED` when it was taken synchronously. */
  publish(event: string, payload: unknown, options?: PublishOptions): Promise<void>;
  subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * What `publish` may return when it took the message synchronously (an
 * in-process queue): callers that see this very promise continue in the same
 * step instead of waiting a turn for it.
 */
export const ACCEPTED: Promise<void> = Promise.resolve();

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, backoffMs: 100, maxBackoffMs: 5_000 };

export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
}

/** Raised by adapters with enough context for a human to act. */
export class AdapterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "AdapterError";
  }
}
