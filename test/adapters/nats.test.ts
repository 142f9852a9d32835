import { describe, expect, test } from "bun:test";
import { NatsAdapter } from "../../plugins/adapter-nats/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { conformance } from "./conformance.ts";

const available = await brokerAvailable("nats", 4222);

if (available) {
  conformance("nats", {
    durable: true,
    async create() {
      // A short ack wait so a consumer that died is redelivered within the test's patience.
      const adapter = new NatsAdapter({ url: "nats://127.0.0.1:4222", ackWaitMs: 1_500, connectTimeoutMs: 3_000 });
      await adapter.connect();
      return adapter;
    },
  });

  describe("nats adapter specifics", () => {
    test("a broker restart is survived: the client reconnects and consuming resumes", async () => {
      const adapter = new NatsAdapter({ url: "nats://127.0.0.1:4222", ackWaitMs: 1_500, connectTimeoutMs: 3_000 });
      await adapter.connect();
      const event = `Restart_${Date.now()}`;
      const got: unknown[] = [];
      await adapter.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      await adapter.publish(event, 1);
      const restart = Bun.spawnSync(["scripts/brokers", "restart", "nats"], { cwd: `${import.meta.dir}/../..` });
      expect(restart.exitCode).toBe(0);
      // Publishing right after the restart may race the reconnect: retry until JetStream takes it.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await adapter.publish(event, 2);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await Bun.sleep(200);
        }
      }
      const end = Date.now() + 20_000;
      while (!got.includes(2) && Date.now() < end) await Bun.sleep(50);
      expect(got).toContain(1);
      expect(got).toContain(2);
      await adapter.close();
    }, 60_000);

    test("a payload over the server's max_payload is a clear error, not a hang", async () => {
      const adapter = new NatsAdapter({ url: "nats://127.0.0.1:4222", ackWaitMs: 1_500, connectTimeoutMs: 3_000 });
      await adapter.connect();
      const big = "x".repeat(2 * 1024 * 1024);
      await expect(adapter.publish(`Big_${Date.now()}`, big)).rejects.toThrow(/max_payload/);
      await adapter.publish(`Small_${Date.now()}`, "x".repeat(500 * 1024));
      await adapter.close();
    });
  });
}

describe("nats adapter without a server", () => {
  test("connect to an unreachable address fails fast naming the address", async () => {
    const adapter = new NatsAdapter({ url: "nats://127.0.0.1:1", ackWaitMs: 1_000, connectTimeoutMs: 2_000 });
    const started = Date.now();
    await expect(adapter.connect()).rejects.toThrow("cannot connect to NATS at nats://127.0.0.1:1");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
