/**
 * RabbitMQ (amqplib): a durable topic exchange `rohas`, one durable queue per
 * event and consumer group (`rohas.<group>.<event>`) so consumers of a group
 * compete and each group gets every message. A failure is re-queued with a
 * delay through a per-queue retry queue (message TTL, dead-lettered back to the
 * main queue), so a backoff survives a crash of this process; after
 * `maxAttempts` the message is rejected into the broker's dead-letter exchange
 * `rohas.dlx` with the group queue's name as routing key, which only that group's
 * `rohas.<group>.<event>.dlq` is bound with. Publishes use publisher
 * confirms; the connection is re-established with backoff when it drops, and a consumer the broker
 * cancels (its queue deleted, a node failed over) is declared and consumed again.
 * Consumers prefetch PREFETCH_FACTOR × `concurrency` messages and run at most
 * `concurrency` handlers at once (the rest wait in delivery order, unacknowledged).
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
/** Consumer prefetch as a multiple of the subscription's concurrency. */
const PREFETCH_FACTOR = 4;
const DLX = "rohas.dlx";
const ATTEMPT = "x-rohas-attempt";

interface SubscriptionSpec {
  event: string;
  handler: MessageHandler;
  options: SubscribeOptions;
  retry: RetryPolicy;
  channel?: Channel;
  acker?: Acker;
  /** Deliveries being handled (handler, then ack or retry); `idle` is called when it drops to 0. */
  active: number;
  idle?: () => void;
  closed: boolean;
  /** A re-consume after its channel closed on a live connection is pending. */
  reconsuming?: boolean;
}

/** One consumer channel's deliveries: at most `limit` handled at once, the rest waiting in order. */
interface Lane {
  channel: Channel;
  acker: Acker;
  queue: string;
  limit: number;
  running: number;
  waiting: ConsumeMessage[];
  head: number;
  /** The broker cancelled this lane's consumer: its channel is closed once its handlers finished. */
  cancelled?: boolean;
}

export class RabbitAdapter implements Adapter {
  readonly name = "rabbitmq";
  private connection?: ChannelModel;
  private publisher?: ConfirmChannel;
  private readonly subscriptions = new Set<SubscriptionSpec>();
  private closing = false;
  private reconnecting?: Promise<void>;
  /** A new confirm channel being opened on the live connection after the publisher channel closed. */
  private reopening?: Promise<void>;
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
    this.publisher = await this.openPublisher(this.connection);
    await this.publisher.assertExchange(EXCHANGE, "topic", { durable: true });
    await this.publisher.assertExchange(DLX, "topic", { durable: true });
    const connection = this.connection;
    for (const spec of this.subscriptions) {
      if (spec.closed) continue;
      // One subscription that cannot be set up must not fail the reconnect of all the others.
      await this.consume(spec).catch((error) => {
        console.warn(`rohas rabbitmq: cannot consume ${spec.event} (group ${spec.options.group}): ${reason(error)}; trying again`);
        this.reconsume(spec, connection);
      });
    }
  }

  /** A consumer channel with an error listener (amqplib throws an 'error' nobody listens to). */
  private async openChannel(connection: ChannelModel): Promise<Channel> {
    const channel = await connection.createChannel();
    channel.on("error", (error: unknown) => {
      if (!this.closing) console.warn(`rohas rabbitmq: consumer channel error: ${reason(error)}`);
    });
    channel.on("close", () => closedChannels.add(channel));
    return channel;
  }

  /** Consumes `spec` again on a new channel of the same connection, with backoff (100 ms doubling to 5 s), until it works or is moot. */
  private reconsume(spec: SubscriptionSpec, connection: ChannelModel): void {
    if (spec.reconsuming) return;
    spec.reconsuming = true;
    void (async () => {
      for (let attempt = 1; ; attempt++) {
        await Bun.sleep(Math.min(5_000, 100 * 2 ** (attempt - 1)));
        // A lost connection is reconnect()'s: it consumes every subscription again.
        if (spec.closed || this.closing || this.connection !== connection) return;
        try {
          await this.consume(spec);
          return;
        } catch (error) {
          console.warn(`rohas rabbitmq: cannot consume ${spec.event} (group ${spec.options.group}): ${reason(error)}; trying again`);
        }
      }
    })().finally(() => (spec.reconsuming = false));
  }

  /**
   * A confirm channel for publishing. A broker nack leaves it usable; only when it really closed
   * (a channel error, or its connection went away) is it replaced: on the same connection when that
   * is still up (one shared attempt), else by reconnect().
   */
  private async openPublisher(connection: ChannelModel): Promise<ConfirmChannel> {
    const publisher = await connection.createConfirmChannel();
    publisher.on("error", (error: unknown) => {
      // amqplib throws an 'error' nobody listens to; 'close' follows
      if (!this.closing) console.warn(`rohas rabbitmq: publisher channel error: ${reason(error)}`);
    });
    publisher.on("close", () => {
      if (this.publisher === publisher) this.publisher = undefined;
      if (!this.closing && this.connection === connection) this.reopening ??= this.reopenPublisher(connection);
    });
    return publisher;
  }

  private async reopenPublisher(connection: ChannelModel): Promise<void> {
    try {
      for (let attempt = 1; !this.closing && this.connection === connection && !this.publisher; attempt++) {
        try {
          const publisher = await this.openPublisher(connection);
          if (this.closing || this.connection !== connection) {
            await publisher.close().catch(() => undefined);
            return;
          }
          this.publisher = publisher;
          return;
        } catch {
          await Bun.sleep(Math.min(2_000, 50 * 2 ** attempt));
        }
      }
    } finally {
      this.reopening = undefined;
    }
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

  publish(event: string, payload: unknown, options?: PublishOptions): Promise<void> {
    if (this.closing) return Promise.reject(new AdapterError("adapter/closed", `cannot publish ${event}: the RabbitMQ adapter is closed`));
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(payload ?? null));
    } catch (error) {
      return Promise.reject(error);
    }
    const now = Date.now();
    const properties: Options.Publish = {
      persistent: true,
      contentType: "application/json",
      messageId: `${this.idPrefix}-${++this.sequence}`,
      timestamp: now,
      // No attempt header on a first delivery (absent means 1): an AMQP headers table is encoded per message.
      headers: options?.key ? { ...options.headers, "x-rohas-key": options.key } : options?.headers,
    };
    const deadline = now + this.options.publishWaitMs;
    // Fast path (connected, no back-pressure): one promise and one confirm callback per message.
    // Anything unusual (no channel, a full write buffer, a nack or a lost channel) goes the slow way,
    // which waits for the reconnect and sends again (same message id) until the deadline.
    const publisher = this.publisher;
    if (!publisher || drains.has(publisher)) return this.publishSlow(event, body, properties, deadline);
    return new Promise<void>((resolve, reject) => {
      let ok: boolean;
      try {
        ok = publisher.publish(EXCHANGE, event, body, properties, (error) => {
          if (!error) resolve();
          else this.publishFailed(publisher, event, body, properties, deadline, error).then(resolve, reject);
        });
      } catch (error) {
        this.publishFailed(publisher, event, body, properties, deadline, error).then(resolve, reject);
        return;
      }
      if (!ok) watchDrain(publisher);
    });
  }

  /** Publisher confirms: resolved only once the broker took responsibility for this message. */
  private async publishSlow(event: string, body: Buffer, properties: Options.Publish, deadline: number): Promise<void> {
    const publisher = await this.readyPublisher(event, deadline);
    try {
      // Its own confirm callback, not waitForConfirms(), which waits for every outstanding
      // message and costs O(outstanding) per call: quadratic with many publishes in flight.
      await confirmed(publisher, EXCHANGE, event, body, properties);
    } catch (error) {
      await this.publishFailed(publisher, event, body, properties, deadline, error);
    }
  }

  /**
   * The broker nacked a publish or the channel went away under it: send again (same message id; on a
   * new channel once it is there) until the deadline. The channel itself is dropped only by its
   * 'close' event, never for a nack, so one rejected message does not fail every later publish.
   */
  private async publishFailed(_publisher: ConfirmChannel, event: string, body: Buffer, properties: Options.Publish, deadline: number, error: unknown): Promise<void> {
    if (this.closing || Date.now() > deadline) {
      throw new AdapterError("adapter/publish-failed", `RabbitMQ at ${this.address} did not confirm ${event}: ${reason(error)}`, error);
    }
    await Bun.sleep(100);
    return this.publishSlow(event, body, properties, deadline);
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
    const spec: SubscriptionSpec = { event, handler, options, retry: { ...DEFAULT_RETRY, ...options.retry }, active: 0, closed: false };
    this.subscriptions.add(spec);
    try {
      await this.consume(spec);
    } catch (error) {
      // Not kept: each reconnect would repeat the failing setup.
      spec.closed = true;
      this.subscriptions.delete(spec);
      const channel = spec.channel;
      spec.channel = undefined;
      await channel?.close().catch(() => undefined);
      throw error;
    }
    return {
      close: async () => {
        spec.closed = true;
        await this.stopConsuming(spec);
        this.subscriptions.delete(spec);
      },
    };
  }

  private async consume(spec: SubscriptionSpec): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    let channel = await this.openChannel(connection);
    const queue = this.queueName(spec.event, spec.options.group);
    try {
      channel = await this.declare(connection, channel, spec.event, queue);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    // Closed while the queue was being declared (a re-consume raced close()): consuming now would
    // leave a consumer nobody stops.
    if (spec.closed || this.closing) {
      await channel.close().catch(() => undefined);
      return;
    }
    const consumer = channel;
    // Closed under a live connection (a channel error): consume this subscription again.
    consumer.on("close", () => {
      if (spec.channel === consumer && !spec.closed && !this.closing && this.connection === connection) this.reconsume(spec, connection);
    });
    spec.channel = channel;
    const acker = new Acker(channel);
    spec.acker = acker;
    const lane: Lane = { channel, acker, queue, limit: Math.max(1, spec.options.concurrency ?? 64), running: 0, waiting: [], head: 0 };
    // The broker may send up to PREFETCH_FACTOR × concurrency unacknowledged messages, so the next
    // ones are already here when a handler finishes (no round trip of idle time per ack); at most
    // `concurrency` handlers run at once, the rest wait here in delivery order (still unacknowledged:
    // redelivered if this consumer goes away).
    await channel.prefetch(Math.min(65_535, lane.limit * PREFETCH_FACTOR)); // a 16-bit field
    await channel.consume(queue, (raw) => {
      if (!raw) return this.cancelled(spec, lane, connection);
      if (lane.running < lane.limit && lane.head === lane.waiting.length) this.start(spec, lane, raw);
      else lane.waiting.push(raw);
    });
  }

  /**
   * The broker cancelled the consumer (basic.cancel: its queue was deleted, or the queue's node
   * failed over). Nothing else tells: the channel stays open and quiet, so without this the
   * subscription would stop receiving for good. It is set up again (queue, bindings, consumer) on a
   * new channel; deliveries already here are still handled on the old one, which is closed when
   * they are done. A close of ours never comes here: closing a channel does not call the callback.
   */
  private cancelled(spec: SubscriptionSpec, lane: Lane, connection: ChannelModel): void {
    // Closing (the subscription or the adapter), or a newer consumer took over: nothing to recover.
    if (spec.closed || this.closing || spec.channel !== lane.channel) return;
    console.warn(
      `rohas rabbitmq: the broker cancelled the consumer of queue ${lane.queue} (event ${spec.event}, group ${spec.options.group}): ` +
        `the queue was deleted or its node failed over; declaring it and consuming again. Messages published while it was missing reached no queue of this group.`,
    );
    lane.cancelled = true;
    // The old channel's 'close' asks for a re-consume too: `reconsuming` keeps it to one consumer.
    this.reconsume(spec, connection);
    if (lane.running === 0) this.retire(lane);
  }

  /** A cancelled lane whose handlers finished: its acks go out, then its channel is closed. */
  private retire(lane: Lane): void {
    lane.acker.flush();
    void lane.channel.close().catch(() => undefined);
  }

  /**
   * The group's queue, its DLQ and its retry queue. The queue dead-letters into rohas.dlx with its
   * own name as routing key, and only its DLQ is bound with that key: keyed by event name, one
   * group's dead letter would land in every group's DLQ of that event. Returns the channel to use
   * (a 406 replaces it).
   */
  private async declare(connection: ChannelModel, channel: Channel, event: string, queue: string): Promise<Channel> {
    await channel.assertExchange(EXCHANGE, "topic", { durable: true });
    await channel.assertExchange(DLX, "topic", { durable: true });
    const main = await this.assertQueue(connection, channel, queue, { durable: true, deadLetterExchange: DLX, deadLetterRoutingKey: queue });
    channel = main.channel;
    await channel.bindQueue(queue, EXCHANGE, event);
    const dlq = `${queue}.dlq`;
    channel = (await this.assertQueue(connection, channel, dlq, { durable: true })).channel;
    await channel.bindQueue(dlq, DLX, queue);
    // A queue kept as it is (made before dead-letter keys were per group) still dead-letters with
    // the event name, so its DLQ keeps that binding. Once the queue has been made again the binding
    // goes, or this DLQ would still get the dead letters of other groups' old queues.
    if (main.kept) await channel.bindQueue(dlq, DLX, event);
    else await channel.unbindQueue(dlq, DLX, event);
    // Expired retries go back to the main queue through the default exchange.
    return (await this.assertQueue(connection, channel, `${queue}.retry`, { durable: true, deadLetterExchange: "", deadLetterRoutingKey: queue })).channel;
  }

  /**
   * assertQueue; when the queue exists with other arguments (406 PRECONDITION_FAILED, e.g. made
   * without the dead-letter arguments) it is used as it is, with a warning. The 406 closed the
   * channel, so the check runs on a new one, which is returned; `kept` tells the queue was not made
   * with `options`.
   */
  private async assertQueue(connection: ChannelModel, channel: Channel, queue: string, options: Options.AssertQueue): Promise<{ channel: Channel; kept: boolean }> {
    try {
      await channel.assertQueue(queue, options);
      return { channel, kept: false };
    } catch (error) {
      if ((error as { code?: number }).code !== 406) throw error;
      console.warn(
        `rohas rabbitmq: queue ${queue} exists with other arguments than the adapter's (${reason(error)}); using it as it is, ` +
          `so its failures may not be dead-lettered into ${DLX}, or may reach other groups' dead-letter queues. ` +
          `Delete the queue (once drained) to let the adapter create it.`,
      );
      const next = await this.openChannel(connection);
      try {
        await next.checkQueue(queue);
      } catch (checkError) {
        await next.close().catch(() => undefined);
        throw checkError;
      }
      return { channel: next, kept: true };
    }
  }

  private start(spec: SubscriptionSpec, lane: Lane, raw: ConsumeMessage): void {
    // Stopping (or a newer channel took over): take nothing new; unacknowledged messages are redelivered.
    if (spec.channel !== lane.channel) return;
    lane.running++;
    spec.active++;
    this.handle(spec, lane, raw);
  }

  /** Runs the handler; acks when it resolved, else retries or dead-letters. No promise of its own on success. */
  private handle(spec: SubscriptionSpec, lane: Lane, raw: ConsumeMessage): void {
    const acker = lane.acker;
    let message: Message;
    let result: Promise<void> | void;
    try {
      message = toMessage(spec.event, raw);
    } catch (error) {
      // Undecodable (not JSON): no retry can fix it, so it is dead-lettered at once. Left
      // unacknowledged it would hold a prefetch slot and pin the Acker until the channel died.
      this.undecodable(spec, lane, raw, error);
      return;
    }
    try {
      result = spec.handler(message);
    } catch (error) {
      this.failed(spec, lane, raw, message, error);
      return;
    }
    if (result && typeof result.then === "function") {
      result.then(
        () => {
          acker.ack(raw);
          this.finished(spec, lane);
        },
        (error: unknown) => this.failed(spec, lane, raw, message, error),
      );
    } else {
      acker.ack(raw);
      this.finished(spec, lane);
    }
  }

  /** Rejects an undecodable delivery into rohas.dlx and reports it with its text as the payload. */
  private undecodable(spec: SubscriptionSpec, lane: Lane, raw: ConsumeMessage, error: unknown): void {
    try {
      if (gone(spec, lane.channel)) throw new Error("channel closed");
      lane.channel.nack(raw, false, false); // → rohas.dlx → <queue>.dlq
    } catch {
      // The channel closed: the broker requeues it; the next channel rejects (and reports) it.
      this.finished(spec, lane);
      return;
    }
    lane.acker.settled(raw.fields.deliveryTag);
    try {
      spec.options.onDeadLetter?.(toMessage(spec.event, raw, raw.content.toString()), error);
    } catch {
      // a broken dead-letter sink must not stop consuming
    }
    this.finished(spec, lane);
  }

  /** A handling ended: start the next waiting delivery, or tell a draining close() when none runs. */
  private finished(spec: SubscriptionSpec, lane: Lane): void {
    lane.running--;
    spec.active--;
    while (lane.running < lane.limit && lane.head < lane.waiting.length) {
      if (spec.channel !== lane.channel) {
        lane.waiting = [];
        lane.head = 0;
        break;
      }
      const next = lane.waiting[lane.head]!;
      lane.waiting[lane.head++] = undefined as unknown as ConsumeMessage;
      if (lane.head === lane.waiting.length) {
        lane.waiting = [];
        lane.head = 0;
      }
      this.start(spec, lane, next);
    }
    if (lane.cancelled && lane.running === 0 && lane.head === lane.waiting.length) this.retire(lane);
    if (spec.active === 0) spec.idle?.();
  }

  private failed(spec: SubscriptionSpec, lane: Lane, raw: ConsumeMessage, message: Message, error: unknown): void {
    this.retryOrDeadLetter(spec, lane, raw, message, error).finally(() => this.finished(spec, lane));
  }

  private async retryOrDeadLetter(spec: SubscriptionSpec, lane: Lane, raw: ConsumeMessage, message: Message, error: unknown): Promise<void> {
    const { channel, acker, queue } = lane;
    // The delivery's channel is gone (the connection dropped, or it was replaced): the broker has
    // already requeued the message and redelivers it. A retry copy or a dead-letter report now
    // would make a duplicate (its ack or nack can no longer reach the broker).
    if (gone(spec, channel)) return;
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
      if (!publisher || gone(spec, channel)) throw new Error("no connection");
      await confirmed(publisher, "", `${queue}.retry`, raw.content, {
        ...raw.properties,
        persistent: true,
        expiration: String(retryDelay(spec.retry, message.attempt)),
        headers: { ...raw.properties.headers, [ATTEMPT]: message.attempt + 1 },
      });
      // The channel may have gone while the copy was confirmed: the original is redelivered too
      // (a duplicate, at least once); nothing more can be done without the channel.
      acker.ack(raw);
    } catch {
      // The connection went away mid-retry: leave the message unacknowledged; the broker redelivers it.
    }
  }

  private async stopConsuming(spec: SubscriptionSpec): Promise<void> {
    const channel = spec.channel;
    spec.channel = undefined;
    if (!channel) return;
    if (spec.active > 0) {
      // A timer cleared when the handlers finish first: a pending sleep would keep the process alive after close().
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        spec.idle = resolve;
        timer = setTimeout(resolve, this.options.drainTimeoutMs);
      });
      clearTimeout(timer);
      spec.idle = undefined;
    }
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
    if (!ok) watchDrain(channel);
  });
}

/** amqplib's write buffer is full: later publishes on this channel wait for its `drain` (or close). */
function watchDrain(channel: ConfirmChannel): void {
  if (drains.has(channel)) return;
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
const drains = new WeakMap<ConfirmChannel, Promise<void>>();

/** Consumer channels that emitted 'close' (a channel error, or their connection went away). */
const closedChannels = new WeakSet<Channel>();

/** A delivery of `channel` can no longer be settled: the channel closed or the subscription moved to another one. */
function gone(spec: SubscriptionSpec, channel: Channel): boolean {
  return closedChannels.has(channel) || (spec.channel !== undefined && spec.channel !== channel);
}

/** `payload` given: used as is (an undecodable body as text) instead of parsing the body as JSON. */
function toMessage(event: string, raw: ConsumeMessage, payload?: string): Message {
  const props = raw.properties;
  const table = props.headers;
  const headers: Record<string, string> = {};
  let attempt = 1;
  let key: string | undefined;
  if (table) {
    for (const k in table) if (!internalHeader(k)) headers[k] = String(table[k]);
    if (table[ATTEMPT] != null) attempt = Number(table[ATTEMPT]);
    key = table["x-rohas-key"] as string | undefined;
  }
  return {
    id: String(props.messageId ?? `${event}-${raw.fields.deliveryTag}`),
    event,
    payload: payload !== undefined ? payload : JSON.parse(raw.content.toString() || "null"),
    headers,
    attempt,
    key,
    publishedAt: Number(props.timestamp) || Date.now(),
  };
}

/** The adapter's own headers and the broker's dead-letter bookkeeping; a publisher's other `x-` headers are kept. */
function internalHeader(k: string): boolean {
  if (k.charCodeAt(0) !== 120 /* x */ || k.charCodeAt(1) !== 45 /* - */) return false;
  return k.startsWith("x-rohas-") || k === "x-death" || k.startsWith("x-first-death-") || k.startsWith("x-last-death-") || k === "x-delivery-count";
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
