import { describe, expect, test } from "bun:test";
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { Socket, TCPSocketListener } from "bun";
import { SqsAdapter } from "../../plugins/adapter-sqs/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { conformance } from "./conformance.ts";

const ENDPOINT = "http://127.0.0.1:9324";
const available = await brokerAvailable("elasticmq", 9324);
const options = (scope: string, endpoint = ENDPOINT) => ({
  endpoint,
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

    test("publishes made together go out as SendMessageBatch calls of up to 10, acks as DeleteMessageBatch, receives ask for 10", async () => {
      const adapter = new SqsAdapter(options(`b${Date.now().toString(36)}`));
      await adapter.connect();
      const calls = countCalls(adapter);
      const got = new Set<number>();
      await adapter.subscribe("Batched", async (m) => void got.add(m.payload as number), { group: "g", concurrency: 32 });
      await Promise.all(Array.from({ length: 25 }, (_, i) => adapter.publish("Batched", i)));
      const end = Date.now() + 15_000;
      while (got.size < 25 && Date.now() < end) await Bun.sleep(20);
      await adapter.close();
      expect(got.size).toBe(25);
      expect(calls.get("SendMessageCommand")).toBeUndefined();
      expect(calls.get("SendMessageBatchCommand")).toBe(3);
      expect(calls.get("DeleteMessageCommand")).toBeUndefined();
      expect(calls.get("DeleteMessageBatchCommand")!).toBeLessThan(25);
      expect(calls.maxReceive).toBe(10);
    }, 30_000);

    test("in a batch, an entry SQS refuses rejects only its own publish, naming the queue and the reason", async () => {
      const scope = `e${Date.now().toString(36)}`;
      const adapter = new SqsAdapter(options(scope));
      await adapter.connect();
      const got: unknown[] = [];
      await adapter.subscribe("Mixed", async (m) => void got.push(m.payload), { group: "g" });
      const results = await Promise.allSettled([
        adapter.publish("Mixed", 1),
        // SQS refuses an empty attribute value: this entry fails inside an otherwise good batch.
        adapter.publish("Mixed", 2, { headers: { empty: "" } }),
        adapter.publish("Mixed", 3),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const error = (results[1] as PromiseRejectedResult).reason;
      expect(error.code).toBe("adapter/publish-failed");
      expect(error.message).toContain(`t-${scope}-g--Mixed`);
      expect(error.message).toContain("InvalidAttributeValue");
      const end = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < end) await Bun.sleep(20);
      expect(got.sort()).toEqual([1, 3]);
      await adapter.close();
    }, 30_000);

    test("receive loops survive the endpoint refusing and resetting connections, and resume", async () => {
      const proxy = await tcpProxy(9324);
      const adapter = new SqsAdapter(options(`d${Date.now().toString(36)}`, `http://127.0.0.1:${proxy.port}`));
      await adapter.connect();
      const got = new Set<number>();
      await adapter.subscribe("Outage", async (m) => void got.add(m.payload as number), { group: "g" });
      await adapter.publish("Outage", 1);
      const wait = async (n: number) => {
        const end = Date.now() + 20_000;
        while (got.size < n && Date.now() < end) await Bun.sleep(20);
      };
      await wait(1);
      // Down: open connections are reset and new ones refused, while the poller keeps trying.
      proxy.down();
      await expect(adapter.publish("Outage", 2)).rejects.toThrow(/publishing Outage .*failed/);
      await Bun.sleep(1_500);
      await proxy.up();
      // Back: a publish that was refused is retried by the caller and must be handled.
      await adapter.publish("Outage", 2);
      await wait(2);
      expect([...got].sort()).toEqual([1, 2]);
      await adapter.close();
      proxy.down();
    }, 40_000);

    test("a listing that misses the adapter's own queue (as just after a broker restart) does not swallow publishes", async () => {
      const adapter = new SqsAdapter(options(`l${Date.now().toString(36)}`));
      await adapter.connect();
      const got: unknown[] = [];
      await adapter.subscribe("Listed", async (m) => void got.push(m.payload), { group: "g" });
      adapter.sqs.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName === "ListQueuesCommand") (result.output as { QueueUrls?: string[] }).QueueUrls = [];
          return result;
        },
        { step: "initialize", name: "rohasEmptyListing" },
      );
      await adapter.publish("Listed", 1);
      const end = Date.now() + 10_000;
      while (got.length < 1 && Date.now() < end) await Bun.sleep(20);
      expect(got).toEqual([1]);
      await adapter.close();
    }, 20_000);

    test("a receive stuck on a connection that went silent times out and the loop resumes", async () => {
      const proxy = await tcpProxy(9324);
      const scope = `h${Date.now().toString(36)}`;
      const adapter = new SqsAdapter(options(scope, `http://127.0.0.1:${proxy.port}`));
      await adapter.connect();
      const got: unknown[] = [];
      await adapter.subscribe("Silent", async (m) => void got.push(m.payload), { group: "g" });
      // Every connection open now stops answering without closing, as if the broker froze mid-request.
      proxy.hang();
      await Bun.sleep(500);
      proxy.resume();
      // Sent straight to the queue, not through the adapter under test: its receive loop is what is tested.
      const direct = new SqsAdapter(options(scope));
      const { QueueUrl } = await direct.sqs.send(new GetQueueUrlCommand({ QueueName: `t-${scope}-g--Silent` }));
      await direct.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "7" }));
      const end = Date.now() + 25_000;
      while (got.length < 1 && Date.now() < end) await Bun.sleep(20);
      expect(got).toEqual([7]);
      await adapter.close();
      await direct.close();
      proxy.down();
    }, 40_000);

    test("a subscription whose queue was deleted creates it again (after it stayed missing) and goes on consuming", async () => {
      const scope = `q${Date.now().toString(36)}`;
      const adapter = new SqsAdapter({ ...options(scope), recreateAfterMs: 500 });
      await adapter.connect();
      const got: unknown[] = [];
      await adapter.subscribe("Gone", async (m) => void got.push(m.payload), { group: "g" });
      const { QueueUrl } = await adapter.sqs.send(new GetQueueUrlCommand({ QueueName: `t-${scope}-g--Gone` }));
      await adapter.sqs.send(new DeleteQueueCommand({ QueueUrl }));
      // Refused while the queue is missing (never acknowledged into nowhere), then taken once it is back.
      let refusals = 0;
      const end = Date.now() + 20_000;
      for (;;) {
        try {
          await adapter.publish("Gone", 1);
          break;
        } catch (error) {
          refusals++;
          expect(String(error)).toContain("publishing Gone to SQS queue");
          if (Date.now() > end) throw error;
          await Bun.sleep(100);
        }
      }
      while (got.length < 1 && Date.now() < end) await Bun.sleep(20);
      expect(got).toEqual([1]);
      expect(refusals).toBeGreaterThan(0);
      await adapter.close();
    }, 30_000);

    /** Subscribes with one adapter, publishes with another that subscribes to nothing (so only the listing can route it). */
    async function publishFromElsewhere(prefix: string, group: string, event: string, subscriberPrefix = prefix) {
      const sub = new SqsAdapter({ ...options("x"), queuePrefix: subscriberPrefix });
      const pub = new SqsAdapter({ ...options("x"), queuePrefix: prefix });
      await sub.connect();
      await pub.connect();
      const got: unknown[] = [];
      await sub.subscribe(event, async (m) => void got.push(m.payload), { group });
      await pub.publish(event, { from: prefix });
      return {
        got,
        async received(n: number, ms = 10_000) {
          const end = Date.now() + ms;
          while (got.length < n && Date.now() < end) await Bun.sleep(20);
          return got;
        },
        async close() {
          await sub.close();
          await pub.close();
        },
      };
    }

    test("a publisher that does not subscribe reaches a group queue whose full name is over SQS's 80 characters", async () => {
      const run = await publishFromElsewhere(`t-n${Date.now().toString(36)}-`, "notifications-service-email-worker", "UserAccountEmailVerificationRequested");
      expect(await run.received(1)).toEqual([{ from: expect.stringMatching(/^t-n/) }]);
      await run.close();
    }, 20_000);

    test("a publisher that does not subscribe reaches group queues under a queue_prefix with characters SQS does not allow (my.app-)", async () => {
      const run = await publishFromElsewhere(`t.d${Date.now().toString(36)}-`, "g", "Ev");
      expect(await run.received(1)).toHaveLength(1);
      await run.close();
    }, 20_000);

    test("a project whose prefix starts another's (shop- and shop-admin-) does not deliver to the other's queues", async () => {
      const shop = `t-s${Date.now().toString(36)}-`;
      const run = await publishFromElsewhere(shop, "audit", "OrderCreated", `${shop}admin-`);
      await Bun.sleep(2_500);
      expect(run.got).toEqual([]);
      await run.close();
    }, 20_000);

    test("two long groups of one event get queues of their own (cut names end in a hash) and both get every message", async () => {
      const adapter = new SqsAdapter(options(`h${Date.now().toString(36)}`));
      await adapter.connect();
      const long = "a-very-long-consumer-group-name-that-goes-on-and-on";
      const got: string[] = [];
      await adapter.subscribe("SomeFairlyLongEventName", async () => void got.push("one"), { group: `${long}-one` });
      await adapter.subscribe("SomeFairlyLongEventName", async () => void got.push("two"), { group: `${long}-two` });
      const one = await adapter.deadLetterQueueUrl("SomeFairlyLongEventName", `${long}-one`);
      const two = await adapter.deadLetterQueueUrl("SomeFairlyLongEventName", `${long}-two`);
      expect(one).not.toBe(two);
      expect(one.slice(one.lastIndexOf("/") + 1).length).toBeLessThanOrEqual(80);
      expect(one).toContain("--SomeFairlyLongEventName-dlq");
      await adapter.publish("SomeFairlyLongEventName", 1);
      const end = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < end) await Bun.sleep(20);
      expect(got.sort()).toEqual(["one", "two"]);
      await adapter.close();
    }, 20_000);

    test("a prefix and event that leave no room for a group in a queue name are a configuration error", async () => {
      const adapter = new SqsAdapter(options(`c${Date.now().toString(36)}`));
      await adapter.connect();
      const event = "E".repeat(70);
      await expect(adapter.subscribe(event, async () => {}, { group: "g" })).rejects.toMatchObject({ code: "adapter/config" });
      await expect(adapter.publish(event, 1)).rejects.toMatchObject({ code: "adapter/config" });
      await adapter.close();
    });

    test("a publish to an event no group subscribes to resolves and warns once", async () => {
      const adapter = new SqsAdapter(options(`w${Date.now().toString(36)}`));
      await adapter.connect();
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
      try {
        await adapter.publish("Nobody", 1);
        await adapter.publish("Nobody", 2);
      } finally {
        console.warn = warn;
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("Nobody");
      await adapter.close();
    });

    test("subscribing again with another max_attempts and visibility_timeout updates the existing queue instead of failing", async () => {
      const scope = `u${Date.now().toString(36)}`;
      const first = new SqsAdapter(options(scope));
      await first.connect();
      await (await first.subscribe("Changed", async () => {}, { group: "g", retry: { maxAttempts: 3 } })).close();
      await first.close();
      const second = new SqsAdapter({ ...options(scope), visibilityTimeout: 5 });
      await second.connect();
      const got: unknown[] = [];
      await second.subscribe("Changed", async (m) => void got.push(m.payload), { group: "g", retry: { maxAttempts: 6 } });
      const { QueueUrl } = await second.sqs.send(new GetQueueUrlCommand({ QueueName: `t-${scope}-g--Changed` }));
      const { Attributes } = await second.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["RedrivePolicy", "VisibilityTimeout"] }));
      expect(Attributes?.VisibilityTimeout).toBe("5");
      expect(Number(JSON.parse(Attributes!.RedrivePolicy!).maxReceiveCount)).toBe(6);
      await second.publish("Changed", 1);
      const end = Date.now() + 10_000;
      while (got.length < 1 && Date.now() < end) await Bun.sleep(20);
      expect(got).toEqual([1]);
      await second.close();
    }, 20_000);

    test("closing during a long poll hands back what that receive brought instead of hiding it for the visibility timeout", async () => {
      const scope = `v${Date.now().toString(36)}`;
      const adapter = new SqsAdapter({ ...options(scope), visibilityTimeout: 30, waitTimeSeconds: 3 });
      await adapter.connect();
      let handled = 0;
      const sub = await adapter.subscribe("Stopped", async () => void handled++, { group: "g", concurrency: 10 });
      await Bun.sleep(300); // the receive loop is long-polling the empty queue now
      const closing = sub.close();
      const direct = new SqsAdapter(options(scope));
      const { QueueUrl } = await direct.sqs.send(new GetQueueUrlCommand({ QueueName: `t-${scope}-g--Stopped` }));
      // Arrives while the long poll is still open on the server: that receive takes it.
      await direct.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "{}" }));
      await closing;
      await Bun.sleep(300);
      const { Attributes } = await direct.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
      );
      expect(handled).toBe(0);
      expect(Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("0");
      expect(Attributes?.ApproximateNumberOfMessages).toBe("1");
      await adapter.close();
      await direct.close();
    }, 20_000);

    test("a handler slower than the visibility timeout keeps its message hidden and is not run again alongside it", async () => {
      const adapter = new SqsAdapter({ ...options(`s${Date.now().toString(36)}`), visibilityTimeout: 1 });
      await adapter.connect();
      const runs: number[] = [];
      let running = 0;
      let overlapped = false;
      await adapter.subscribe(
        "Slow",
        async (m) => {
          runs.push(m.attempt);
          if (++running > 1) overlapped = true;
          await Bun.sleep(2_500);
          running--;
        },
        { group: "g" },
      );
      await adapter.publish("Slow", 1);
      await Bun.sleep(5_000);
      expect(overlapped).toBe(false);
      expect(runs).toEqual([1]);
      await adapter.close();
    }, 20_000);

    test("a body that is not JSON is retried, then dead-lettered with onDeadLetter told, its text as the payload", async () => {
      const scope = `j${Date.now().toString(36)}`;
      const adapter = new SqsAdapter(options(scope));
      await adapter.connect();
      let handled = 0;
      const dead: { payload: unknown; attempt: number; error: unknown }[] = [];
      await adapter.subscribe("Garbled", async () => void handled++, {
        group: "g",
        retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 },
        onDeadLetter: (m, error) => void dead.push({ payload: m.payload, attempt: m.attempt, error }),
      });
      const { QueueUrl } = await adapter.sqs.send(new GetQueueUrlCommand({ QueueName: `t-${scope}-g--Garbled` }));
      await adapter.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "not json {" }));
      const end = Date.now() + 15_000;
      while (dead.length < 1 && Date.now() < end) await Bun.sleep(20);
      await Bun.sleep(500);
      expect(handled).toBe(0);
      expect(dead.map(({ payload, attempt }) => ({ payload, attempt }))).toEqual([{ payload: "not json {", attempt: 2 }]);
      expect(dead[0]!.error).toBeInstanceOf(SyntaxError);
      await adapter.close();
    }, 30_000);

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

/** Counts the SDK commands an adapter sends, and the largest MaxNumberOfMessages asked for. */
function countCalls(adapter: SqsAdapter): Map<string, number> & { maxReceive: number } {
  const calls = Object.assign(new Map<string, number>(), { maxReceive: 0 });
  adapter.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      const input = args.input as { MaxNumberOfMessages?: number };
      if (name === "ReceiveMessageCommand") calls.maxReceive = Math.max(calls.maxReceive, input.MaxNumberOfMessages ?? 1);
      return next(args);
    },
    { step: "initialize", name: "rohasCountCalls" },
  );
  return calls;
}

/** A TCP proxy to 127.0.0.1:`target` that can go down (reset its connections, refuse new ones) and come back on the same port. */
async function tcpProxy(target: number) {
  type Pair = { peer?: Socket<Pair>; pending: Uint8Array[]; silent?: boolean };
  const open = new Set<Socket<Pair>>();
  let silent = false;
  let listener: TCPSocketListener<Pair> | undefined;
  let port = 0;
  const listen = async () => {
    listener = Bun.listen<Pair>({
      hostname: "127.0.0.1",
      port,
      socket: {
        async open(client) {
          open.add(client);
          client.data = { pending: [], silent };
          const upstream = await Bun.connect<Pair>({
            hostname: "127.0.0.1",
            port: target,
            socket: {
              data: (_s, chunk) => void (client.data.silent || client.write(chunk)),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          });
          upstream.data = { peer: client, pending: [] };
          open.add(upstream);
          client.data.peer = upstream;
          for (const chunk of client.data.pending) upstream.write(chunk);
        },
        data(client, chunk) {
          if (client.data.silent) return;
          if (client.data.peer) client.data.peer.write(chunk);
          else client.data.pending.push(new Uint8Array(chunk));
        },
        close(client) {
          open.delete(client);
          client.data.peer?.end();
        },
        error(client) {
          client.data.peer?.end();
        },
      },
    });
    port = listener.port;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    down() {
      listener?.stop(true);
      listener = undefined;
      for (const socket of open) socket.terminate();
      open.clear();
    },
    up: listen,
    /** Open connections (and new ones until resume) swallow everything without closing. */
    hang() {
      silent = true;
      for (const socket of open) if (socket.data) socket.data.silent = true;
    },
    resume() {
      silent = false;
    },
  };
}
