import { describe, expect, test } from "bun:test";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Message } from "../../core/adapter.ts";
import { brokerAvailable } from "../../test/adapters/broker.ts";
import { kafkaTestOptions } from "../../test/adapters/kafka-options.ts";
import { KafkaAdapter } from "./adapter.ts";

const available = await brokerAvailable("kafka", 9092);
const unique = (name: string) => `${name}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await Bun.sleep(20);
}

describe.skipIf(!available)("kafka adapter robustness", () => {
  test("a message that is not JSON is dead-lettered with its raw text and the ones after it still run", async () => {
    const adapter = new KafkaAdapter({ ...kafkaTestOptions, partitions: 1 });
    await adapter.connect();
    const event = unique("KPoison");
    const seen: unknown[] = [];
    const dead: { message: Message; error: unknown }[] = [];
    await adapter.subscribe(event, async (m) => void seen.push(m.payload), {
      group: "g",
      retry: { maxAttempts: 2, backoffMs: 20 },
      onDeadLetter: (message, error) => void dead.push({ message, error }),
    });
    const raw = new Kafka({ brokers: kafkaTestOptions.brokers, logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    try {
      await raw.send({ topic: `rohas.${event}`, messages: [{ value: "not json {" }] });
      await adapter.publish(event, { ok: 1 });
      await adapter.publish(event, { ok: 2 });
      await until(() => seen.length >= 2, 20_000);
      await Bun.sleep(200);
      expect(seen).toEqual([{ ok: 1 }, { ok: 2 }]);
      expect(dead.length).toBe(1);
      expect(dead[0]!.message.payload).toBe("not json {");
      expect(String(dead[0]!.error)).toMatch(/not JSON/);
    } finally {
      await raw.disconnect();
      await adapter.close();
    }
  }, 60_000);
  test("a handler slower than the session timeout runs once: the member heartbeats while it works", async () => {
    // kafkaTestOptions.sessionTimeoutMs is 6 s; each slow attempt here takes 8 s.
    const adapter = new KafkaAdapter({ ...kafkaTestOptions, partitions: 1 });
    await adapter.connect();
    const event = unique("KSlow");
    const runs: unknown[] = [];
    let finished = 0;
    await adapter.subscribe(
      event,
      async (m) => {
        const n = (m.payload as { n: number }).n;
        runs.push(`${n}#${m.attempt}`);
        // n=1 is slow on its first attempt; n=2 fails at once, then is slow on its retry.
        if (n === 2 && m.attempt === 1) throw new Error("fails first");
        if (n !== 3) await Bun.sleep(8_000);
        finished++;
      },
      { group: "g", retry: { maxAttempts: 3, backoffMs: 20 } },
    );
    try {
      await adapter.publish(event, { n: 1 });
      await adapter.publish(event, { n: 2 });
      await adapter.publish(event, { n: 3 });
      await until(() => finished >= 3, 40_000);
      await Bun.sleep(1_000);
      // Evicted, the member would have had its commit refused and run n=1 again (and again).
      expect(runs).toEqual(["1#1", "2#1", "2#2", "3#1"]);
    } finally {
      await adapter.close();
    }
  }, 60_000);
  test("handled offsets are committed within 500 ms, not only at the end of the fetched batch, so a crash redelivers little", async () => {
    const adapter = new KafkaAdapter({ ...kafkaTestOptions, partitions: 1 });
    await adapter.connect();
    const event = unique("KCommit");
    // Published before subscribing: all ten arrive in one fetched batch.
    for (let n = 0; n < 10; n++) await adapter.publish(event, { n });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let reached = false;
    await adapter.subscribe(
      event,
      async (m) => {
        const n = (m.payload as { n: number }).n;
        if (n === 8) {
          reached = true;
          await blocked;
        } else await Bun.sleep(150);
      },
      { group: "g" },
    );
    const admin = new Kafka({ brokers: kafkaTestOptions.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await until(() => reached, 20_000);
      expect(reached).toBe(true);
      // Were the process to die now, only what is past the committed offset would run again.
      // 8 × 150 ms of handled messages came before it; commits are at most 500 ms apart.
      await Bun.sleep(500);
      const [offsets] = await admin.fetchOffsets({ groupId: `g.${event}`, topics: [`rohas.${event}`] });
      const committed = Number(offsets!.partitions[0]!.offset);
      expect(committed).toBeGreaterThanOrEqual(3);
      expect(committed).toBeLessThanOrEqual(8);
    } finally {
      release();
      await admin.disconnect();
      await adapter.close();
    }
  }, 60_000);
  test("once close() returned nothing of the adapter keeps the process alive", async () => {
    // In a child process: a 6 s session timeout (18 s join bound) and a 10 s drain bound, neither needed.
    const script = join(tmpdir(), `${unique("kafka-exit")}.ts`);
    await Bun.write(
      script,
      `import { KafkaAdapter } from ${JSON.stringify(join(import.meta.dir, "adapter.ts"))};
const adapter = new KafkaAdapter({ ...${JSON.stringify(kafkaTestOptions)}, partitions: 1, drainTimeoutMs: 10_000 });
await adapter.connect();
const event = ${JSON.stringify(unique("KExit"))};
let handled = false;
await adapter.subscribe(event, async () => void (handled = true), { group: "g" });
await adapter.publish(event, 1);
while (!handled) await Bun.sleep(20);
await adapter.close();
console.log("closed", Date.now());
`,
    );
    try {
      const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
      const code = await child.exited;
      const exitedAt = Date.now();
      const out = await new Response(child.stdout).text();
      expect(code).toBe(0);
      const closedAt = Number(/closed (\d+)/.exec(out)?.[1]);
      expect(exitedAt - closedAt).toBeLessThan(3_000);
    } finally {
      await unlink(script).catch(() => undefined);
    }
  }, 60_000);
});
