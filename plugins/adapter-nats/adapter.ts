/**
 * NATS JetStream: one stream per event (`ROHAS_<event>` on subject
 * `rohas.<event>`), one durable pull consumer per consumer group, so
 * subscriptions of a group compete and each group gets every message.
 * Messages are acknowledged only after the handler finished; a failure is
 * nak'ed with a backoff delay, and after `maxAttempts` the message is copied to
 * the dead-letter stream `ROHAS_DLQ` (subject `rohas.dlq.<event>`) and
 * terminated. The client reconnects forever with backoff; a first connect to an
 * unreachable server fails fast with the address and the reason.
 */
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  headers as natsHeaders,
  JSONCodec,
  nanos,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from "nats";
import {
  AdapterError,
  DEFAULT_RETRY,
  retryDelay,
  type Adapter,
  type Message,
  type MessageHandler,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
} from "../../core/adapter.ts";

export interface NatsAdapterOptions {
  url: string;
  /** How long JetStream waits for an ack before redelivering (a consumer that died). */
  ackWaitMs: number;
  connectTimeoutMs: number;
}

const codec = JSONCodec();
const DLQ_STREAM = "ROHAS_DLQ";
const streamName = (event: string) => `ROHAS_${event.replace(/[^A-Za-z0-9_-]/g, "_")}`;
const subject = (event: string) => `rohas.${event}`;

export class NatsAdapter implements Adapter {
  readonly name = "nats";
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly streams = new Set<string>();
  private readonly running = new Set<{ messages: ConsumerMessages; inFlight: Set<Promise<void>> }>();

  constructor(private readonly options: NatsAdapterOptions) {}

  async connect(): Promise<void> {
    try {
      this.nc = await connect({
        servers: this.options.url,
        timeout: this.options.connectTimeoutMs,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        name: "rohas",
      });
    } catch (error) {
      throw new AdapterError("adapter/unreachable", `cannot connect to NATS at ${this.options.url}: ${reason(error)}`, error);
    }
    this.jsm = await this.nc.jetstreamManager().catch((error: unknown) => {
      throw new AdapterError("adapter/no-jetstream", `NATS at ${this.options.url} has no JetStream (start nats-server with -js): ${reason(error)}`, error);
    });
    this.js = this.nc.jetstream();
  }

  private async ensureStream(name: string, subjects: string[]): Promise<void> {
    if (this.streams.has(name)) return;
    try {
      await this.jsm!.streams.info(name);
    } catch {
      await this.jsm!.streams.add({ name, subjects });
    }
    this.streams.add(name);
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (!this.js) throw new AdapterError("adapter/closed", `cannot publish ${event}: not connected to NATS`);
    await this.ensureStream(streamName(event), [subject(event)]);
    // Headers only when there is something to carry: a message's id is its stream sequence and its
    // publish time the stream's timestamp (both in the ack metadata), so a plain event is a plain PUB.
    let h: ReturnType<typeof natsHeaders> | undefined;
    if (options.headers || options.key) {
      h = natsHeaders();
      for (const k in options.headers) h.set(k, options.headers[k]!);
      if (options.key) h.set("rohas-key", options.key);
    }
    const data = codec.encode(payload);
    const max = this.nc!.info?.max_payload;
    if (max && data.length > max) {
      throw new AdapterError("adapter/payload-too-large", `event ${event}: payload is ${data.length} bytes, over this NATS server's max_payload of ${max}`);
    }
    try {
      // Resolves once JetStream stored it: an acknowledged publish survives a broker restart.
      // No msgID (Nats-Msg-Id): JetStream's duplicate tracking cost ~40% of publish throughput
      // and bought nothing, since a publish is never re-sent with the same id (the client
      // retries only a 503, which was not stored).
      await this.js.publish(subject(event), data, h ? { headers: h } : undefined);
    } catch (error) {
      throw new AdapterError("adapter/publish-failed", `publishing ${event} to NATS at ${this.options.url} failed: ${reason(error)}`, error);
    }
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const stream = streamName(event);
    await this.ensureStream(stream, [subject(event)]);
    const durable = options.group.replace(/[^A-Za-z0-9_-]/g, "_");
    try {
      await this.jsm!.consumers.info(stream, durable);
    } catch {
      await this.jsm!.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subject(event),
        ack_wait: nanos(this.options.ackWaitMs),
        // Rohas dead-letters itself at maxAttempts; this is only a backstop against endless redelivery.
        max_deliver: retry.maxAttempts + 1,
      });
    }
    const consumer = await this.js!.consumers.get(stream, durable);
    const concurrency = options.concurrency ?? 64;
    const messages = await consumer.consume({ max_messages: concurrency });
    const state = { messages, inFlight: new Set<Promise<void>>() };
    this.running.add(state);

    const handle = async (m: JsMsg): Promise<void> => {
      const message = toMessage(event, m);
      try {
        await handler(message);
        m.ack();
      } catch (error) {
        if (message.attempt >= retry.maxAttempts) {
          await this.deadLetter(message, error);
          m.term();
          try {
            options.onDeadLetter?.(message, error);
          } catch {
            // a broken dead-letter sink must not stop consuming
          }
        } else {
          m.nak(retryDelay(retry, message.attempt));
        }
      }
    };

    void (async () => {
      for await (const m of messages) {
        while (state.inFlight.size >= concurrency) await Promise.race(state.inFlight);
        const p = handle(m).finally(() => state.inFlight.delete(p));
        state.inFlight.add(p);
      }
    })();

    return {
      close: async () => {
        await messages.close();
        await Promise.allSettled([...state.inFlight]);
        this.running.delete(state);
      },
    };
  }

  private async deadLetter(message: Message, error: unknown): Promise<void> {
    await this.ensureStream(DLQ_STREAM, ["rohas.dlq.>"]);
    const h = natsHeaders();
    for (const [k, v] of Object.entries(message.headers)) h.set(k, v);
    h.set("rohas-id", message.id);
    h.set("rohas-error", reason(error).slice(0, 1000));
    await this.js!.publish(`rohas.dlq.${message.event}`, codec.encode(message.payload), { headers: h });
  }

  async close(): Promise<void> {
    for (const state of this.running) {
      await state.messages.close();
      await Promise.allSettled([...state.inFlight]);
    }
    this.running.clear();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
  }
}

function toMessage(event: string, m: JsMsg): Message {
  const headers: Record<string, string> = {};
  const h = m.headers;
  if (h) for (const [k, v] of h) if (!k.startsWith("rohas-")) headers[k] = v[0] ?? "";
  const info = m.info;
  return {
    // Messages published before ids came from stream sequences carry rohas-id / rohas-published-at.
    id: h?.get("rohas-id") || `${info.stream}-${info.streamSequence}`,
    event,
    payload: m.data.length ? codec.decode(m.data) : undefined,
    headers,
    attempt: info.redeliveryCount,
    key: h?.get("rohas-key") || undefined,
    publishedAt: Number(h?.get("rohas-published-at")) || Math.floor(info.timestampNanos / 1e6),
  };
}

function reason(error: unknown): string {
  if (error instanceof Error) return (error as Error & { code?: string }).code ? `${error.message} (${(error as Error & { code?: string }).code})` : error.message;
  return String(error);
}
