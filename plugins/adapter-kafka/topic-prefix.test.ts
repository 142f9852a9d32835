/**
 * The `[adapter] topic_prefix` key (topics.ts): checked at start-up, and the names it gives
 * topics and consumer groups, read back from the live broker with the kafkajs admin client.
 * Each run uses prefixes of its own and deletes the topics it made.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel, type Admin } from "kafkajs";
import type { Message } from "../../core/adapter.ts";
import { adapterFromToml, refusal, startWithAdapter } from "../../test/adapters/adapter-config.ts";
import { brokerAvailable, unique, until } from "../../test/adapters/broker.ts";
import { kafkaTestOptions } from "../../test/adapters/kafka-options.ts";
import { KafkaAdapter } from "./adapter.ts";
import adapterKafka from "./index.ts";

/** Nothing listens there: an adapter that got as far as connecting would fail with "cannot connect". */
const NOWHERE = "127.0.0.1:1";
const RULE = `must be 1 to 244 characters, each an ASCII letter, digit, '.', '_' or '-' (the characters of a Kafka topic name), such as "shop."`;

describe("kafka topic_prefix option", () => {
  const fromToml = adapterFromToml(adapterKafka, "kafka", `brokers = ["${NOWHERE}"]`);

  test("a bad topic_prefix is an adapter/config error naming the key and the value, before any connection", async () => {
    const cases: [string, string][] = [
      ['topic_prefix = "my app/"', `[adapter] topic_prefix for kafka ${RULE}, not "my app/" (' ' and '/' not allowed)`],
      ['topic_prefix = ""', `[adapter] topic_prefix for kafka ${RULE}, not ""`],
      ["topic_prefix = 5", `[adapter] topic_prefix for kafka ${RULE}, not 5`],
      ['topic_prefix = "café."', `[adapter] topic_prefix for kafka ${RULE}, not "café." ('é' not allowed)`],
      ['topic_prefix = "shop:eu."', `[adapter] topic_prefix for kafka ${RULE}, not "shop:eu." (':' not allowed)`],
      [
        `topic_prefix = "${"p".repeat(245)}"`,
        `[adapter] topic_prefix for kafka ${RULE}, not 245 characters: a dead-letter topic (prefix + "dlq." + event) must fit Kafka's 249`,
      ],
    ];
    for (const [line, message] of cases) {
      const error = await refusal(await fromToml(line));
      expect({ line, code: error.code, message: error.message }).toEqual({ line, code: "adapter/config", message });
    }
    // The adapter itself refuses it too, whoever makes it.
    const direct = await refusal(() => new KafkaAdapter({ ...kafkaTestOptions, brokers: [NOWHERE], topicPrefix: "my app/" }));
    expect(direct.code).toBe("adapter/config");
  });

  test("good prefixes are accepted, and no topic_prefix at all", async () => {
    for (const line of ["", 'topic_prefix = "shop."', 'topic_prefix = "a"', 'topic_prefix = "Team-1_shop.eu."', `topic_prefix = "${"p".repeat(244)}"`]) {
      expect({ line, made: (await fromToml(line))() instanceof KafkaAdapter }).toEqual({ line, made: true });
    }
  });

  test("rohas start with a bad topic_prefix stops with the error naming the key", async () => {
    // An unreachable broker: were the value accepted, start-up would fail later for another reason, not hang on a live broker.
    const result = startWithAdapter(`type = "kafka"\nbrokers = ["${NOWHERE}"]\ntopic_prefix = "my app/"`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`[adapter] topic_prefix for kafka ${RULE}, not "my app/" (' ' and '/' not allowed)`);
    expect(result.stderr).not.toContain("cannot connect");
  }, 30_000);
});

const available = await brokerAvailable("kafka", 9092);

describe.skipIf(!available)("kafka topic names on the broker", () => {
  /** This run's own namespace: every prefix below starts with it, so its topics can be found and deleted. */
  const run = unique("kp").toLowerCase();
  const defaultEvents: string[] = [];
  const adapters: KafkaAdapter[] = [];
  let admin: Admin;

  beforeAll(async () => {
    admin = new Kafka({ brokers: kafkaTestOptions.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(run) || defaultEvents.some((e) => t === `rohas.${e}` || t === `rohas.dlq.${e}`));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  });

  const adapter = async (topicPrefix?: string) => {
    const a = new KafkaAdapter({ ...kafkaTestOptions, topicPrefix });
    adapters.push(a);
    await a.connect();
    return a;
  };
  /** Messages the broker holds in a topic (its partitions' high watermarks; nothing is deleted here). */
  const stored = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  const failing = async () => {
    throw new Error("to the dead letters");
  };
  const oneAttempt = { maxAttempts: 1, backoffMs: 10, maxBackoffMs: 10 };

  test("two projects with different prefixes, the same group and the same event each receive only their own events", async () => {
    // The cross-talk this key removes: before it, both would read and write rohas.UserCreated in group shop.UserCreated.
    const shop = await adapter(`${run}.shop.`);
    const blog = await adapter(`${run}.blog.`);
    const toShop: unknown[] = [];
    const toBlog: unknown[] = [];
    await shop.subscribe("UserCreated", async (m) => void toShop.push(m.payload), { group: "app", concurrency: 3 });
    await blog.subscribe("UserCreated", async (m) => void toBlog.push(m.payload), { group: "app", concurrency: 3 });
    // Keyed to land on every partition: a partition given to the other project's consumer would never arrive.
    for (let n = 0; n < 30; n++) {
      await shop.publish("UserCreated", `shop-${n}`, { key: `k${n}` });
      await blog.publish("UserCreated", `blog-${n}`, { key: `k${n}` });
    }
    // Not thrown here: the comparisons below show what each side got.
    await until(() => toShop.length >= 30 && toBlog.length >= 30, 30_000).catch(() => undefined);
    await Bun.sleep(1_000); // time for anything that would cross over
    expect(new Set(toShop)).toEqual(new Set(Array.from({ length: 30 }, (_, n) => `shop-${n}`)));
    expect(new Set(toBlog)).toEqual(new Set(Array.from({ length: 30 }, (_, n) => `blog-${n}`)));
    expect(await stored(`${run}.shop.UserCreated`)).toBe(30);
    expect(await stored(`${run}.blog.UserCreated`)).toBe(30);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    expect(groups).toContain(`${run}.shop.app.UserCreated`);
    expect(groups).toContain(`${run}.blog.app.UserCreated`);
  }, 60_000);

  test("the default prefix keeps rohas.<event>, rohas.dlq.<event> and consumer group <group>.<event>", async () => {
    const event = unique("KDefault");
    defaultEvents.push(event);
    const a = await adapter();
    const dead: Message[] = [];
    await a.subscribe(event, failing, { group: "g", retry: oneAttempt, onDeadLetter: (m) => void dead.push(m) });
    await a.publish(event, { n: 1 });
    await until(() => dead.length === 1, 20_000, "the dead letter");
    const topics = await admin.listTopics();
    expect(topics).toContain(`rohas.${event}`);
    expect(topics).toContain(`rohas.dlq.${event}`);
    expect(await stored(`rohas.${event}`)).toBe(1);
    expect(await stored(`rohas.dlq.${event}`)).toBe(1);
    // The old group name: an upgraded deployment keeps its committed offsets.
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(`g.${event}`);
  }, 60_000);

  test("dead letters of a prefixed adapter land in <prefix>dlq.<event>, as received, with the error", async () => {
    const prefix = `${run}.dead.`;
    const event = unique("KDead");
    const a = await adapter(prefix);
    const dead: Message[] = [];
    await a.subscribe(event, failing, { group: "g", retry: oneAttempt, onDeadLetter: (m) => void dead.push(m) });
    await a.publish(event, { order: 7 }, { key: "o-7" });
    await until(() => dead.length === 1, 20_000, "the dead letter");
    const topics = await admin.listTopics();
    expect(topics).not.toContain(`rohas.dlq.${event}`);
    expect(topics).not.toContain(`rohas.${event}`);
    // Read back from the broker with a plain consumer, not through the adapter.
    const reader = new Kafka({ brokers: kafkaTestOptions.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: `${run}.reader` });
    const read: { topic: string; key?: string; value?: string; error?: string }[] = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic: `${prefix}dlq.${event}`, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ topic, message }) =>
          void read.push({ topic, key: message.key?.toString(), value: message.value?.toString(), error: message.headers?.["rohas-error"]?.toString() }),
      });
      await until(() => read.length === 1, 20_000, "the dead letter on the broker");
    } finally {
      await reader.disconnect();
    }
    expect(read).toEqual([{ topic: `${prefix}dlq.${event}`, key: "o-7", value: '{"order":7}', error: "to the dead letters" }]);
  }, 60_000);

  test("a topic over Kafka's 249 characters is an adapter/config error naming its length and both parts; 249 itself works", async () => {
    const prefix = `${run}.long.`.padEnd(200, "p");
    const a = await adapter(prefix);
    const event50 = "E".repeat(50);
    const published = await refusal(() => a.publish(event50, 1));
    expect({ code: published.code, message: published.message }).toEqual({
      code: "adapter/config",
      message: `the Kafka topic for event ${event50} would be 250 characters, over Kafka's limit of 249: [adapter] topic_prefix "${prefix}" (200) + event ${event50} (50); shorten the prefix or the event name`,
    });
    // 45 characters: the event topic has 245, its dead-letter topic exactly 249. 46: the dead-letter topic has 250.
    const event46 = "F".repeat(46);
    const subscribed = await refusal(() => a.subscribe(event46, async () => undefined, { group: "g" }));
    expect({ code: subscribed.code, message: subscribed.message }).toEqual({
      code: "adapter/config",
      message: `the Kafka topic for event ${event46} would be 250 characters, over Kafka's limit of 249: [adapter] topic_prefix "${prefix}" (200) + "dlq." (4) + event ${event46} (46); shorten the prefix or the event name`,
    });
    const event45 = "G".repeat(45);
    const dead: Message[] = [];
    await a.subscribe(event45, failing, { group: "g", retry: oneAttempt, onDeadLetter: (m) => void dead.push(m) });
    await a.publish(event45, 1);
    await until(() => dead.length === 1, 20_000, "the dead letter in a 249-character topic");
    // Nothing was made for the refused names, under any (truncated) name.
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    expect(mine).toEqual([`${prefix}${event45}`, `${prefix}dlq.${event45}`]);
    expect(`${prefix}dlq.${event45}`.length).toBe(249);
  }, 60_000);

  test("an event whose topic Kafka would take for another's ('.' and '_' alike) is refused naming both, and makes no topic", async () => {
    const prefix = `${run}.clash.`;
    const a = await adapter(prefix);
    const subscription = await a.subscribe("Order", async () => undefined, { group: "g", retry: oneAttempt });
    const error = await refusal(() => a.publish("dlq_Order", 1));
    expect({ code: error.code, message: error.message }).toEqual({
      code: "adapter/config",
      message:
        `Kafka topic ${prefix}dlq_Order (event dlq_Order) would collide with ${prefix}dlq.Order (dead letters of event Order): ` +
        "Kafka treats '.' and '_' in topic names as the same character; rename one of the events",
    });
    expect((await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort()).toEqual([`${prefix}Order`, `${prefix}dlq.Order`]);
    await subscription.close();
  }, 60_000);

  test("an event name Kafka cannot carry in a topic is refused naming it, and makes no topic", async () => {
    const prefix = `${run}.names.`;
    const a = await adapter(prefix);
    for (const [event, bad] of [
      ["dlq.UserCreated", "'.'"],
      ["User Created", "' '"],
      ["a/b", "'/'"],
    ] as const) {
      const error = await refusal(() => a.publish(event, 1));
      expect({ code: error.code, message: error.message }).toEqual({
        code: "adapter/event-name",
        message: `event ${JSON.stringify(event)} cannot be carried by Kafka: an event name for a Kafka topic is ASCII letters, digits, '_' and '-' (${bad} not allowed)`,
      });
    }
    expect((await admin.listTopics()).filter((t) => t.startsWith(prefix))).toEqual([]);
  }, 30_000);
});
