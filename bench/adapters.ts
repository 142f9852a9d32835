/**
 * Publish → handle events/s through each broker adapter, against the broker's
 * raw client doing the same work on the same broker in the same run.
 * Goal: every broker adapter at ≥ 0.8x its raw client.
 *
 *   bun bench/adapters.ts [nats kafka rabbitmq sqs memory lmdb] [--events N] [--rounds R]
 *
 * Both sides of a row: N events (default 20,000; SQS 3,000), the same small
 * JSON object as payload, published by one publisher in windows of W publishes
 * in flight (awaited together; W = 1,000, SQS 100), consumed by one
 * subscription of one consumer group with the same concurrency (64; Kafka:
 * one per partition, 3 partitions), a handler that parses the JSON payload and
 * marks its event handled, and acknowledgement only after the handler. Timed
 * from the first publish until every event was handled once (redeliveries are
 * not counted twice); setup (streams, topics, queues, group joins) is not timed.
 * Each row first warms both sides up (one unmeasured run of N/4), then
 * alternates rohas and raw runs for R rounds (default 3) on fresh
 * streams/topics/queues and reports the medians: the machine is small and noisy.
 *
 * How each raw baseline works (see the raw* functions):
 * - nats: `nats` JetStream client; a file-stored stream, `js.publish` per event
 *   (each resolves on JetStream's publish ack) with W in flight; a durable pull
 *   consumer with explicit ack, `consumer.consume({ max_messages: 64 })`, the
 *   handler, then `m.ack()`.
 * - kafka: kafkajs; a 3-partition topic; `producer.send` with acks -1 (all
 *   in-sync replicas) of W messages at a time; a consumer group with
 *   `eachMessage` and `partitionsConsumedConcurrently: 3`, kafkajs committing the
 *   offsets of handled messages (its default autoCommit).
 * - rabbitmq: amqplib; a durable queue, persistent messages sent with
 *   `sendToQueue` on a confirm channel (honouring write back-pressure), then
 *   `waitForConfirms()` per window; a consumer with prefetch 64, manual ack after
 *   the handler.
 * - sqs: @aws-sdk/client-sqs against ElasticMQ; SendMessageBatch of 10 (W/10
 *   batches in flight); one long-polling ReceiveMessage loop (10 at a time,
 *   up to 64 in flight), the handler, then DeleteMessageBatch of what it handled.
 * memory and lmdb have no raw client: their rows print the adapter's events/s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import amqp from "amqplib";
import { Kafka, logLevel } from "kafkajs";
import { AckPolicy, connect as natsConnect, DeliverPolicy, JSONCodec, nanos, StorageType } from "nats";
import type { Adapter } from "../core/adapter.ts";
import { KafkaAdapter } from "../plugins/adapter-kafka/adapter.ts";
import { LmdbAdapter } from "../plugins/adapter-lmdb/adapter.ts";
import { MemoryAdapter } from "../plugins/adapter-memory/adapter.ts";
import { NatsAdapter } from "../plugins/adapter-nats/adapter.ts";
import { RabbitAdapter } from "../plugins/adapter-rabbitmq/adapter.ts";
import { SqsAdapter } from "../plugins/adapter-sqs/adapter.ts";
import { reachable } from "../test/adapters/broker.ts";

// ---- arguments ----------------------------------------------------------------------------
const ALL = ["nats", "kafka", "rabbitmq", "sqs", "memory", "lmdb"] as const;
type Name = (typeof ALL)[number];
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const eventsFlag = flag("--events");
const ROUNDS = flag("--rounds") ?? 3;
const chosen = args.length ? args.filter((a): a is Name => (ALL as readonly string[]).includes(a)) : [...ALL];
for (const a of args) if (!(ALL as readonly string[]).includes(a)) throw new Error(`unknown adapter '${a}' (one of ${ALL.join(", ")})`);
const eventsFor = (name: Name) => eventsFlag ?? (name === "sqs" ? 3_000 : 20_000);
const windowFor = (name: Name) => (name === "sqs" ? 100 : 1_000);
const CONCURRENCY = 64;
const PARTITIONS = 3;

const NATS_URL = "nats://127.0.0.1:4222";
const KAFKA_BROKERS = ["127.0.0.1:9092"];
const AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";
const SQS_ENDPOINT = "http://127.0.0.1:9324";
const PORTS: Partial<Record<Name, number>> = { nats: 4222, kafka: 9092, rabbitmq: 5672, sqs: 9324 };

// ---- shared pieces ------------------------------------------------------------------------
const payload = (i: number) => ({ id: i, type: "order.created", customer: `c-${i % 100}`, amount: 12.5 + (i % 10), items: 3 });
type Payload = ReturnType<typeof payload>;

let uniq = 0;
const unique = (label: string) => `bench_${label}_${Date.now().toString(36)}_${++uniq}`;

/** Tracks which events were handled; resolves `done` with the time the last new one was. */
class Tally {
  private readonly seen: Uint8Array;
  count = 0;
  private resolve!: (at: number) => void;
  readonly done = new Promise<number>((r) => (this.resolve = r));
  constructor(readonly n: number) {
    this.seen = new Uint8Array(n);
  }
  mark(id: number): void {
    if (this.seen[id]) return;
    this.seen[id] = 1;
    if (++this.count === this.n) this.resolve(performance.now());
  }
}

/** Publishes 0..n-1 in windows of `w` in flight; `chunk(start, count)` publishes one window. */
async function publishAll(n: number, w: number, chunk: (start: number, count: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < n; start += w) await chunk(start, Math.min(w, n - start));
}

/** Times one run: `start` publishes everything; returns ms from first publish to last handled. */
async function timed(tally: Tally, publish: () => Promise<void>, timeoutMs = 300_000): Promise<number> {
  const t0 = performance.now();
  await publish();
  if (process.env.BENCH_DEBUG) console.log(`  published all in ${(performance.now() - t0).toFixed(0)} ms, ${tally.count} handled by then`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${tally.count} of ${tally.n} events handled within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return (await Promise.race([tally.done, timeout])) - t0;
  } finally {
    clearTimeout(timer);
  }
}

/** A run with an adapter: subscribe, publish N in windows, wait until all handled. */
async function throughAdapter(adapter: Adapter, event: string, n: number, w: number, concurrency = CONCURRENCY): Promise<number> {
  const tally = new Tally(n);
  await adapter.subscribe(event, async (m) => tally.mark((m.payload as Payload).id), { group: "bench", concurrency });
  try {
    return await timed(tally, () =>
      publishAll(n, w, (start, count) => {
        const ps: Promise<void>[] = [];
        for (let i = start; i < start + count; i++) ps.push(adapter.publish(event, payload(i)));
        return Promise.all(ps);
      }),
    );
  } finally {
    await adapter.close();
  }
}

// ---- nats -----------------------------------------------------------------------------------
async function natsCleanup(streams: string[]): Promise<void> {
  const nc = await natsConnect({ servers: NATS_URL });
  const jsm = await nc.jetstreamManager();
  for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
}

async function rohasNats(n: number, w: number): Promise<number> {
  const adapter = new NatsAdapter({ url: NATS_URL, ackWaitMs: 30_000, connectTimeoutMs: 3_000 });
  await adapter.connect();
  const event = unique("nats");
  try {
    return await throughAdapter(adapter, event, n, w);
  } finally {
    await natsCleanup([`ROHAS_${event}`]);
  }
}

async function rawNats(n: number, w: number): Promise<number> {
  const nc = await natsConnect({ servers: NATS_URL });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const codec = JSONCodec<Payload>();
  const name = unique("rawnats");
  const subj = `raw.${name}`;
  await jsm.streams.add({ name, subjects: [subj], storage: StorageType.File });
  await jsm.consumers.add(name, { durable_name: "bench", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: subj, ack_wait: nanos(30_000) });
  const consumer = await js.consumers.get(name, "bench");
  const messages = await consumer.consume({ max_messages: CONCURRENCY });
  const tally = new Tally(n);
  void (async () => {
    for await (const m of messages) {
      tally.mark(codec.decode(m.data).id);
      m.ack();
    }
  })();
  try {
    return await timed(tally, () =>
      publishAll(n, w, (start, count) => {
        const ps: Promise<unknown>[] = [];
        for (let i = start; i < start + count; i++) ps.push(js.publish(subj, codec.encode(payload(i))));
        return Promise.all(ps);
      }),
    );
  } finally {
    await messages.close();
    await jsm.streams.delete(name).catch(() => undefined);
    await nc.drain();
  }
}

// ---- kafka ----------------------------------------------------------------------------------
const kafkaOptions = {
  brokers: KAFKA_BROKERS,
  clientId: "rohas-bench",
  createTopics: true,
  partitions: PARTITIONS,
  connectTimeoutMs: 3_000,
  sessionTimeoutMs: 10_000,
  drainTimeoutMs: 2_000,
  maxMessageBytes: 1_048_588,
};

async function kafkaCleanup(topics: string[]): Promise<void> {
  const admin = new Kafka({ clientId: "rohas-bench-admin", brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

async function rohasKafka(n: number, w: number): Promise<number> {
  const adapter = new KafkaAdapter(kafkaOptions);
  await adapter.connect();
  const event = unique("kafka");
  try {
    return await throughAdapter(adapter, event, n, w);
  } finally {
    await kafkaCleanup([`rohas.${event}`, `rohas.dlq.${event}`]);
  }
}

async function rawKafka(n: number, w: number): Promise<number> {
  const kafka = new Kafka({ clientId: "rohas-bench-raw", brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const topic = unique("rawkafka");
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${topic}.bench` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const tally = new Tally(n);
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      tally.mark((JSON.parse(message.value!.toString()) as Payload).id);
    },
  });
  await joined;
  try {
    return await timed(tally, () =>
      publishAll(n, w, (start, count) => {
        const messages = [];
        for (let i = start; i < start + count; i++) messages.push({ value: JSON.stringify(payload(i)) });
        return producer.send({ topic, acks: -1, messages });
      }),
    );
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

// ---- rabbitmq -------------------------------------------------------------------------------
async function rabbitCleanup(queues: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const q of queues) await channel.deleteQueue(q).catch(() => undefined);
  await connection.close().catch(() => undefined);
}

async function rohasRabbit(n: number, w: number): Promise<number> {
  const adapter = new RabbitAdapter({ url: AMQP_URL, connectTimeoutMs: 3_000, drainTimeoutMs: 2_000, publishWaitMs: 10_000 });
  await adapter.connect();
  const event = unique("rabbit");
  try {
    return await throughAdapter(adapter, event, n, w);
  } finally {
    const q = `rohas.bench.${event}`;
    await rabbitCleanup([q, `${q}.dlq`, `${q}.retry`]);
  }
}

async function rawRabbit(n: number, w: number): Promise<number> {
  const connection = await amqp.connect(AMQP_URL);
  const publisher = await connection.createConfirmChannel();
  const consumerChannel = await connection.createChannel();
  const queue = unique("rawrabbit");
  await publisher.assertQueue(queue, { durable: true });
  await consumerChannel.prefetch(CONCURRENCY);
  const tally = new Tally(n);
  await consumerChannel.consume(queue, (m) => {
    if (!m) return;
    tally.mark((JSON.parse(m.content.toString()) as Payload).id);
    consumerChannel.ack(m);
  });
  try {
    return await timed(tally, () =>
      publishAll(n, w, async (start, count) => {
        for (let i = start; i < start + count; i++) {
          const ok = publisher.sendToQueue(queue, Buffer.from(JSON.stringify(payload(i))), { persistent: true, contentType: "application/json" });
          if (!ok) await new Promise((r) => publisher.once("drain", r));
        }
        await publisher.waitForConfirms();
      }),
    );
  } finally {
    await consumerChannel.close().catch(() => undefined);
    await publisher.deleteQueue(queue).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

// ---- sqs ------------------------------------------------------------------------------------
const sqsCredentials = { accessKeyId: "rohas", secretAccessKey: "rohas" };
const sqsClient = () => new SQSClient({ region: "us-east-1", endpoint: SQS_ENDPOINT, credentials: sqsCredentials, maxAttempts: 3 });

async function sqsCleanup(prefix: string): Promise<void> {
  const client = sqsClient();
  const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  for (const QueueUrl of listed.QueueUrls ?? []) await client.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
  client.destroy();
}

async function rohasSqs(n: number, w: number): Promise<number> {
  const prefix = `${unique("sqs")}-`;
  const adapter = new SqsAdapter({ endpoint: SQS_ENDPOINT, region: "us-east-1", queuePrefix: prefix, visibilityTimeout: 30, waitTimeSeconds: 1, connectTimeoutMs: 3_000, drainTimeoutMs: 2_000 });
  await adapter.connect();
  try {
    return await throughAdapter(adapter, "Tick", n, w);
  } finally {
    await sqsCleanup(prefix);
  }
}

async function rawSqs(n: number, w: number): Promise<number> {
  const client = sqsClient();
  const name = unique("rawsqs");
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "30" } }));
  const tally = new Tally(n);
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const loop = (async () => {
    while (!stopped) {
      if (inFlight.size * 10 >= CONCURRENCY) {
        await Promise.race(inFlight);
        continue;
      }
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const batch = got.Messages ?? [];
      if (!batch.length) continue;
      for (const m of batch) tally.mark((JSON.parse(m.Body!) as Payload).id);
      const p = client
        .send(new DeleteMessageBatchCommand({ QueueUrl, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  try {
    return await timed(tally, () =>
      publishAll(n, w, (start, count) => {
        const ps: Promise<unknown>[] = [];
        for (let b = start; b < start + count; b += 10) {
          const Entries = [];
          for (let i = b; i < Math.min(b + 10, start + count); i++) Entries.push({ Id: String(i), MessageBody: JSON.stringify(payload(i)) });
          ps.push(client.send(new SendMessageBatchCommand({ QueueUrl, Entries })));
        }
        return Promise.all(ps);
      }),
    );
  } finally {
    stopped = true;
    await loop;
    await Promise.allSettled([...inFlight]);
    await client.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
    client.destroy();
  }
}

// ---- memory, lmdb ---------------------------------------------------------------------------
async function rohasMemory(n: number, w: number): Promise<number> {
  return throughAdapter(new MemoryAdapter({ bufferSize: 10_000 }), "Tick", n, w);
}

async function rohasLmdb(n: number, w: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-lmdb-"));
  const adapter = new LmdbAdapter({ path: join(dir, "queue"), pollMs: 200 });
  await adapter.connect();
  try {
    return await throughAdapter(adapter, "Tick", n, w);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the table ------------------------------------------------------------------------------
const subjects: Record<Name, { rohas: (n: number, w: number) => Promise<number>; raw?: (n: number, w: number) => Promise<number> }> = {
  nats: { rohas: rohasNats, raw: rawNats },
  kafka: { rohas: rohasKafka, raw: rawKafka },
  rabbitmq: { rohas: rohasRabbit, raw: rawRabbit },
  sqs: { rohas: rohasSqs, raw: rawSqs },
  memory: { rohas: rohasMemory },
  lmdb: { rohas: rohasLmdb },
};

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pad = (s: string, n: number) => s.padStart(n);

console.log(`publish → handle, events/s; median of ${ROUNDS} rounds alternating rohas and raw; window of publishes in flight per row`);
console.log(`${"adapter".padEnd(9)} ${pad("events", 7)} ${pad("rohas/s", 10)} ${pad("raw/s", 10)} ${pad("ratio", 6)}   runs (rohas | raw, events/s)`);
for (const name of chosen) {
  const port = PORTS[name];
  if (port !== undefined && !(await reachable(port))) {
    console.log(`${name.padEnd(9)} skipped: nothing listening on 127.0.0.1:${port} (start it with 'scripts/brokers up ${name === "sqs" ? "elasticmq" : name}')`);
    continue;
  }
  const n = eventsFor(name);
  const w = windowFor(name);
  const { rohas, raw } = subjects[name];
  const rohasRates: number[] = [];
  const rawRates: number[] = [];
  try {
    // One unmeasured warm-up run per side (a quarter of the events): JIT, connections, broker caches.
    for (const run of [rohas, raw]) if (run) await run(Math.max(1, Math.floor(n / 4)), w);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always gets the warmer broker.
      const order = round % 2 === 0 ? ([rohas, raw] as const) : ([raw, rohas] as const);
      for (const run of order) {
        if (!run) continue;
        const ms = await run(n, w);
        (run === rohas ? rohasRates : rawRates).push(n / (ms / 1000));
      }
    }
  } catch (error) {
    console.log(`${name.padEnd(9)} failed: ${error instanceof Error ? error.message : String(error)}`);
    continue;
  }
  const r = median(rohasRates);
  const runs = `${rohasRates.map(fmt).join(" ")}${rawRates.length ? ` | ${rawRates.map(fmt).join(" ")}` : ""}`;
  if (!raw) {
    console.log(`${name.padEnd(9)} ${pad(fmt(n), 7)} ${pad(fmt(r), 10)} ${pad("-", 10)} ${pad("-", 6)}   ${runs}`);
    continue;
  }
  const b = median(rawRates);
  const ratio = r / b;
  const verdict = name === "sqs" ? "" : ratio >= 0.8 ? "  (goal ≥ 0.8x met)" : "  (goal ≥ 0.8x not met)";
  console.log(`${name.padEnd(9)} ${pad(fmt(n), 7)} ${pad(fmt(r), 10)} ${pad(fmt(b), 10)} ${pad(`${ratio.toFixed(2)}x`, 6)}   ${runs}${verdict}`);
}
process.exit(0);
