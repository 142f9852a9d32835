/**
 * RabbitMQ (amqplib): a durable topic exchange `rohas`, one durable queue per
 * event and consumer group (`rohas.<group>.<event>`) so consumers of a group
 * compete and each group gets every message. A failure is re-queued with a
 * delay through a per-queue retry queue (message TTL, dead-lettered back to the
 * main queue), so a backoff survives a crash of this process; after
 * `maxAttempts` the message is rejected into the broker's dead-letter exchange
 * `rohas.dlx` (queue `rohas.<group>.<event>.dlq`). Publishes use publisher
 * confirms; the connection is re-established with backoff when it drops.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from "amqplib";
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

export interface RabbitAdapterOptions {
  url: string;
  connectTimeoutMs: number;
  /** How long close() waits for handlers in flight before closing the connection. */
  drainTimeoutMs: number;
  /** How long a publish waits for a lost connection to come back before failing. */
  publishWaitMs: number;
}

const EXCHANGE = "rohas";
const DLX = "rohas.dlx";
const ATTEMPT = "x-rohas-attempt";

interface SubscriptionSpec {
  event: string;
  handler: MessageHandler;
  options: SubscribeOptions;
  retry: RetryPolicy;
  channel?: Channel;
  acker?: Acker;
  inFlight: Set<Promise<void>>;
  closed: boolean;
}

export class RabbitAdapter implements Adapter {
  readonly name = "rabbitmq";
  private connection?: ChannelModel;
  private publisher?: ConfirmChannel;
  private readonly subscriptions = new Set<SubscriptionSpec>();
  private closing = false;
  private reconnecting?: Promise<void>;
  private sequence = 0;
  private readonly idPrefix = crypto.randomUUID().slice(0, 8);

  constructor(private readonly options: RabbitAdapterOptions) {}

  private get address(): string {
    return this.options.url.replace(/\/\/[^@]*@/, "//");
  }

  async connect(): Promise<void> {
    try {
      this.connection = await amqp.connect(this.options.url, { timeout: this.options.connectTimeoutMs });
    } catch (error) {
      throw new AdapterError("adapter/unreachable", `cannot connect to RabbitMQ at ${this.address}: ${reason(error)}`, error);
    }
    this.connection.on("error", () => {
      // 'close' follows; reconnecting happens there
    });
    this.connection.on("close", () => {
      if (!this.closing) this.reconnecting ??= this.reconnect();
    });
    this.publisher = await this.connection.createConfirmChannel();
    await this.publisher.assertExchange(EXCHANGE, "topic", { durable: true });
    await this.publisher.assertExchange(DLX, "topic", { durable: true });
    for (const spec of this.subscriptions) if (!spec.closed) await this.consume(spec);
  }

  /** Backoff from 200 ms to 5 s, forever, until closed. */
  private async reconnect(): Promise<void> {
    this.connection = undefined;
    this.publisher = undefined;
    for (let attempt = 1; !this.closing; attempt++) {
      await Bun.sleep(Math.min(5_000, 200 * 2 ** Math.min(attempt, 5)));
      try {
        await this.connect();
        this.reconnecting = undefined;
        return;
      } catch {
        // still down: try again
      }
    }
  }

  private queueName(event: string, group: string): string {
    return `rohas.${group}.${event}`;
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closing) throw new AdapterError("adapter/closed", `cannot publish ${event}: the RabbitMQ adapter is closed`);
    const id = `${this.idPrefix}-${++this.sequence}`;
    const body = Buffer.from(JSON.stringify(payload ?? null));
    const properties = {
      persistent: true,
      contentType: "application/json",
      messageId: id,
      timestamp: Date.now(),
      // No attempt header on a first delivery (absent means 1): an AMQP headers table is encoded per message.
      headers: options.key ? { ...options.headers, "x-rohas-key": options.key } : options.headers,
    };
    const deadline = Date.now() + this.options.publishWaitMs;
    for (;;) {
      const publisher = await this.readyPublisher(event, deadline);
      try {
        // Publisher confirms: resolved only once the broker took responsibility for this message
        // (its own confirm callback, not waitForConfirms(), which waits for every outstanding
        // message and costs O(outstanding) per call: quadratic with many publishes in flight).
        await confirmed(publisher, EXCHANGE, event, body, properties);
        return;
      } catch (error) {
        // The connection went away under us: wait for the reconnect and send again (same message id).
        if (this.publisher === publisher) this.publisher = undefined;
        if (this.closing || Date.now() > deadline) {
          throw new AdapterError("adapter/publish-failed", `RabbitMQ at ${this.address} did not confirm ${event}: ${reason(error)}`, error);
        }
        await Bun.sleep(100);
      }
    }
  }

  private async readyPublisher(event: string, deadline: number): Promise<ConfirmChannel> {
    while (!this.publisher) {
      if (Date.now() > deadline) {
        throw new AdapterError("adapter/disconnected", `cannot publish ${event}: RabbitMQ at ${this.address} has been unreachable for ${this.options.publishWaitMs} ms`);
      }
      await Bun.sleep(50);
    }
    return this.publisher;
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const spec: SubscriptionSpec = { event, handler, options, retry: { ...DEFAULT_RETRY, ...options.retry }, inFlight: new Set(), closed: false };
    this.subscriptions.add(spec);
    await this.consume(spec);
    return {
      close: async () => {
        spec.closed = true;
        await this.stopConsuming(spec);
        this.subscriptions.delete(spec);
      },
    };
  }

  private async consume(spec: SubscriptionSpec): Promise<void> {
    if (!this.connection) return;
    const channel = await this.connection.createChannel();
    spec.channel = channel;
    const acker = new Acker(channel);
    spec.acker = acker;
    const queue = this.queueName(spec.event, spec.options.group);
    await channel.assertExchange(EXCHANGE, "topic", { durable: true });
    await channel.assertExchange(DLX, "topic", { durable: true });
    await channel.assertQueue(queue, { durable: true, deadLetterExchange: DLX, deadLetterRoutingKey: spec.event });
    await channel.bindQueue(queue, EXCHANGE, spec.event);
    await channel.assertQueue(`${queue}.dlq`, { durable: true });
    await channel.bindQueue(`${queue}.dlq`, DLX, spec.event);
    // Expired retries go back to the main queue through the default exchange.
    await channel.assertQueue(`${queue}.retry`, { durable: true, deadLetterExchange: "", deadLetterRoutingKey: queue });
    await channel.prefetch(spec.options.concurrency ?? 64);
    await channel.consume(queue, (raw) => {
      if (!raw) return;
      const p = this.handle(spec, channel, acker, queue, raw).finally(() => spec.inFlight.delete(p));
      spec.inFlight.add(p);
    });
  }

  private async handle(spec: SubscriptionSpec, channel: Channel, acker: Acker, queue: string, raw: ConsumeMessage): Promise<void> {
    const message = toMessage(spec.event, raw);
    try {
      await spec.handler(message);
      acker.ack(raw);
    } catch (error) {
      try {
        if (message.attempt >= spec.retry.maxAttempts) {
          channel.nack(raw, false, false); // → rohas.dlx → <queue>.dlq
          acker.settled(raw.fields.deliveryTag);
          try {
            spec.options.onDeadLetter?.(message, error);
          } catch {
            // a broken dead-letter sink must not stop consuming
          }
          return;
        }
        const publisher = this.publisher;
        if (!publisher) throw new Error("no connection");
        await confirmed(publisher, "", `${queue}.retry`, raw.content, {
          ...raw.properties,
          persistent: true,
          expiration: String(retryDelay(spec.retry, message.attempt)),
          headers: { ...raw.properties.headers, [ATTEMPT]: message.attempt + 1 },
        });
        acker.ack(raw);
      } catch {
        // The connection went away mid-retry: leave the message unacknowledged; the broker redelivers it.
      }
    }
  }

  private async stopConsuming(spec: SubscriptionSpec): Promise<void> {
    const channel = spec.channel;
    spec.channel = undefined;
    if (!channel) return;
    await Promise.race([Promise.allSettled([...spec.inFlight]), Bun.sleep(this.options.drainTimeoutMs)]);
    // Acks of handlers that finished are sent before the channel closes, or they would be redelivered.
    spec.acker?.flush();
    await channel.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const spec of this.subscriptions) await this.stopConsuming(spec);
    await this.publisher?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}

/**
 * Coalesces a consumer channel's acks. Each ack is still sent only after its handler finished,
 * but the acks of one event-loop turn go out together: when every delivery tag up to the
 * highest of them is settled, as one `multiple` ack (one frame, and one operation for the
 * broker), else one by one. Delivery tags count up from 1 per channel.
 */
class Acker {
  /** Lowest delivery tag not settled yet; `done` holds settled tags above it. */
  private floor = 1;
  private readonly done = new Set<number>();
  private batch: ConsumeMessage[] = [];
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  ack(raw: ConsumeMessage): void {
    this.batch.push(raw);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** A tag settled another way (nack), so it does not hold back multiple acks. */
  settled(tag: number): void {
    if (tag === this.floor) {
      this.floor++;
      while (this.done.delete(this.floor)) this.floor++;
    } else if (tag > this.floor) {
      this.done.add(tag);
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    let last = batch[0]!;
    for (const raw of batch) {
      if (raw.fields.deliveryTag > last.fields.deliveryTag) last = raw;
      this.settled(raw.fields.deliveryTag);
    }
    try {
      if (batch.length > 1 && this.floor > last.fields.deliveryTag) this.channel.ack(last, true);
      else for (const raw of batch) this.channel.ack(raw);
    } catch {
      // The channel closed: unacknowledged messages go back to the queue and are redelivered.
    }
  }
}

/**
 * Publishes on a confirm channel and resolves when the broker confirmed this message; rejects
 * when it was nacked or the channel closed first. Honours the socket's back-pressure: when
 * amqplib's write buffer is full, the next publish waits for it to drain.
 */
function confirmed(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer, properties: Options.Publish): Promise<void> {
  const drained = drains.get(channel);
  if (drained) return drained.then(() => confirmed(channel, exchange, routingKey, body, properties));
  return new Promise<void>((resolve, reject) => {
    const ok = channel.publish(exchange, routingKey, body, properties, (error) => (error ? reject(error) : resolve()));
    if (!ok && !drains.has(channel)) {
      const wait = new Promise<void>((r) => {
        const done = () => {
          channel.off("drain", done);
          channel.off("close", done);
          drains.delete(channel);
          r();
        };
        channel.on("drain", done);
        channel.on("close", done);
      });
      drains.set(channel, wait);
    }
  });
}
const drains = new WeakMap<ConfirmChannel, Promise<void>>();

function toMessage(event: string, raw: ConsumeMessage): Message {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.properties.headers ?? {})) if (!k.startsWith("x-")) headers[k] = String(v);
  const attempt = Number(raw.properties.headers?.[ATTEMPT] ?? 1);
  return {
    id: String(raw.properties.messageId ?? `${event}-${raw.fields.deliveryTag}`),
    event,
    payload: JSON.parse(raw.content.toString() || "null"),
    headers,
    attempt,
    key: raw.properties.headers?.["x-rohas-key"] as string | undefined,
    publishedAt: Number(raw.properties.timestamp) || Date.now(),
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
