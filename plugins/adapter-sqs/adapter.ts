/**
 * Amazon SQS (or an SQS-compatible server such as ElasticMQ). One standard
 * queue per event and consumer group, `<queue_prefix><group>--<event>`, with a
 * native redrive policy to `…-dlq` after `maxAttempts` receives. Publishing
 * fans out to every group's queue of the event. Consumers long-poll, delete a
 * message only after its handler finished (at least once), and on failure set
 * its visibility to the backoff so SQS redelivers it then.
 * Standard queues do not keep order; use a broker with ordering when it matters.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
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
  type SubscribeOptions,
  type Subscription,
} from "../../core/adapter.ts";

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
}

/** SQS's own limit for one message body plus attributes. */
export const SQS_MAX_BYTES = 262_144;
const SEPARATOR = "--";

export class SqsAdapter implements Adapter {
  readonly name = "sqs";
  private readonly client: SQSClient;
  private readonly urls = new Map<string, string>();
  private groupsCache = new Map<string, { at: number; urls: string[] }>();
  private readonly loops = new Set<{ stop: () => Promise<void> }>();
  private closed = false;
  private sequence = 0;
  private readonly idPrefix = crypto.randomUUID().slice(0, 8);

  constructor(private readonly options: SqsAdapterOptions) {
    this.client = new SQSClient({
      region: options.region,
      endpoint: options.endpoint,
      // Local SQS-compatible servers accept any credentials; real AWS uses the environment's.
      ...(options.endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: "rohas", secretAccessKey: "rohas" } } : {}),
      maxAttempts: 3,
    });
  }

  private get address(): string {
    return this.options.endpoint ?? `SQS ${this.options.region}`;
  }

  async connect(): Promise<void> {
    try {
      await this.client.send(new ListQueuesCommand({ QueueNamePrefix: this.options.queuePrefix, MaxResults: 1 }), {
        abortSignal: AbortSignal.timeout(this.options.connectTimeoutMs),
      });
    } catch (error) {
      throw new AdapterError("adapter/unreachable", `cannot reach SQS at ${this.address}: ${reason(error)}`, error);
    }
  }

  private queueName(group: string, event: string): string {
    return `${this.options.queuePrefix}${group}${SEPARATOR}${event}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 76);
  }

  private async ensureQueue(name: string, maxAttempts: number): Promise<string> {
    const cached = this.urls.get(name);
    if (cached) return cached;
    const dlq = await this.client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqAttrs = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }));
    const created = await this.client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(this.options.visibilityTimeout),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttrs.Attributes!.QueueArn, maxReceiveCount: String(maxAttempts) }),
        },
      }),
    );
    this.urls.set(name, created.QueueUrl!);
    this.groupsCache.clear();
    return created.QueueUrl!;
  }

  /** Queue URLs of every group subscribed to `event`, cached briefly. */
  private async groupQueues(event: string): Promise<string[]> {
    const hit = this.groupsCache.get(event);
    if (hit && Date.now() - hit.at < 2_000) return hit.urls;
    const suffix = `${SEPARATOR}${event.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(new ListQueuesCommand({ QueueNamePrefix: this.options.queuePrefix, NextToken, MaxResults: 1000 }));
      for (const url of page.QueueUrls ?? []) if (url.endsWith(suffix)) urls.push(url);
      NextToken = page.NextToken;
    } while (NextToken);
    this.groupsCache.set(event, { at: Date.now(), urls });
    return urls;
  }

  async publish(event: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
    if (this.closed) throw new AdapterError("adapter/closed", `cannot publish ${event}: the SQS adapter is closed`);
    const body = JSON.stringify(payload ?? null);
    const attributes: Record<string, { DataType: string; StringValue: string }> = {
      "rohas-id": { DataType: "String", StringValue: `${this.idPrefix}-${++this.sequence}` },
      "rohas-published-at": { DataType: "Number", StringValue: String(Date.now()) },
    };
    for (const [k, v] of Object.entries(options.headers ?? {})) attributes[k] = { DataType: "String", StringValue: v };
    if (options.key) attributes["rohas-key"] = { DataType: "String", StringValue: options.key };
    const size = Buffer.byteLength(body) + Object.entries(attributes).reduce((n, [k, v]) => n + k.length + v.DataType.length + v.StringValue.length, 0);
    if (size > SQS_MAX_BYTES) {
      throw new AdapterError("adapter/payload-too-large", `event ${event}: message is ${size} bytes, over SQS's limit of ${SQS_MAX_BYTES}`);
    }
    try {
      for (const QueueUrl of await this.groupQueues(event)) {
        await this.client.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes }));
      }
    } catch (error) {
      throw new AdapterError("adapter/publish-failed", `publishing ${event} to SQS at ${this.address} failed: ${reason(error)}`, error);
    }
  }

  async subscribe(event: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    const url = await this.ensureQueue(this.queueName(options.group, event), retry.maxAttempts);
    const concurrency = options.concurrency ?? 64;
    const inFlight = new Set<Promise<void>>();
    let stopped = false;
    const abort = new AbortController();

    const handle = async (raw: SqsMessage): Promise<void> => {
      const message = toMessage(event, raw);
      try {
        await handler(message);
        await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle! }));
      } catch (error) {
        const last = message.attempt >= retry.maxAttempts;
        // Visible again after the backoff; on the last attempt at once, so SQS's redrive moves it to the DLQ.
        const delay = last ? 0 : Math.max(1, Math.ceil(retryDelay(retry, message.attempt) / 1000));
        await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle!, VisibilityTimeout: delay })).catch(() => undefined);
        if (last) {
          try {
            options.onDeadLetter?.(message, error);
          } catch {
            // a broken dead-letter sink must not stop consuming
          }
        }
      }
    };

    const loop = (async () => {
      let failures = 0;
      while (!stopped) {
        const free = Math.min(10, concurrency - inFlight.size);
        if (free <= 0) {
          await Promise.race(inFlight);
          continue;
        }
        try {
          const got = await this.client.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: free,
              WaitTimeSeconds: this.options.waitTimeSeconds,
              MessageAttributeNames: ["All"],
              MessageSystemAttributeNames: ["ApproximateReceiveCount"],
            }),
            { abortSignal: abort.signal },
          );
          failures = 0;
          for (const raw of got.Messages ?? []) {
            const p = handle(raw).finally(() => inFlight.delete(p));
            inFlight.add(p);
          }
        } catch {
          if (stopped) break;
          // The endpoint is unreachable: back off and keep polling (reconnects on its own).
          await Bun.sleep(Math.min(5_000, 200 * 2 ** Math.min(++failures, 5)));
        }
      }
    })();

    const control = {
      stop: async () => {
        stopped = true;
        abort.abort();
        await loop;
        await Promise.race([Promise.allSettled([...inFlight]), Bun.sleep(this.options.drainTimeoutMs)]);
      },
    };
    this.loops.add(control);
    return {
      close: async () => {
        this.loops.delete(control);
        await control.stop();
      },
    };
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
    await Promise.all([...this.loops].map((l) => l.stop()));
    this.loops.clear();
    this.client.destroy();
  }
}

function toMessage(event: string, raw: SqsMessage): Message {
  const attrs = raw.MessageAttributes ?? {};
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!k.startsWith("rohas-") && v.StringValue !== undefined) headers[k] = v.StringValue;
  return {
    id: attrs["rohas-id"]?.StringValue ?? raw.MessageId ?? "",
    event,
    payload: JSON.parse(raw.Body ?? "null"),
    headers,
    attempt: Number(raw.Attributes?.ApproximateReceiveCount ?? 1),
    key: attrs["rohas-key"]?.StringValue,
    publishedAt: Number(attrs["rohas-published-at"]?.StringValue) || Date.now(),
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
