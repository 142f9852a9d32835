/**
 * Apache Kafka (kafkajs). Topic `<prefix><event>` per event (created on first
 * use when `create_topics`), one consumer group per Rohas consumer group and
 * event; the prefix (`topic_prefix`, default `rohas.`) namespaces a project on
 * a shared cluster, and topics.ts makes every name. Offsets
 * are committed only after the handler finished, so a consumer that dies
 * mid-message gets it redelivered after the group rebalances (at least once);
 * they are committed at least every 500 ms, so a crash reruns little. The
 * member heartbeats while handlers run; a non-JSON message is dead-lettered.
 * Kafka has no per-message nack: a failure is retried in place with backoff
 * (which keeps per-partition order), then the message is written to
 * `<prefix>dlq.<event>` and skipped. The message key comes from `options.key`,
 * else from the payload field named by `key_field`.
 */
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer } from "kafkajs";
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
import { TopicNames } from "./topics.ts";

export interface KafkaAdapterOptions {
  brokers: string[];
  clientId: string;
  createTopics: boolean;
  partitions: number;
  keyField?: string;
  connectTimeoutMs: number;
  sessionTimeoutMs: number;
  drainTimeoutMs: number;
  /** Kafka's default max.message.bytes for a topic. */
  maxMessageBytes: number;
  /** Starts every topic and consumer group name (topics.ts); default "rohas.". */
  topicPrefix?: string;
}

/** Bytes a record adds to a batch beyond its key, value and headers (varints, attributes). */
const RECORD_OVERHEAD = 32;

interface OutgoingRecord {
  key: string | null;
  value: string;
  timestamp: string;
  headers?: Record<string, string>;
}

interface Batch {
  messages: OutgoingRecord[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  bytes: number;
}

interface ConsumerState {
  consumer: Consumer;
  /** Messages whose handler (or retries, or dead-lettering) is running. */
  inFlight: number;
  heartbeat: (() => Promise<void>) | undefined;
  beat: ReturnType<typeof setInterval> | undefined;
}

export class KafkaAdapter implements Adapter {
  readonly name = "kafka";
  private readonly kafka: Kafka;
  private readonly names: TopicNames;
  private producer?: Producer;
  private admin?: Admin;
  private readonly topics = new Set<string>();
  private readonly consumers = new Set<ConsumerState>();
  private closed = false;
  /** Publishes waiting for the end of this tick, per topic. */
  private readonly batches = new Map<string, Batch>();

  /** Throws an `adapter/config` AdapterError for a bad topic_prefix, so start-up stops before connecting. */
  constructor(private readonly options: KafkaAdapterOptions) {
    this.names = new TopicNames(options.topicPrefix);
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectTimeoutMs,
      logLevel: logLevel.NOTHING,
      // Reconnects and retried requests use kafkajs's own exponential backoff.
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
    });
  }

  async connect(): Promise<void> {
    const probe = new Kafka({ clientId: this.options.clientId, brokers: this.options.brokers, connectionTimeout: this.options.connectTimeoutMs, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = probe.admin();
    try {
      await admin.connect();
      await admin.disconnect();
    } catch (error) {
      throw new AdapterError("adapter/unreachable", `cannot connect to Kafka at ${this.options.brokers.join(",")}: ${reason(error)}`, error);
    }
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.producer = this.kafka.producer({ allowAutoTopicCreation: true });
    await this.producer.connect();
  }

  private async ensureTopic(name: string): Promise<void> {
    if (this.topics.has(name) || !this.options.createTopics) return;
    await untilTopicKnown(() => this.admin!.createTopics({ topics: [{ topic: name, numPartitions: this.options.partitions }], waitForLeaders: true }));
    this.topics.add(name);
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed || !this.producer) throw new AdapterError("adapter/closed", `cannot publish ${event}: the Kafka adapter is not connected`);
    const name = this.names.eventTopic(event);
    await this.ensureTopic(name);
    const value = JSON.stringify(payload ?? null);
    const bytes = Buffer.byteLength(value);
    if (bytes > this.options.maxMessageBytes) {
      throw new AdapterError("adapter/payload-too-large", `event ${event}: payload is ${bytes} bytes, over Kafka's max.message.bytes of ${this.options.maxMessageBytes}`);
    }
    const field = this.options.keyField;
    const key = options.key ?? (field && payload && typeof payload === "object" ? (payload as Record<string, unknown>)[field] : undefined);
    // No Rohas headers of its own: a message's id is its topic/partition/offset (unique, and the
    // same on every redelivery) and its publish time the record's timestamp, set here. kafkajs
    // encodes each header into its own freshly allocated buffer, which tripled the publish cost.
    const headers = options.headers;
    const message: OutgoingRecord = { key: key === undefined || key === null ? null : String(key), value, timestamp: String(Date.now()) };
    let size = bytes + (message.key?.length ?? 0) + RECORD_OVERHEAD;
    if (headers) {
      message.headers = headers;
      for (const k in headers) size += k.length + headers[k]!.length + 2;
    }
    // Publishes made in the same tick go to the broker as one produce request (acks -1: all
    // in-sync replicas); each resolves only when the request that carried it was acknowledged.
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(name);
      if (batch && batch.bytes + size > this.options.maxMessageBytes / 2) {
        this.batches.delete(name);
        this.flush(event, name, batch);
        batch = undefined;
      }
      if (!batch) {
        const fresh: Batch = { messages: [], waiters: [], bytes: 0 };
        this.batches.set(name, fresh);
        batch = fresh;
        queueMicrotask(() => {
          if (this.batches.get(name) === fresh) this.batches.delete(name);
          if (fresh.messages.length) this.flush(event, name, fresh);
        });
      }
      batch.messages.push(message);
      batch.waiters.push({ resolve, reject });
      batch.bytes += size;
    });
  }

  private flush(event: string, topic: string, batch: Batch): void {
    const messages = batch.messages;
    batch.messages = [];
    this.producer!.send({ topic, acks: -1, messages }).then(
      () => {
        for (const w of batch.waiters) w.resolve();
      },
      (error: unknown) => {
        const failure = new AdapterError("adapter/publish-failed", `publishing ${event} to Kafka at ${this.options.brokers.join(",")} failed: ${reason(error)}`, error);
        for (const w of batch.waiters) w.reject(failure);
      },
    );
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    // Both names are checked before anything is made: a name Kafka refuses fails here, not at the first dead letter.
    const topic = this.names.eventTopic(event);
    const deadLetters = this.names.deadLetterTopic(event);
    await this.ensureTopic(topic);
    await this.ensureTopic(deadLetters);
    const heartbeatInterval = Math.max(100, Math.floor(this.options.sessionTimeoutMs / 10));
    const consumer = this.kafka.consumer({
      // One Kafka group per Rohas group *and event*: members of a Kafka group must all subscribe
      // to the same topics, or partitions of one event get assigned to consumers of another.
      groupId: this.names.groupId(options.group, event),
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval,
      rebalanceTimeout: this.options.sessionTimeoutMs * 2,
    });
    const state: ConsumerState = { consumer, inFlight: 0, heartbeat: undefined, beat: undefined };
    state.beat = setInterval(() => {
      if (state.inFlight > 0) void state.heartbeat?.().catch(() => undefined);
    }, heartbeatInterval);
    state.beat.unref?.();
    this.consumers.add(state);
    await consumer.connect();
    await untilTopicKnown(() => consumer.subscribe({ topic, fromBeginning: true }));
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      // kafkajs commits by default only at the end of each fetched batch (up to thousands of
      // messages), all of which a crash would run again. Commit also once 500 ms have passed
      // since the last commit, checked after each message: redelivery after a crash is bounded
      // by ~0.5 s of handled messages per partition (plus the ones in hand). Per message
      // (autoCommitThreshold: 1, an awaited commit round trip each) measured 0.06x the raw
      // client in bench/adapters.ts; 100-250 ms and a 100-message threshold 0.5-0.9x (noisy);
      // 500 ms 0.87x, within the run-to-run noise of the default's 0.74-0.89x.
      autoCommitInterval: 500,
      partitionsConsumedConcurrently: Math.max(1, Math.min(options.concurrency ?? 1, this.options.partitions)),
      eachMessage: async ({ topic: topicName, partition, message: raw, heartbeat }) => {
        const rawHeaders = raw.headers;
        const headers: Record<string, string> = {};
        if (rawHeaders) for (const k in rawHeaders) if (!k.startsWith("rohas-") && rawHeaders[k] !== undefined) headers[k] = String(rawHeaders[k]);
        const text = raw.value?.toString() ?? "null";
        const first: Message = {
          // Messages published before ids came from offsets carry a rohas-id header.
          id: rawHeaders?.["rohas-id"] ? String(rawHeaders["rohas-id"]) : `${topicName}/${partition}/${raw.offset}`,
          event,
          payload: undefined,
          headers,
          attempt: 1,
          key: raw.key?.toString(),
          publishedAt: Number(rawHeaders?.["rohas-published-at"] ?? raw.timestamp),
        };
        // kafkajs 2.x heartbeats only between messages: a handler (or its retries) slower than
        // the session timeout would get this member evicted, its commit refused and the message
        // run again forever. So heartbeat while this message is in hand; kafkajs itself skips
        // the request when the last one is more recent than heartbeatInterval.
        // One interval per subscription (a timer per message cost throughput) does it for every
        // message in hand; kafkajs's heartbeat() is the same runner call for all of them.
        state.heartbeat = heartbeat;
        state.inFlight++;
        // kafkajs commits this offset only after eachMessage resolved, and disconnect() waits for it.
        // Nothing here may throw: a throwing eachMessage makes kafkajs refetch the same offset forever.
        try {
          try {
            first.payload = JSON.parse(text);
          } catch (error) {
            // Not JSON (written by some other producer): retrying cannot help, so it is a failed
            // handler at once. Dead-lettered as is, the handler's sink sees the raw text.
            await this.deadLetter(event, { ...first, payload: text }, raw, new Error(`payload is not JSON: ${reason(error)}`), options);
            return;
          }
          try {
            await handler(first);
            return;
          } catch (error) {
            await this.retryInPlace(event, first, raw, error, handler, retry, options);
          }
        } finally {
          state.inFlight--;
        }
      },
    });
    // Resolve once this member has its partitions, so what is published next reaches it.
    await within(joined, this.options.sessionTimeoutMs * 3);
    return {
      close: async () => {
        await this.stop(state);
      },
    };
  }

  /** Retries a failed message in place with backoff (keeps partition order), then dead-letters it. */
  private async retryInPlace(
    event: string,
    first: Message,
    raw: KafkaMessage,
    firstError: unknown,
    handler: MessageHandler,
    retry: RetryPolicy,
    options: SubscribeOptions,
  ): Promise<void> {
    let error = firstError;
    for (let attempt = 1; ; attempt++) {
      const message: Message = { ...first, attempt };
      if (attempt > 1) {
        try {
          await handler(message);
          return;
        } catch (failure) {
          error = failure;
        }
      }
      if (attempt >= retry.maxAttempts) {
        await this.deadLetter(event, message, raw, error, options);
        return;
      }
      // The caller's interval keeps heartbeating through the backoff and the next attempt.
      await Bun.sleep(retryDelay(retry, attempt));
    }
  }

  /** Writes the message as received to `<prefix>dlq.<event>` and tells onDeadLetter once. */
  private async deadLetter(event: string, message: Message, raw: KafkaMessage, error: unknown, options: SubscribeOptions): Promise<void> {
    await this.producer!.send({
      topic: this.names.deadLetterTopic(event),
      acks: -1,
      messages: [{ key: raw.key, value: raw.value, timestamp: raw.timestamp, headers: { ...raw.headers, "rohas-id": message.id, "rohas-error": reason(error).slice(0, 1000) } }],
    });
    try {
      options.onDeadLetter?.(message, error);
    } catch {
      // a broken dead-letter sink must not stop consuming
    }
  }

  private async stop(state: ConsumerState): Promise<void> {
    if (!this.consumers.delete(state)) return;
    // A handler that never returns must not hold shutdown forever: after the drain bound the
    // member is left to time out of its group, and its uncommitted message goes to another.
    await within(state.consumer.disconnect().catch(() => undefined), this.options.drainTimeoutMs);
    // Cleared only now: handlers being drained still need their heartbeats.
    clearInterval(state.beat);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((s) => this.stop(s)));
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits for `work`, or `ms` at most. The timer is cleared once `work` settles, so a bound that was
 * not needed does not keep the process alive after close() (Bun.sleep cannot be cancelled).
 */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a metadata-dependent call again while the broker answers that it does not host the
 * topic yet (UNKNOWN_TOPIC_OR_PARTITION, which kafkajs marks retriable): right after a topic is
 * created, or while a broker restarts, its metadata can lag. Anything else fails at once.
 */
async function untilTopicKnown<T>(call: () => Promise<T>, patienceMs = 30_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await call();
    } catch (error) {
      const type = (error as { type?: string } | undefined)?.type;
      if (type !== "UNKNOWN_TOPIC_OR_PARTITION" || Date.now() + delay > deadline) throw error;
      await Bun.sleep(delay);
    }
  }
}
