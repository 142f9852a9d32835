/** The plugin wiring: serve registers the built-in middlewares, listens, reports the port; shutdown stops it. */
import { expect, test } from "bun:test";
import { defaultConfig } from "../../core/config.ts";
import type { Engine } from "../../core/engine.ts";
import { Rohas } from "../../core/rohas.ts";
import serverElysia, { servers } from "./index.ts";
import { api, FakeEngine, schemaOf } from "./test-helpers.ts";

test("serve listens on the configured host, records the bound port, and shutdown stops the server", async () => {
  const config = defaultConfig();
  config.server.port = 0;
  const rohas = await Rohas.create({ projectDir: "/tmp", config: { config, projectDir: "/tmp", diagnostics: [] } });
  await rohas.use(serverElysia);

  const engine = new FakeEngine(schemaOf({ apis: [api("Ping", "GET", "/ping", { middlewares: ["rate_limit"] })] }));
  engine.config = rohas.config;
  engine.apiHandlers.set("Ping", () => ({ pong: true }));
  await rohas.hooks.serve.promise(engine as unknown as Engine);

  expect([...engine.middlewares.keys()].sort()).toEqual(["cors", "rate_limit"]);
  const port = rohas.config.server.port;
  expect(port).toBeGreaterThan(0);
  expect(servers.get(rohas)?.url).toBe(`http://127.0.0.1:${port}`);
  expect(engine.records.some((r) => r.type === "log" && r.log.message === `listening on http://127.0.0.1:${port}`)).toBe(true);

  const res = await fetch(`http://127.0.0.1:${port}/ping`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ pong: true });

  await rohas.shutdown();
  await expect(fetch(`http://127.0.0.1:${port}/ping`)).rejects.toThrow();
});
