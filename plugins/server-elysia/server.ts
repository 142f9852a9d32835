/**
 * Builds the one Elysia app serving a schema: a route per API, a WebSocket
 * route per `ws` block, `GET /health`, CORS preflights and a JSON 404; then
 * listens and, at shutdown, drains in-flight requests within a bound. API
 * routes are also handed to Bun's router as native routes (decision 014).
 */
import { Elysia } from "elysia";
import type { Server } from "bun";
import { routesFor } from "../../core/http-routes.ts";
import { CorsPolicy } from "./cors.ts";
import { adopt, park } from "./handover.ts";
import type { ServerEngine } from "./engine-port.ts";
import { ApiRoute, jsonResponse, type RouteContext, type SocketInfo } from "./http.ts";
import { ValidatorCache } from "./validation.ts";
import { WsRoute, type SocketLike } from "./websocket.ts";

export interface ListenAddress {
  hostname: string;
  port: number;
  url: string;
}

/** The Elysia context fields the routes read (Elysia infers what to build from these accesses). */
interface RouteCall {
  request: Request;
  url: string;
  params: Record<string, string>;
  server: SocketInfo | null;
}

/** Elysia's fully inferred route types are not needed here and cost the type checker dearly. */
type LooseApp = {
  route(method: string, path: string, handler: (c: RouteCall) => unknown, hook?: Record<string, unknown>): LooseApp;
  get(path: string, handler: unknown): LooseApp;
  all(path: string, handler: (c: RouteCall) => unknown): LooseApp;
  options(path: string, handler: (c: RouteCall) => unknown): LooseApp;
  ws(path: string, options: Record<string, unknown>): LooseApp;
  listen(options: Record<string, unknown>): LooseApp;
  stop(closeActiveConnections?: boolean): Promise<void>;
  server: Server<unknown> | null;
};

export class RohasServer {
  readonly app: LooseApp;
  /** The Bun native route table (API routes, /health, ws paths): what listen, a reload and a hand-over install. */
  private routes: NativeRoutes;
  private readonly ctx: RouteContext;
  private readonly wsRoutes: WsRoute[] = [];
  private address?: ListenAddress;
  private stopped?: Promise<void>;

  constructor(private readonly engine: ServerEngine) {
    const config = engine.config.server;
    const cors = config.enable_cors ? new CorsPolicy(config.cors_origins) : undefined;
    this.ctx = {
      engine,
      validators: new ValidatorCache(engine.schema.shapeByName),
      maxBodySize: config.max_body_size,
      cors,
      inFlight: { count: 0, stopping: false },
    };
    ({ app: this.app, routes: this.routes } = this.build(cors));
  }

  private build(cors: CorsPolicy | undefined): { app: LooseApp; routes: NativeRoutes } {
    const { schema } = this.engine;
    const apiRoutes = schema.apis.map((api) => new ApiRoute(api, this.ctx));
    const userHealth = schema.apis.some((api) => api.path === "/health" && api.method === "GET");
    const health = () => jsonResponse(200, { status: "ok" }, cors ? { "access-control-allow-origin": "*" } : {});
    // `app` is assigned below; WebSocket paths reach it at request time.
    let app: LooseApp;
    const routes = nativeRoutes(apiRoutes, userHealth ? undefined : health, schema.websockets.map((ws) => ws.path), (request) => (app as unknown as ElysiaFetch).fetch(request));
    // Elysia hands `serve.routes` to Bun's router with its own: an API request goes from Bun straight to its route (decision 014).
    app = new Elysia({ serve: { routes } }) as unknown as LooseApp;
    const methodsByPath = new Map<string, Set<string>>();

    for (const route of apiRoutes) {
      const { api } = route;
      // The same routes through Elysia's router: `app.handle`/`fetch` (tests, a listener handed over) and Bun's fallback.
      // `parse: "none"`: the route reads the body itself to apply the size limit, media type and shape.
      app.route(api.method, api.path, (c) => route.handle(c.request, c.params, c.server ?? undefined, c.url), { parse: "none" });
      const methods = methodsByPath.get(api.path) ?? new Set<string>();
      methods.add(api.method);
      methodsByPath.set(api.path, methods);
    }

    if (!userHealth) app.get("/health", health);

    for (const ws of schema.websockets) this.addWebSocket(app, ws);

    if (cors) {
      const allMethods = [...new Set([...methodsByPath.values()].flatMap((s) => [...s])), "OPTIONS"].join(", ");
      app.options("*", (c) => {
        const path = new URL(c.request.url).pathname;
        const methods = methodsByPath.get(path);
        return cors.preflight(c.request, methods ? [...methods, "OPTIONS"].join(", ") : allMethods);
      });
    }

    app.all("*", (c) => {
      const path = new URL(c.request.url).pathname;
      // Routes other plugins registered for this engine (the Workbench under /_rohas), looked up per request
      // so plugins that tap `serve` after this one are served too.
      for (const extra of routesFor(this.engine)) {
        if (path === extra.prefix || path.startsWith(extra.prefix + "/")) {
          return extra.fetch(c.request, { remoteAddress: this.app.server?.requestIP(c.request)?.address });
        }
      }
      const headers: Record<string, string> = {};
      cors?.decorate(headers, c.request.headers.get("origin"));
      return jsonResponse(404, { error: "not found", path }, headers);
    });
    return { app, routes };
  }

  private addWebSocket(app: LooseApp, def: (typeof this.engine.schema.websockets)[number]): void {
    const validator = def.message ? this.ctx.validators.for(def.message) : undefined;
    const route = new WsRoute(def, this.engine, validator, () => this.app.server ?? undefined);
    this.wsRoutes.push(route);
    app.ws(def.path, {
      open: (ws: SocketLike) => route.open(ws),
      message: (ws: SocketLike, message: unknown) => route.message(ws, message),
      close: (ws: SocketLike) => route.close(ws),
    });
  }

  /**
   * `rohas dev` changed the schema: build a new app for it and hand its fetch to
   * the running Bun server, so the socket never closes and requests in flight
   * finish on the old routes. Elysia upgrades WebSockets through `app.server`,
   * so the new app borrows the running one.
   */
  swapSchema(): void {
    const server = this.app.server;
    if (!server) return;
    const cors = this.ctx.cors;
    this.ctx.validators = new ValidatorCache(this.engine.schema.shapeByName);
    const { app: next, routes } = this.build(cors);
    (next as { server: Server<unknown> | null }).server = server;
    // The new native routes replace every old one: Bun keeps those not named, still calling the old routes.
    server.reload({ routes, fetch: (next as unknown as ElysiaFetch).fetch } as never);
    this.routes = routes;
  }

  /** Binds `[server] host`/`port` (port 0 picks a free one); resolves with the bound address. */
  listen(): ListenAddress {
    const { host, port, max_body_size } = this.engine.config.server;
    // A `rohas dev` restart: this app takes over the previous engine's listener (its WebSockets upgrade through it too).
    const handedOver = adopt(host, port, this.fetch, this.routes, (server) => {
      (this.app as { server: Server<unknown> | null }).server = server;
    });
    if (handedOver) return this.addressOf(handedOver, host, port);
    this.app.listen({
      hostname: host,
      port,
      // Routes answer 413 with a JSON body themselves; Bun's own (bare) limit is only the backstop above it.
      maxRequestBodySize: Math.max(2 * max_body_size, max_body_size + 1_048_576),
      // Fail on a port already in use instead of sharing it.
      reusePort: false,
      development: false,
    });
    const server = this.app.server;
    if (!server) throw new Error(`could not listen on ${host}:${port}`);
    return this.addressOf(server, host, port);
  }

  private addressOf(server: Server<unknown>, host: string, port: number): ListenAddress {
    const bound = server.port ?? port;
    const hostname = server.hostname ?? host;
    this.address = { hostname, port: bound, url: `http://${hostname}:${bound}` };
    return this.address;
  }

  private get fetch(): (request: Request) => Response | Promise<Response> {
    return (this.app as unknown as ElysiaFetch).fetch;
  }

  get url(): string | undefined {
    return this.address?.url;
  }

  get inFlight(): number {
    return this.ctx.inFlight.count;
  }

  /**
   * Graceful stop: no new connections, WebSockets closed with 1001, in-flight
   * requests answered; after `timeoutMs` whatever is left is cut off.
   */
  stop(timeoutMs: number, handOver = false): Promise<void> {
    this.stopped ??= this.drain(timeoutMs, handOver);
    return this.stopped;
  }

  /** `handOver`: park the listener for the next server in this process (a `rohas dev` restart) instead of closing it. */
  private async drain(timeoutMs: number, handOver: boolean): Promise<void> {
    const server = this.app.server;
    if (!server) return;
    const inFlight = this.ctx.inFlight;
    inFlight.stopping = true;
    const drained = new Promise<void>((resolve) => {
      if (inFlight.count === 0) resolve();
      else inFlight.drained = resolve;
    });
    let closed: Promise<void>;
    if (handOver) {
      // New requests wait for the next server; in-flight ones finish here.
      park(server);
      closed = Promise.resolve();
    } else {
      // Stop listening now; idle keep-alive connections close, busy ones close after their response.
      closed = server.stop(false);
    }
    for (const route of this.wsRoutes) route.closeAll(handOver ? "server restarting" : "server shutting down");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([Promise.all([drained, closed]).then(() => "done" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout" && !handOver) {
      this.engine.record({
        type: "log",
        log: {
          time: Date.now(),
          level: "warn",
          message: `shutdown timeout (${timeoutMs} ms): closing ${inFlight.count} unfinished request(s)`,
          source: "server-elysia",
        },
      });
      await server.stop(true);
    }
  }
}

/** Bun's native route table: path → method → handler (Bun passes the matched `params` on the request). */
export type NativeRoutes = Record<string, Record<string, (request: Request & { params: Record<string, string> }, server: SocketInfo) => Response | Promise<Response>>>;

type ElysiaFetch = { fetch: (request: Request) => Response | Promise<Response> };

/**
 * The table installed on the listener at listen, reload and hand-over: the API
 * routes; `GET /health` (unless an API defines it); and each WebSocket path
 * handed to Elysia, so that a parameter route such as `GET /ws/:room` never
 * answers an upgrade to `/ws/chat` (Bun prefers the static path). Keys are
 * encoded as Bun requires (it refuses non-ASCII paths); wildcard paths stay
 * with Elysia, which names the matched rest `*`.
 */
function nativeRoutes(apiRoutes: ApiRoute[], health: (() => Response) | undefined, wsPaths: string[], toElysia: (request: Request) => Response | Promise<Response>): NativeRoutes {
  const routes: NativeRoutes = {};
  for (const route of apiRoutes) {
    if (route.api.path.includes("*")) continue;
    const byMethod = (routes[encodeURI(route.api.path)] ??= {});
    // A path without parameters skips Bun's `params` getter (it builds an object natively on every read).
    byMethod[route.api.method] =
      route.api.pathParams.length === 0 ? (request, server) => route.handle(request, {}, server) : (request, server) => route.handle(request, request.params, server);
  }
  if (health) (routes["/health"] ??= {}).GET = health;
  for (const path of wsPaths) if (!path.includes("*")) (routes[encodeURI(path)] ??= {}).GET = toElysia;
  return routes;
}
