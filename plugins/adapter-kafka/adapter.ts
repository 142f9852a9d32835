/**
 * Apache Kafka (kafkajs). Topic `rohas.<event>` per event (created on start
 * when `create_topics`), one consumer group per Rohas consumer group. Offsets
 * are committed only after the handler finished, so a consumer that dies
 * mid-message gets it redelivered after the group rebalances (at least once).
 * Kafka has no per-message nack: a failure is retried in place with backoff
 * (which keeps per-partition order), then the message is written to
 * `rohas.dlq.<event>` and skipped. The message key comes from `options.key`,
 * else from the payload field named by `key_field`.
 */
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";
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
}

const topic = (event: string) => `rohas.${event}`;

export class KafkaAdapter implements Adapter {
  readonly name = "kafka";
  private readonly kafka: Kafka;
  private producer?: Producer;
  private admin?: Admin;
  private readonly topics = new Set<string>();
  private readonly consumers = new Set<{ consumer: Consumer; inFlight: Set<Promise<void>> }>();
  private sequence = 0;
  private readonly idPrefix = crypto.randomUUID().slice(0, 8);
  private closed = false;

  constructor(private readonly options: KafkaAdapterOptions) {
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
    await this.admin!.createTopics({ topics: [{ topic: name, numPartitions: this.options.partitions }], waitForLeaders: true });
    this.topics.add(name);
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed || !this.producer) throw new AdapterError("adapter/closed", `cannot publish ${event}: the Kafka adapter is not connected`);
    await this.ensureTopic(topic(event));
    const value = JSON.stringify(payload ?? null);
    if (Buffer.byteLength(value) > this.options.maxMessageBytes) {
      throw new AdapterError("adapter/payload-too-large", `event ${event}: payload is ${Buffer.byteLength(value)} bytes, over Kafka's max.message.bytes of ${this.options.maxMessageBytes}`);
    }
    const field = this.options.keyField;
    const key = options.key ?? (field && payload && typeof payload === "object" ? (payload as Record<string, unknown>)[field] : undefined);
    try {
      await this.producer.send({
        topic: topic(event),
        acks: -1, // all in-sync replicas: acknowledged means stored
        messages: [
          {
            key: key === undefined || key === null ? null : String(key),
            value,
            headers: { ...options.headers, "rohas-id": `${this.idPrefix}-${++this.sequence}`, "rohas-published-at": String(Date.now()) },
          },
        ],
      });
    } catch (error) {
      throw new AdapterError("adapter/publish-failed", `publishing ${event} to Kafka at ${this.options.brokers.join(",")} failed: ${reason(error)}`, error);
    }
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    await this.ensureTopic(topic(event));
    await this.ensureTopic(`rohas.dlq.${event}`);
    const consumer = this.kafka.consumer({
      // One Kafka group per Rohas group *and event*: members of a Kafka group must all subscribe
      // to the same topics, or partitions of one event get assigned to consumers of another.
      groupId: `${options.group}.${event}`,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(this.options.sessionTimeoutMs / 10)),
      rebalanceTimeout: this.options.sessionTimeoutMs * 2,
    });
    const state = { consumer, inFlight: new Set<Promise<void>>() };
    this.consumers.add(state);
    await consumer.connect();
    await consumer.subscribe({ topic: topic(event), fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      partitionsConsumedConcurrently: Math.max(1, Math.min(options.concurrency ?? 1, this.options.partitions)),
      eachMessage: async ({ message: raw, heartbeat }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(raw.headers ?? {})) if (!k.startsWith("rohas-") && v !== undefined) headers[k] = String(v);
        const base: Omit<Message, "attempt"> = {
          id: String(raw.headers?.["rohas-id"] ?? raw.offset),
          event,
          payload: JSON.parse(raw.value?.toString() ?? "null"),
          headers,
          key: raw.key?.toString(),
          publishedAt: Number(raw.headers?.["rohas-published-at"] ?? raw.timestamp),
        };
        const run = (async () => {
          for (let attempt = 1; ; attempt++) {
            const message: Message = { ...base, attempt };
            try {
              await handler(message);
              return;
            } catch (error) {
              if (attempt >= retry.maxAttempts) {
                await this.producer!.send({ topic: `rohas.dlq.${event}`, acks: -1, messages: [{ key: raw.key, value: raw.value, headers: { ...raw.headers, "rohas-error": reason(error).slice(0, 1000) } }] });
                try {
                  options.onDeadLetter?.(message, error);
                } catch {
                  // a broken dead-letter sink must not stop consuming
                }
                return;
              }
              await Bun.sleep(retryDelay(retry, attempt));
              await heartbeat();
            }
          }
        })();
        state.inFlight.add(run);
        try {
          await run;
        } finally {
          state.inFlight.delete(run);
        }
      },
    });
    // Resolve once this member has its partitions, so what is published next reaches it.
    await Promise.race([joined, Bun.sleep(this.options.sessionTimeoutMs * 3)]);
    return {
      close: async () => {
        await this.stop(state);
      },
    };
  }

  private async stop(state: { consumer: Consumer; inFlight: Set<Promise<void>> }): Promise<void> {
    if (!this.consumers.delete(state)) return;
    // A handler that never returns must not hold shutdown forever: after the drain bound the
    // member is left to time out of its group, and its uncommitted message goes to another.
    await Promise.race([state.consumer.disconnect().catch(() => undefined), Bun.sleep(this.options.drainTimeoutMs)]);
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
