/**
 * Amazon SQS (or an SQS-compatible server such as ElasticMQ). One standard
 * queue per event and consumer group, `<queue_prefix><group>--<event>`, with a
 * native redrive policy to `…-dlq` after `maxAttempts` receives. Publishing
 * fans out to every group's queue of the event. Consumers long-poll, delete a
 * message only after its handler finished (at least once), and on failure set
 * its visibility to the backoff so SQS redelivers it then.
 *
 * Requests are batched both ways: publishes made in the same turn of the event
 * loop go out as one SendMessageBatch per queue, acknowledgements as one
 * DeleteMessageBatch, and receives ask for 10 messages. Receive loops outlive
 * broker restarts (see poller.ts); a publish resolves only once SQS accepted
 * its message in every group queue, so nothing acknowledged is lost.
 * Standard queues do not keep order; use a broker with ordering when it matters.
 */
import { createHash } from "node:crypto";
import { Agent } from "node:http";
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  SQSClient,
  type Message as SqsMessage,
} from "@aws-sdk/client-sqs";
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
import { Batcher } from "./batcher.ts";
import { isQueueExists, isQueueMissing, reason } from "./errors.ts";
import { decode, encode, type Outgoing } from "./message.ts";
import { poll } from "./poller.ts";
import { Slots } from "./slots.ts";

export interface SqsAdapterOptions {
  endpoint?: string;
  region: string;
  queuePrefix: string;
  /** Seconds a received message stays hidden while its handler runs. */
  visibilityTimeout: number;
  /** Long-poll wait per receive, seconds (0–20). */
  waitTimeSeconds: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  /** Entries per SendMessageBatch / DeleteMessageBatch (1–10; 1 turns batching off). Default 10. */
  batchSize?: number;
  /** Batch requests in flight at once per queue; while they are, new publishes fill the next batch. Default 16. */
  batchConcurrency?: number;
  /** Concurrent receive loops per subscription. Default: one per 10 of its concurrency, at most 4. */
  receivers?: number;
  /** How long a subscription's queue must stay missing before it is created again. Default 10 s (see poller.ts). */
  recreateAfterMs?: number;
}

/** SQS's own limit for one message body plus attributes, and for one batch request's entries together. */
export const SQS_MAX_BYTES = 262_144;
/** SQS's limit of entries per batch request and of messages per receive. */
export const SQS_MAX_BATCH = 10;
const SEPARATOR = "--";
const LIST_CACHE_MS = 2_000;
/** SQS allows 80 characters per queue name; the dead-letter queue adds "-dlq". */
const MAX_NAME = 80 - "-dlq".length;
/** A shortened group keeps at least this much: "_" and 8 hex digits of the group's hash. */
const GROUP_HASH = 9;
/** Tags every Rohas group queue carries, so a listing can tell its own queues from look-alikes. */
export const TAG_PREFIX = "rohas:prefix";
export const TAG_EVENT = "rohas:event";

interface Ack {
  receiptHandle: string;
}

export class SqsAdapter implements Adapter {
  readonly name = "sqs";
  private readonly client: SQSClient;
  private readonly urls = new Map<string, string>();
  /** Per event: queue URLs of this adapter's own subscriptions (with how many use each); always published to, whatever ListQueues says. */
  private readonly own = new Map<string, Map<string, number>>();
  /** Per event: group queues seen in a listing, kept until SQS says one is gone (a listing can miss queues just after a restart). */
  private readonly seen = new Map<string, Set<string>>();
  private readonly listedAt = new Map<string, number>();
  /** Per event: the listing under way, shared by every publish that needs it (not one ListQueues each). */
  private readonly listing = new Map<string, Promise<Set<string>>>();
  private readonly sends: Batcher<Outgoing>;
  private readonly deletes: Batcher<Ack>;
  private readonly subscriptions = new Set<{ stop: () => Promise<void> }>();
  private closed = false;
  private sequence = 0;
  private readonly idPrefix = crypto.randomUUID().slice(0, 8);
  private readonly receivers: number | undefined;
  /** queuePrefix as it appears in queue names (SQS allows only letters, digits, _ and -). */
  private readonly prefix: string;
  /** Per listed queue URL: whether its tags say it is a group queue of this prefix and that event (only tagged answers are kept). */
  private readonly verified = new Map<string, string | false>();
  /** Events already warned about: a publish that reached no group queue. */
  private readonly warnedUnrouted = new Set<string>();

  constructor(private readonly options: SqsAdapterOptions) {
    this.client = new SQSClient({
      region: options.region,
      endpoint: options.endpoint,
      // Local SQS-compatible servers accept any credentials; real AWS uses the environment's.
      ...(options.endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: "rohas", secretAccessKey: "rohas" } } : {}),
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs,
        // A request on a connection the broker dropped mid-way may never answer: fail it after
        // the longest legitimate wait (a long poll) plus a margin, so callers and pollers move on.
        requestTimeout: options.waitTimeSeconds * 1000 + 10_000,
        throwOnRequestTimeout: true,
        httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }),
      },
    });
    const limits = {
      maxEntries: setting("batch_size", options.batchSize, SQS_MAX_BATCH, 1, SQS_MAX_BATCH),
      maxBytes: SQS_MAX_BYTES,
      maxInFlight: setting("batch_concurrency", options.batchConcurrency, 16, 1, 1_000),
    };
    this.prefix = sanitize(options.queuePrefix);
    this.receivers = options.receivers === undefined ? undefined : setting("receivers", options.receivers, 1, 1, 100);
    this.sends = new Batcher(limits, (url, items) => this.sendBatch(url, items));
    this.deletes = new Batcher(limits, (url, items) => this.deleteBatch(url, items));
  }

  private get address(): string {
    return this.options.endpoint ?? `SQS ${this.options.region}`;
  }

  async connect(): Promise<void> {
    try {
      await this.client.send(new ListQueuesCommand({ QueueNamePrefix: this.prefix, MaxResults: 1 }), {
        abortSignal: AbortSignal.timeout(this.options.connectTimeoutMs),
      });
    } catch (error) {
      throw new AdapterError("adapter/unreachable", `cannot reach SQS at ${this.address}: ${reason(error)}`, error);
    }
  }

  /**
   * `<prefix><group>--<event>`, sanitised. The prefix and the event are kept whole (a publisher
   * finds the queues by them); a group too long for SQS's 80 characters is cut and ends in a hash
   * of its full name, so two long groups do not share a queue.
   */
  private queueName(group: string, event: string): string {
    const room = this.groupRoom(event);
    const g = sanitize(group);
    if (g.length <= room) return `${this.prefix}${g}${this.eventSuffix(event)}`;
    const hash = createHash("sha256").update(group).digest("hex").slice(0, GROUP_HASH - 1);
    return `${this.prefix}${g.slice(0, room - GROUP_HASH)}_${hash}${this.eventSuffix(event)}`;
  }

  private eventSuffix(event: string): string {
    return `${SEPARATOR}${sanitize(event)}`;
  }

  /** Characters left for the group in a queue name of `event`; a configuration error when not even a hashed group fits. */
  private groupRoom(event: string): number {
    const room = MAX_NAME - this.prefix.length - this.eventSuffix(event).length;
    if (room < GROUP_HASH) {
      throw new AdapterError(
        "adapter/config",
        `[adapter] sqs: queue_prefix "${this.options.queuePrefix}" and event ${event} leave no room for a group in an SQS queue name ` +
          `(at most 80 characters with "-dlq"; prefix + group + "--" + event): shorten queue_prefix or the event name`,
      );
    }
    return room;
  }

  /** Creates (idempotently) a group queue and its DLQ; `fresh` skips the cache, for a queue the broker lost. */
  private async ensureQueue(name: string, event: string, maxAttempts: number, fresh = false): Promise<string> {
    const cached = this.urls.get(name);
    if (cached && !fresh) return cached;
    const tags = { [TAG_PREFIX]: this.options.queuePrefix, [TAG_EVENT]: event };
    const dlq = await this.client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqAttrs = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }));
    const Attributes = {
      VisibilityTimeout: String(this.options.visibilityTimeout),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttrs.Attributes!.QueueArn, maxReceiveCount: String(maxAttempts) }),
    };
    let url: string;
    try {
      url = (await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes, tags }))).QueueUrl!;
    } catch (error) {
      // The queue exists with other attributes (visibility_timeout or max_attempts changed since it
      // was made): SQS refuses to create it again, so take it and bring its attributes up to date.
      if (!isQueueExists(error)) throw error;
      url = (await this.client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
      await this.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes }));
    }
    // CreateQueue ignores tags for a queue that already exists (made by an older Rohas): tag it now.
    await this.client.send(new TagQueueCommand({ QueueUrl: url, Tags: tags }));
    this.urls.set(name, url);
    return url;
  }

  /**
   * Queue URLs of every group subscribed to `event`: this adapter's own, plus those a listing
   * found (listed again at most every 2 s). Own queues never depend on the listing, so a
   * publish cannot be acknowledged after reaching none of them.
   */
  private async groupQueues(event: string): Promise<string[]> {
    let seen = this.seen.get(event);
    if (!seen || Date.now() - (this.listedAt.get(event) ?? 0) >= LIST_CACHE_MS) {
      let listing = this.listing.get(event);
      if (!listing) {
        listing = this.listQueues(event).finally(() => this.listing.delete(event));
        this.listing.set(event, listing);
      }
      const listed = await listing;
      seen = this.seen.get(event) ?? new Set();
      for (const url of listed) seen.add(url);
      this.seen.set(event, seen);
      this.listedAt.set(event, Date.now());
    }
    const own = this.own.get(event);
    return own ? [...new Set([...seen, ...own.keys()])] : [...seen];
  }

  /**
   * Group queues of `event`: listed by the sanitised prefix, narrowed by name, then confirmed by
   * their tags (another project's prefix can start with ours, `shop-` and `shop-admin-`, and
   * sanitising can make two names look alike). A queue's tags are asked once.
   */
  private async listQueues(event: string): Promise<Set<string>> {
    const suffix = this.eventSuffix(event);
    const candidates: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(new ListQueuesCommand({ QueueNamePrefix: this.prefix, NextToken, MaxResults: 1000 }));
      for (const url of page.QueueUrls ?? []) if (url.endsWith(suffix)) candidates.push(url);
      NextToken = page.NextToken;
    } while (NextToken);
    const want = `${this.options.queuePrefix}\n${event}`;
    const listed = new Set<string>();
    await Promise.all(
      candidates.map(async (url) => {
        let owner = this.verified.get(url);
        if (owner === undefined) {
          try {
            const tags = (await this.client.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {};
            const prefix = tags[TAG_PREFIX];
            const tagged = tags[TAG_EVENT];
            // Untagged (not yet, or not ours): asked again at the next listing, not remembered.
            if (prefix === undefined || tagged === undefined) return;
            owner = `${prefix}\n${tagged}`;
            this.verified.set(url, owner);
          } catch (error) {
            if (isQueueMissing(error)) return;
            throw error;
          }
        }
        if (owner === want) listed.add(url);
      }),
    );
    return listed;
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new AdapterError("adapter/closed", `cannot publish ${event}: the SQS adapter is closed`);
    const message = encode(`${this.idPrefix}-${++this.sequence}`, payload, options);
    if (message.bytes > SQS_MAX_BYTES) {
      throw new AdapterError("adapter/payload-too-large", `event ${event}: message is ${message.bytes} bytes, over SQS's limit of ${SQS_MAX_BYTES}`);
    }
    this.groupRoom(event);
    let urls: string[];
    try {
      urls = await this.groupQueues(event);
    } catch (error) {
      throw new AdapterError("adapter/publish-failed", `publishing ${event}: cannot list its queues on SQS at ${this.address}: ${reason(error)}`, error);
    }
    if (urls.length === 0) {
      // No group subscribes to it (yet): like a topic without subscribers, the message goes nowhere.
      // The engine subscribes before it publishes, so this is another project's or a mistyped event.
      if (!this.warnedUnrouted.has(event)) {
        this.warnedUnrouted.add(event);
        console.warn(
          `[rohas] sqs: published ${event} but no group queue for it exists under queue_prefix "${this.options.queuePrefix}" on ${this.address}; ` +
            `it was not stored (subscribe a handler first). Warned once per event.`,
        );
      }
      return;
    }
    // Every group queue must take it; a failure in one rejects the publish (a retry may duplicate it in the others: at least once).
    await Promise.all(
      urls.map((url) =>
        this.sends.add(url, message, message.bytes).catch((error) => {
          if (isQueueMissing(error) && !this.own.get(event)?.has(url)) {
            this.seen.get(event)?.delete(url);
            this.verified.delete(url);
          }
          throw new AdapterError("adapter/publish-failed", `publishing ${event} to SQS queue ${queueOf(url)} at ${this.address} failed: ${reason(error)}`, error);
        }),
      ),
    );
  }

  private async sendBatch(url: string, items: Outgoing[]): Promise<(Error | undefined)[]> {
    const out = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: items.map((m, i) => ({ Id: String(i), MessageBody: m.body, MessageAttributes: m.attributes })),
      }),
    );
    return entryOutcomes(items.length, out.Successful, out.Failed);
  }

  private async deleteBatch(url: string, items: Ack[]): Promise<(Error | undefined)[]> {
    const out = await this.client.send(
      new DeleteMessageBatchCommand({ QueueUrl: url, Entries: items.map((a, i) => ({ Id: String(i), ReceiptHandle: a.receiptHandle })) }),
    );
    return entryOutcomes(items.length, out.Successful, out.Failed);
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new AdapterError("adapter/closed", `cannot subscribe to ${event}: the SQS adapter is closed`);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const name = this.queueName(options.group, event);
    let url: string;
    try {
      url = await this.ensureQueue(name, event, retry.maxAttempts);
    } catch (error) {
      throw new AdapterError("adapter/subscribe-failed", `subscribing to ${event}: cannot create queue ${name} on SQS at ${this.address}: ${reason(error)}`, error);
    }
    if (!this.own.has(event)) this.own.set(event, new Map());
    const own = this.own.get(event)!;
    own.set(url, (own.get(url) ?? 0) + 1);

    const concurrency = Math.max(1, options.concurrency ?? 64);
    const slots = new Slots(concurrency);
    const inFlight = new Set<Promise<void>>();
    /** Stoppers of the visibility extensions of handlers running now. */
    const hidden = new Set<() => void>();
    const abort = new AbortController();
    const deliver = (raw: SqsMessage) => {
      const p = this.consume(event, url, raw, handler, retry, options.onDeadLetter, hidden, () => slots.release(1)).finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    // Receive loops that find the queue gone at the same moment share one re-creation.
    let recreating: Promise<void> | undefined;
    const recreate = () =>
      (recreating ??= this.ensureQueue(name, event, retry.maxAttempts, true).then(
        () => void (recreating = undefined),
        (error) => {
          recreating = undefined;
          throw error;
        },
      ));
    const receivers = this.receivers ?? Math.min(4, Math.ceil(concurrency / SQS_MAX_BATCH));
    const loops = Array.from({ length: receivers }, () =>
      poll({
        client: this.client,
        queueUrl: url,
        waitTimeSeconds: this.options.waitTimeSeconds,
        batchSize: Math.min(SQS_MAX_BATCH, concurrency),
        slots,
        deliver,
        handBack: (raws) => this.handBack(url, raws),
        recreate,
        recreateAfterMs: this.options.recreateAfterMs,
        signal: abort.signal,
      }),
    );

    let stopping: Promise<void> | undefined;
    const control = {
      stop: () =>
        (stopping ??= (async () => {
          abort.abort();
          // Each loop finishes its receive under way (up to wait_time_seconds) and hands back what it got.
          await Promise.all(loops);
          await within(Promise.allSettled([...inFlight]), this.options.drainTimeoutMs);
          // Handlers still running are abandoned: their messages must come back (at least once), not stay hidden.
          for (const stop of hidden) stop();
          const left = (own.get(url) ?? 1) - 1;
          if (left > 0) own.set(url, left);
          else own.delete(url);
        })()),
    };
    this.subscriptions.add(control);
    return {
      close: async () => {
        this.subscriptions.delete(control);
        await control.stop();
      },
    };
  }

  /** Runs the handler for one received message, then acknowledges (deletes) it or schedules its retry. */
  private async consume(
    event: string,
    url: string,
    raw: SqsMessage,
    handler: MessageHandler,
    retry: RetryPolicy,
    onDeadLetter: SubscribeOptions["onDeadLetter"],
    hidden: Set<() => void>,
    done: () => void,
  ): Promise<void> {
    let attempt = Number(raw.Attributes?.ApproximateReceiveCount ?? 1);
    let acked: Promise<void>;
    try {
      const message = decode(event, raw);
      attempt = message.attempt;
      const keepHidden = this.keepHidden(url, raw, hidden);
      try {
        await handler(message);
      } catch (error) {
        keepHidden();
        await this.nack(url, raw, retry, attempt);
        if (attempt >= retry.maxAttempts) {
          try {
            onDeadLetter?.(message, error);
          } catch {
            // a broken dead-letter sink must not stop consuming
          }
        }
        return;
      }
      keepHidden();
      // A failed delete only means SQS delivers the message again (at least once).
      acked = this.deletes.add(url, { receiptHandle: raw.ReceiptHandle! }, 0).catch(() => undefined);
    } catch (error) {
      // The body is not ours to read (not JSON): SQS's redrive parks it after max attempts, and
      // the dead-letter sink hears of it then, with the body as text (as for any failed message).
      await this.nack(url, raw, retry, attempt);
      if (attempt >= retry.maxAttempts) {
        try {
          onDeadLetter?.(undecoded(event, raw, attempt), error);
        } catch {
          // a broken dead-letter sink must not stop consuming
        }
      }
      return;
    } finally {
      // The handler is done: its slot is free even while the acknowledgement is on its way.
      done();
    }
    await acked;
  }

  /**
   * While a handler runs, pushes its message's visibility out by `visibilityTimeout` every half
   * of it, so a handler slower than the timeout does not run alongside its own redelivery.
   * Returns the function that stops it (call it as soon as the handler settled); it is also in
   * `running` until then, for a stopping subscription that gives up on the handler.
   */
  private keepHidden(url: string, raw: SqsMessage, running: Set<() => void>): () => void {
    const seconds = this.options.visibilityTimeout;
    if (!(seconds > 0)) return () => {};
    const timer = setInterval(() => {
      this.client
        .send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle!, VisibilityTimeout: seconds }))
        // Missed once, it is tried again in half a timeout; missed for good, the message is redelivered (at least once).
        .catch(() => undefined);
    }, (seconds * 1000) / 2);
    const stop = () => {
      clearInterval(timer);
      running.delete(stop);
    };
    running.add(stop);
    return stop;
  }

  /** Messages received but not to be handled (the subscription stopped): visible again at once, for another consumer. */
  private async handBack(url: string, raws: SqsMessage[]): Promise<void> {
    const out = await this.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: raws.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
    if (out.Failed?.length) throw new Error(`SQS did not hand back ${out.Failed.length} message(s): ${out.Failed[0]!.Code}`);
  }

  private async nack(url: string, raw: SqsMessage, retry: RetryPolicy, attempt: number): Promise<void> {
    const last = attempt >= retry.maxAttempts;
    // Visible again after the backoff; on the last attempt at once, so SQS's redrive moves it to the DLQ.
    const delay = last ? 0 : Math.max(1, Math.ceil(retryDelay(retry, attempt) / 1000));
    await this.client
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle!, VisibilityTimeout: delay }))
      .catch(() => undefined);
  }

  /** The dead-letter queue URL of a group's event queue (for tools and tests). */
  async deadLetterQueueUrl(event: string, group: string): Promise<string> {
    const out = await this.client.send(new GetQueueUrlCommand({ QueueName: `${this.queueName(group, event)}-dlq` }));
    return out.QueueUrl!;
  }

  get sqs(): SQSClient {
    return this.client;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    // Publishes already accepted and acknowledgements already queued still go out.
    await within(Promise.all([this.sends.drain(), this.deletes.drain()]), this.options.drainTimeoutMs);
    this.client.destroy();
  }
}

/** Waits for `work`, but no longer than `ms`; the timer does not outlive it (a closed adapter must not keep the process up). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A whole-number setting within SQS's bounds; anything else is a configuration mistake worth stopping for. */
function setting(key: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AdapterError("adapter/config", `[adapter] ${key} for sqs must be a whole number from ${min} to ${max}, not ${value}`);
  }
  return value;
}

/** Per entry of a batch request (Ids are indexes): undefined when SQS took it, else why not. */
function entryOutcomes(count: number, ok: { Id?: string }[] = [], failed: { Id?: string; Code?: string; Message?: string }[] = []): (Error | undefined)[] {
  const outcomes: (Error | undefined)[] = Array.from({ length: count }, () => new Error("SQS returned no result for this entry"));
  for (const s of ok) outcomes[Number(s.Id)] = undefined;
  for (const f of failed) outcomes[Number(f.Id)] = Object.assign(new Error(`${f.Code ?? "Failed"}: ${f.Message ?? "no reason given"}`), { name: f.Code ?? "Error" });
  return outcomes;
}

/** A message whose body is not JSON: its text as the payload, so it can be dead-lettered like any failure. */
function undecoded(event: string, raw: SqsMessage, attempt: number): Message {
  const attrs = raw.MessageAttributes ?? {};
  return {
    id: attrs["rohas-id"]?.StringValue ?? raw.MessageId ?? "",
    event,
    payload: raw.Body ?? "",
    headers: {},
    attempt,
    publishedAt: Number(attrs["rohas-published-at"]?.StringValue) || Date.now(),
  };
}

/** What SQS allows in a queue name: letters, digits, _ and -; anything else becomes _. */
function sanitize(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, "_");
}

function queueOf(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}
