/**
 * The engine on every adapter, with the compiled binary: a config that only
 * says `[adapter] type = "<x>"` runs the fixture app against the broker that
 * scripts/brokers started, and an API call's three-hop event chain completes.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brokerAvailable } from "../adapters/broker.ts";
import { copyFixture, eventually, startRohas } from "../support.ts";

const ADAPTERS: { type: string; broker?: { name: string; port: number } }[] = [
  { type: "lmdb" },
  { type: "nats", broker: { name: "nats", port: 4222 } },
  { type: "rabbitmq", broker: { name: "rabbitmq", port: 5672 } },
  { type: "sqs", broker: { name: "elasticmq", port: 9324 } },
  { type: "kafka", broker: { name: "kafka", port: 9092 } },
];

for (const { type, broker } of ADAPTERS) {
  const available = broker ? await brokerAvailable(broker.name, broker.port) : true;
  describe.if(available)(`rohas start with [adapter] type = "${type}"`, () => {
    test("an API's event chain runs through the broker", async () => {
      const dir = copyFixture("app");
      const config = join(dir, "config/rohas.toml");
      // A project name of its own per run keeps queues, streams and consumer groups apart.
      const name = `e2e-${type}-${Date.now().toString(36)}`;
      writeFileSync(config, readFileSync(config, "utf8").replace('name = "e2e-app"', `name = "${name}"`).replace('type = "memory"', `type = "${type}"`));
      const server = await startRohas(dir, { timeoutMs: 90_000 });
      try {
        const res = await fetch(`${server.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"item":"lamp","quantity":1}' });
        expect(res.status).toBe(200);
        const { id } = (await res.json()) as { id: string };
        await eventually(() => {
          const log = readFileSync(join(dir, "events.log"), "utf8");
          return log.includes(`send_receipt ${id}`);
        }, 30_000);
        const log = readFileSync(join(dir, "events.log"), "utf8");
        expect(log.indexOf(`reserve_stock ${id}`)).toBeLessThan(log.indexOf(`charge_payment ${id}`));
      } catch (error) {
        // What the server said is what explains a failure against a broker (CI prints only this).
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- rohas output ---\n${server.output()}`);
      } finally {
        const code = await server.stop();
        if (code !== 0) throw new Error(`rohas exited ${code} on SIGTERM:\n${server.output()}`);
      }
    }, 120_000);
  });
}
