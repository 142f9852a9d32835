import { describe, expect, test } from "bun:test";
import { SqsAdapter } from "../../plugins/adapter-sqs/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { conformance } from "./conformance.ts";

const ENDPOINT = "http://127.0.0.1:9324";
const available = await brokerAvailable("elasticmq", 9324);
const options = (scope: string) => ({
  endpoint: ENDPOINT,
  region: "us-east-1",
  queuePrefix: `t-${scope}-`,
  // Short timings so retries and the redelivery of an abandoned message fit the test's patience.
  visibilityTimeout: 2,
  waitTimeSeconds: 1,
  connectTimeoutMs: 3_000,
  drainTimeoutMs: 300,
});

if (available) {
  conformance("sqs (ElasticMQ)", {
    durable: true,
    ordered: false,
    async create(scope) {
      const adapter = new SqsAdapter(options(scope.replace(/[^A-Za-z0-9]/g, "").slice(-12)));
      await adapter.connect();
      return adapter;
    },
  });

  describe("sqs adapter specifics", () => {
    test("after max attempts SQS's redrive moves the message to the dead-letter queue", async () => {
      const scope = `r${Date.now().toString(36)}`;
      const adapter = new SqsAdapter(options(scope));
      await adapter.connect();
      const event = "Redriven";
      let dead = 0;
      await adapter.subscribe(
        event,
        async () => {
          throw new Error("no");
        },
        { group: "g", retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 }, onDeadLetter: () => dead++ },
      );
      await adapter.publish(event, { x: 1 });
      const dlq = await adapter.deadLetterQueueUrl(event, "g");
      const { ReceiveMessageCommand } = await import("@aws-sdk/client-sqs");
      let moved: unknown;
      const end = Date.now() + 20_000;
      while (!moved && Date.now() < end) {
        const got = await adapter.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 1 }));
        moved = got.Messages?.[0]?.Body;
      }
      expect(dead).toBe(1);
      expect(JSON.parse(String(moved))).toEqual({ x: 1 });
      await adapter.close();
    }, 60_000);

    test("a message over SQS's 256 KiB limit is a clear error", async () => {
      const adapter = new SqsAdapter(options(`p${Date.now().toString(36)}`));
      await adapter.connect();
      await expect(adapter.publish("Big", "x".repeat(300_000))).rejects.toThrow(/over SQS's limit of 262144/);
      await adapter.close();
    });
  });
}

describe("sqs adapter without a server", () => {
  test("connect to an unreachable endpoint fails fast naming it", async () => {
    const adapter = new SqsAdapter({ ...options("x"), endpoint: "http://127.0.0.1:1", connectTimeoutMs: 2_000 });
    const started = Date.now();
    await expect(adapter.connect()).rejects.toThrow("cannot reach SQS at http://127.0.0.1:1");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
