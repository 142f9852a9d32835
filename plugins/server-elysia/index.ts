/**
 * server-elysia: the HTTP and WebSocket server. Taps `serve` to register the
 * built-in `cors` and `rate_limit` middlewares, build one Elysia app for the
 * schema and listen on `[server] host`/`port`; stops gracefully at shutdown.
 *
 * When port 0 was asked for, `config.server.port` is set to the bound port so
 * whoever prints the address (the CLI) prints the real one.
 *
 * HTTP behaviour, per API route:
 * - body (non-GET/HEAD): over `max_body_size` → 413; an API with `body:` takes
 *   JSON only (other media types → 415); malformed JSON → 400; a body not
 *   matching the shape → 400 `{ error: "invalid request body", fields: [{ path, message }] }`.
 * - `query:` shapes coerce `?limit=5` to numbers/booleans before checking (400
 *   `invalid query parameters` on failure); other APIs get the raw strings.
 * - the handler's value is the JSON response (strings too); `undefined` → 204.
 *   A HandlerError → its `status` if it has one (middleware rejections), else
 *   500 `{ error: message }`, never a stack. 429s carry Retry-After.
 * - every response carries `traceparent` of its `http` span, which continues an
 *   incoming `traceparent`.
 * - `GET /health` → `{ status: "ok" }` unless the project defines it; unknown
 *   routes → 404 `{ error: "not found", path }`; `enable_cors` adds preflights
 *   and Access-Control headers for `cors_origins`.
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
        // debug: the CLI prints the listening line itself; this is for the telemetry store.
        log: { time: Date.now(), level: "debug", message: `listening on ${address.url}`, source: "server-elysia" },
      });
      rohas.onShutdown("server-elysia", ({ restarting }) => server.stop(config.shutdown_timeout_ms, restarting));
      rohas.hooks.reload.tap("server-elysia", () => server.swapSchema());
    });
  },
};

export default serverElysia;
