import { describe, expect, test } from "bun:test";
import { RabbitAdapter } from "../../plugins/adapter-rabbitmq/adapter.ts";
import { brokerAvailable } from "./broker.ts";
import { conformance } from "./conformance.ts";

const URL = "amqp://guest:guest@127.0.0.1:5672";
const available = await brokerAvailable("rabbitmq", 5672);

if (available) {
  conformance("rabbitmq", {
    durable: true,
    async create() {
      // A short drain so an "abandoned" consumer's connection closes and the broker redelivers.
      const adapter = new RabbitAdapter({ url: URL, connectTimeoutMs: 3_000, drainTimeoutMs: 300, publishWaitMs: 10_000 });
      await adapter.connect();
      return adapter;
    },
  });
}

if (available) {
  describe("rabbitmq adapter specifics", () => {
    test("a broker restart is survived: the adapter reconnects, consuming resumes, nothing confirmed is lost", async () => {
      const adapter = new RabbitAdapter({ url: URL, connectTimeoutMs: 3_000, drainTimeoutMs: 300, publishWaitMs: 30_000 });
      await adapter.connect();
      const event = `Restart_${Date.now()}`;
      const got: unknown[] = [];
      await adapter.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      await adapter.publish(event, 1);
      const brokers = (cmd: string) => Bun.spawnSync(["scripts/brokers", cmd, "rabbitmq"], { cwd: `${import.meta.dir}/../..` });
      expect(brokers("down").exitCode).toBe(0);
      // Published while the broker is down: waits for the reconnect (publishWaitMs), then is confirmed.
      const pending = adapter.publish(event, 2);
      expect(brokers("up").exitCode).toBe(0);
      await pending;
      const end = Date.now() + 30_000;
      while (!got.includes(2) && Date.now() < end) await Bun.sleep(50);
      expect(got).toContain(1);
      expect(got).toContain(2);
      await adapter.close();
    }, 90_000);
  });
}

describe("rabbitmq adapter without a server", () => {
  test("connect to an unreachable address fails fast naming the address", async () => {
    const adapter = new RabbitAdapter({ url: "amqp://guest:guest@127.0.0.1:1", connectTimeoutMs: 2_000, drainTimeoutMs: 100, publishWaitMs: 100 });
    const started = Date.now();
    await expect(adapter.connect()).rejects.toThrow("cannot connect to RabbitMQ at amqp://127.0.0.1:1");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
