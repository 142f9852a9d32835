/**
 * server-elysia: the HTTP and WebSocket server. Taps `serve` to register the
 * built-in `cors` and `rate_limit` middlewares, build one Elysia app for the
 * schema and listen on `[server] host`/`port`; stops gracefully at shutdown.
 *
 * When port 0 was asked for, `config.server.port` is set to the bound port so
 * whoever prints the address (the CLI) prints the real one.
 */
import type { RohasPlugin } from "../../core/plugin.ts";
import type { Rohas } from "../../core/rohas.ts";
import { corsMiddleware, CorsPolicy } from "./cors.ts";
import type { ServerEngine } from "./engine-port.ts";
import { rateLimitMiddleware, TokenBucketLimiter } from "./rate-limit.ts";
import { RohasServer } from "./server.ts";

export { RohasServer } from "./server.ts";

/** The server of the last `serve` per Rohas instance (tests and tools ask it for the URL). */
export const servers = new WeakMap<Rohas, RohasServer>();

const serverElysia: RohasPlugin = {
  name: "server-elysia",
  apply(rohas) {
    rohas.hooks.serve.tapPromise("server-elysia", async (engine) => {
      const port: ServerEngine = engine;
      const config = rohas.config.server;
      port.registerMiddleware("cors", corsMiddleware(new CorsPolicy(config.cors_origins)));
      port.registerMiddleware("rate_limit", rateLimitMiddleware(new TokenBucketLimiter(config.rate_limit_per_minute)));

      const server = new RohasServer(port);
      const address = server.listen();
      servers.set(rohas, server);
      config.port = address.port;
      port.record({
        type: "log",
        log: { time: Date.now(), level: "info", message: `listening on ${address.url}`, source: "server-elysia" },
      });
      rohas.onShutdown("server-elysia", () => server.stop(config.shutdown_timeout_ms));
    });
  },
};

export default serverElysia;
