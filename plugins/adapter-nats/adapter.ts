/**
 * NATS JetStream: one stream per event (`ROHAS_<event>` on subject
 * `rohas.<event>`), one durable pull consumer per consumer group, so
 * subscriptions of a group compete and each group gets every message.
 * Messages are acknowledged only after the handler finished; a failure is
 * nak'ed with a backoff delay, and after `maxAttempts` the message is copied to
 * the dead-letter stream `ROHAS_DLQ` (subject `rohas.dlq.<event>`) and
 * terminated (the durable's own max_deliver is unlimited and kept up to date, so the
 * server never gives up first). Streams keep messages up to a maximum age and size
 * (limits.ts), set on create and brought up to date on an existing stream. A handler
 * running longer than the ack wait keeps its message with in-progress signs; a stream or
 * durable that vanished is recreated. The client reconnects forever with backoff; a
 * first connect to an unreachable server fails fast with the address and the reason.
 */
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  headers as natsHeaders,
  JSONCodec,
  nanos,
  Events,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
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
import { describeLimits, limitsDiffer, retentionLimits, type RetentionOptions, type StreamLimits } from "./limits.ts";
import { PullConsumer } from "./pull.ts";

export interface NatsAdapterOptions extends RetentionOptions {
  url: string;
  /** How long JetStream waits for an ack before redelivering (a consumer that died). */
  ackWaitMs: number;
  connectTimeoutMs: number;
  /**
   * How long closing (a subscription or the adapter) waits for handlers in flight; those still
   * running then are left unacknowledged and redelivered after the ack wait. Default 5000.
   */
  drainTimeoutMs?: number;
}

const codec = JSONCodec();
/**
 * The server's own redelivery limit. Rohas dead-letters at maxAttempts (and a message delivered
 * past it is dead-lettered unhandled), so the server must never give up first: a message over
 * max_deliver stays in the stream but is never delivered again, nor dead-lettered.
 */
const MAX_DELIVER = -1;
/** Pause before checking for (and recreating) a stream or durable that seems to be gone. */
const RECHECK_DELAY_MS = 1_000;
const DLQ_STREAM = "ROHAS_DLQ";
const streamName = (event: string) => `ROHAS_${event.replace(/[^A-Za-z0-9_-]/g, "_")}`;
const subject = (event: string) => `rohas.${event}`;

export class NatsAdapter implements Adapter {
  readonly name = "nats";
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private readonly streams = new Set<string>();
  private readonly ensuring = new Map<string, Promise<void>>();
  private readonly running = new Set<PullConsumer>();
  /** The subscriptions' in-progress timers, stopped when closing gives up on their handlers. */
  private readonly progress = new Set<ReturnType<typeof setInterval>>();
  private status?: AsyncIterable<unknown>;

  private readonly drainTimeoutMs: number;
  private readonly limits: { events: StreamLimits; dlq: StreamLimits };

  /** Throws an `adapter/config` AdapterError for a bad retention option, so start-up stops before connecting. */
  constructor(private readonly options: NatsAdapterOptions) {
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
    this.limits = retentionLimits(options);
  }

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
    // Pull requests do not survive a reconnect (the server may have restarted): consumers ask again.
    const status = this.nc.status();
    this.status = status;
    void (async () => {
      for await (const s of status) if (s.type === Events.Reconnect) for (const pull of this.running) pull.reconnected();
    })().catch(() => undefined);
  }

  /** Makes sure a stream exists, once at a time per stream (concurrent creates of one stream can break its store on a 2.9 server). */
  private ensureStream(name: string, subjects: string[]): Promise<void> {
    if (this.streams.has(name)) return Promise.resolve();
    let ensuring = this.ensuring.get(name);
    if (!ensuring) {
      ensuring = this.makeStream(name, subjects)
        .then(() => void this.streams.add(name))
        .finally(() => this.ensuring.delete(name));
      this.ensuring.set(name, ensuring);
    }
    return ensuring;
  }

  /** Creates a stream with the configured limits, or brings an existing stream's limits up to date. */
  private async makeStream(name: string, subjects: string[]): Promise<void> {
    const limits = name === DLQ_STREAM ? this.limits.dlq : this.limits.events;
    let config;
    try {
      config = (await this.jsm!.streams.info(name)).config;
    } catch {
      try {
        await this.jsm!.streams.add({ name, subjects, ...limits });
      } catch (error) {
        throw new AdapterError("adapter/stream-failed", `cannot create JetStream stream ${name} (${describeLimits(limits)}) on NATS at ${this.options.url}: ${reason(error)}`, error);
      }
      return;
    }
    if (limitsDiffer(config, limits)) await this.updateLimits(name, config, limits);
  }

  /**
   * Applies changed limits to an existing stream (an older version made it without, or the config
   * changed). Only max_age, max_bytes and duplicate_window are sent; the client merges them into
   * the stream's config, so an operator's other settings stay. A refusal is a warning: the stream
   * works as it is, and publishing must not fail over its retention.
   */
  private async updateLimits(name: string, config: StreamLimits, limits: StreamLimits): Promise<void> {
    try {
      await this.jsm!.streams.update(name, limits);
    } catch (error) {
      console.warn(
        `rohas nats: stream ${name} keeps its current limits (${describeLimits(config)}): JetStream refused the configured ${describeLimits(limits)}: ${reason(error)}`,
      );
    }
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (!this.js) throw new AdapterError("adapter/closed", `cannot publish ${event}: not connected to NATS`);
    const to = subject(event);
    const stream = streamName(event);
    if (!this.streams.has(stream)) await this.ensureStream(stream, [to]);
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
      await this.publishTo(stream, to, to, data, h);
    } catch (error) {
      throw new AdapterError("adapter/publish-failed", `publishing ${event} to NATS at ${this.options.url} failed: ${reason(error)}`, error);
    }
  }

  /**
   * Publishes to a stream's subject. No responders (503) may mean the stream is gone (a broker
   * restarted without its store, an operator deleted it) while this process still has it cached:
   * forget it, make sure it exists and try once more. A 503 is never stored, so the retry cannot duplicate.
   */
  private async publishTo(stream: string, subjects: string, to: string, data: Uint8Array, h?: ReturnType<typeof natsHeaders>): Promise<void> {
    try {
      await this.js!.publish(to, data, h ? { headers: h } : undefined);
    } catch (error) {
      if ((error as { code?: string }).code !== "503") throw error;
      this.streams.delete(stream);
      await this.ensureStream(stream, [subjects]).catch(() => {
        throw error;
      });
      await this.js!.publish(to, data, h ? { headers: h } : undefined);
    }
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const stream = streamName(event);
    await this.ensureStream(stream, [subject(event)]);
    const durable = options.group.replace(/[^A-Za-z0-9_-]/g, "_");
    await this.ensureConsumer(stream, durable, subject(event));

    // A failed (or undecodable) message: nak with backoff, or at maxAttempts dead-letter then terminate.
    const failed = async (msg: Msg, message: Message, error: unknown): Promise<void> => {
      if (message.attempt >= retry.maxAttempts) {
        try {
          await this.deadLetter(message, error);
        } catch {
          // Not dead-lettered (broker gone?): nak so it comes back and dead-letters then.
          respond(msg, nakPayload(retryDelay(retry, message.attempt)));
          return;
        }
        respond(msg, TERM);
        try {
          options.onDeadLetter?.(message, error);
        } catch {
          // a broken dead-letter sink must not stop consuming
        }
      } else {
        respond(msg, nakPayload(retryDelay(retry, message.attempt)));
      }
    };

    // A handler slower than the ack wait must keep its message, or JetStream redelivers it while it
    // still runs (a duplicate, and a second dead letter). Every third of the ack wait, each message
    // whose handler was already running at the previous tick gets "+WPI" (in progress): between two
    // signs at most two thirds of the ack wait pass. Per message it costs a Map set and delete.
    const inFlight = new Map<Msg, boolean>(); // true: seen by a tick
    const progress = setInterval(() => {
      for (const [msg, seen] of inFlight) {
        if (seen) respond(msg, WPI);
        else inFlight.set(msg, true);
      }
    }, Math.max(10, Math.floor(this.options.ackWaitMs / 3)));
    (progress as { unref?: () => void }).unref?.();

    // Per message: one Message object, the handler's promise and one then(); acked (without
    // waiting for the server) only once the handler resolved.
    const deliver = (msg: Msg, reply: string): void => {
      let message: Message;
      try {
        message = toMessage(event, msg, reply);
      } catch (error) {
        const raw = rawMessage(event, msg, reply);
        void failed(msg, raw, error).finally(release);
        return;
      }
      if (message.attempt > retry.maxAttempts) {
        // Delivered past maxAttempts: earlier attempts never settled (the process died, the ack
        // timed out) or their dead-letter publish failed. Dead-letter it without running the handler.
        const error = new Error(`delivered ${message.attempt} times, over maxAttempts (${retry.maxAttempts}): earlier attempts did not finish`);
        void failed(msg, message, error).finally(release);
        return;
      }
      let done: Promise<void>;
      inFlight.set(msg, false);
      try {
        done = handler(message);
      } catch (error) {
        done = Promise.reject(error);
      }
      done.then(
        () => {
          inFlight.delete(msg);
          respond(msg, ACK);
          pull.release();
        },
        (error: unknown) => {
          inFlight.delete(msg);
          void failed(msg, message, error).finally(release);
        },
      );
    };
    const release = () => pull.release();
    // The stream or durable may be gone (a broker restarted without its store, an operator deleted
    // them): recreate both, idempotently, and ask again. One check at a time, after a pause: a
    // 2.9 server still tearing down a deleted stream can break one recreated at once under its name.
    let checking: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const onMissing = () => {
      if (checking || closed) return;
      checking = setTimeout(() => {
        this.streams.delete(stream);
        this.ensureStream(stream, [subject(event)])
          .then(() => this.ensureConsumer(stream, durable, subject(event)))
          .then(
            () => {
              checking = undefined;
              if (!closed) pull.resume();
            },
            () => {
              checking = undefined; // not reachable now: the next miss checks again
            },
          );
      }, RECHECK_DELAY_MS);
    };
    const pull = new PullConsumer(this.nc!, { stream, durable, concurrency: Math.max(1, options.concurrency ?? 64), onMissing }, deliver);
    this.running.add(pull);
    this.progress.add(progress);

    return {
      close: async () => {
        closed = true;
        if (checking) clearTimeout(checking);
        await within(pull.stop(), this.drainTimeoutMs);
        // Handlers still running are abandoned: their messages go back after the ack wait.
        clearInterval(progress);
        inFlight.clear();
        this.progress.delete(progress);
        this.running.delete(pull);
      },
    };
  }

  /**
   * The group's durable consumer, created or brought up to date: a durable made earlier with
   * another ack wait or a tight max_deliver (an older version, a smaller maxAttempts) is updated,
   * or the server would stop delivering before Rohas dead-letters.
   */
  private async ensureConsumer(stream: string, durable: string, filter: string): Promise<void> {
    const wanted = { ack_wait: nanos(this.options.ackWaitMs), max_deliver: MAX_DELIVER };
    let info;
    try {
      info = await this.jsm!.consumers.info(stream, durable);
    } catch {
      try {
        await this.jsm!.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: filter,
          ...wanted,
        });
        return;
      } catch (error) {
        // Another subscriber of the group created it in between: check it like an existing one.
        info = await this.jsm!.consumers.info(stream, durable).catch(() => {
          throw error;
        });
      }
    }
    const c = info.config;
    if (c.ack_wait !== wanted.ack_wait || (c.max_deliver ?? -1) !== wanted.max_deliver) {
      await this.jsm!.consumers.update(stream, durable, wanted);
    }
  }

  private async deadLetter(message: Message, error: unknown): Promise<void> {
    await this.ensureStream(DLQ_STREAM, ["rohas.dlq.>"]);
    const h = natsHeaders();
    for (const [k, v] of Object.entries(message.headers)) h.set(k, v);
    h.set("rohas-id", message.id);
    h.set("rohas-error", reason(error).slice(0, 1000));
    await this.publishTo(DLQ_STREAM, "rohas.dlq.>", `rohas.dlq.${message.event}`, codec.encode(message.payload), h);
  }

  async close(): Promise<void> {
    await within(Promise.all([...this.running].map((pull) => pull.stop())), this.drainTimeoutMs);
    for (const timer of this.progress) clearInterval(timer);
    this.progress.clear();
    this.running.clear();
    (this.status as { stop?: () => void } | undefined)?.stop?.();
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc?.close());
  }
}

const ACK = Uint8Array.of(43, 65, 67, 75); // +ACK
const TERM = Uint8Array.of(43, 84, 69, 82, 77); // +TERM
const WPI = Uint8Array.of(43, 87, 80, 73); // +WPI
const nakPayload = (delayMs: number) => `-NAK {"delay":${Math.round(delayMs) * 1_000_000}}`;
const decoder = new TextDecoder();

/** Acks, naks or terminates; a closed connection leaves the message to be redelivered after the ack wait. */
function respond(msg: Msg, payload: Uint8Array | string): void {
  try {
    msg.respond(payload);
  } catch {
    // not acknowledged: JetStream redelivers it
  }
}

/**
 * What the ack subject says: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>`,
 * or with `<domain>.<account hash>` after `ACK` (11 or more tokens).
 */
function ackInfo(reply: string): { stream: string; delivered: number; seq: string; timestampMs: number } {
  const t = reply.split(".");
  const o = t.length === 9 ? 2 : 4;
  return { stream: t[o]!, delivered: Number(t[o + 2]), seq: t[o + 3]!, timestampMs: Math.floor(Number(t[o + 5]) / 1e6) };
}

function toMessage(event: string, msg: Msg, reply: string): Message {
  const info = ackInfo(reply);
  const data = msg.data;
  const h = msg.headers;
  const headers: Record<string, string> = {};
  if (!h) {
    return {
      id: `${info.stream}-${info.seq}`,
      event,
      payload: data.length ? JSON.parse(decoder.decode(data)) : undefined,
      headers,
      attempt: info.delivered,
      key: undefined,
      publishedAt: info.timestampMs,
    };
  }
  for (const [k, v] of h) if (!k.startsWith("rohas-")) headers[k] = v[0] ?? "";
  return {
    // Messages published before ids came from stream sequences carry rohas-id / rohas-published-at.
    id: h.get("rohas-id") || `${info.stream}-${info.seq}`,
    event,
    payload: data.length ? JSON.parse(decoder.decode(data)) : undefined,
    headers,
    attempt: info.delivered,
    key: h.get("rohas-key") || undefined,
    publishedAt: Number(h.get("rohas-published-at")) || info.timestampMs,
  };
}

/** A message whose payload is not JSON: its text, so it can be retried and dead-lettered like any failure. */
function rawMessage(event: string, msg: Msg, reply: string): Message {
  const info = ackInfo(reply);
  return { id: `${info.stream}-${info.seq}`, event, payload: decoder.decode(msg.data), headers: {}, attempt: info.delivered, publishedAt: info.timestampMs };
}

/** Waits for `work`, at most `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: string }).code;
  // The client's own words for these are bare codes ("TIMEOUT (TIMEOUT)"): say what they mean.
  if (code === "TIMEOUT") return "no acknowledgement from JetStream in time (the server is down, restarting or overloaded); the event may not be stored";
  if (code === "503") return "JetStream is not available (no responders: the server is starting or JetStream is off)";
  if (code === "CONNECTION_CLOSED" || code === "DISCONNECT") return `the connection is ${code === "DISCONNECT" ? "down (reconnecting)" : "closed"}`;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
