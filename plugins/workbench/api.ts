/**
 * The Workbench's JSON API under /_rohas/api/. Reads come from the telemetry
 * store's query object (core/telemetry-query.ts); actions go through the engine.
 * "invoke" sends a real HTTP request to the application's own route, so body
 * validation, middlewares and the http span apply exactly as for any client.
 */
import type { RohasConfig } from "../../core/config.ts";
import type { Schema } from "../../core/schema.ts";
import type { LogRecord, TelemetryRecord } from "../../core/telemetry.ts";
import type { TelemetryQuery } from "../../core/telemetry-query.ts";
import { ActiveSpan, formatTraceparent, newSpanId, newTraceId, parseTraceparent, type TraceContext } from "../../core/tracing.ts";
import { schemaGraph } from "./graph.ts";
import { DiagnosticsBoard } from "./diagnostics.ts";
import { LiveStreams } from "./live.ts";
import { schemaJson, type SchemaJson } from "./schema-json.ts";

/** What the Workbench needs from the engine (core/engine.ts's Engine satisfies it). */
export interface WorkbenchEngine {
  readonly schema: Schema;
  readonly config: RohasConfig;
  publish(event: string, payload: unknown, parent?: TraceContext): Promise<void>;
  record(record: TelemetryRecord): void;
  /** Records the trace `traceId` whatever the sampling budget says, when a request carries it. */
  keepTrace(traceId: string): void;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LEVELS = new Set(["debug", "info", "warn", "error"]);
/** Largest JSON body the Workbench accepts for invoke/publish. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** Request headers never forwarded by invoke. */
const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "cookie"]);

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

export class WorkbenchApi {
  readonly live = new LiveStreams();
  private schemaCache?: { schema: Schema; json: SchemaJson };

  constructor(
    private readonly engine: WorkbenchEngine,
    private readonly query: () => TelemetryQuery | undefined,
    private readonly project: { name: string; version: string },
    /** The schema problems `rohas dev` reports; empty under `rohas start`. */
    readonly diagnostics: DiagnosticsBoard = new DiagnosticsBoard(),
  ) {}

  /** `parts`: the decoded path segments after /_rohas/api/. */
  async handle(request: Request, url: URL, parts: string[], headers: Record<string, string>): Promise<Response> {
    try {
      return await this.route(request, url, parts, headers);
    } catch (error) {
      if (error instanceof ApiError) return jsonResponse({ error: error.message, code: error.code }, error.status, headers);
      const message = error instanceof Error ? error.message : String(error);
      return jsonResponse({ error: message, code: "workbench/internal" }, 500, headers);
    }
  }

  private async route(request: Request, url: URL, parts: string[], headers: Record<string, string>): Promise<Response> {
    const [resource = "", id, action, ...rest] = parts;
    const method = request.method;
    const ok = (body: unknown, status = 200) => jsonResponse(body, status, headers);
    const get = () => {
      if (method !== "GET" && method !== "HEAD") throw new ApiError(405, "workbench/method", `use GET for /_rohas/api/${parts.join("/")}`);
    };
    const post = () => {
      if (method !== "POST") throw new ApiError(405, "workbench/method", `use POST for /_rohas/api/${parts.join("/")}`);
    };
    const noMore = (n: number) => {
      if (parts.length > n || rest.length > 0) throw new ApiError(404, "workbench/not-found", `no such endpoint: /_rohas/api/${parts.join("/")}`);
    };
    const p = new Params(url.searchParams);

    switch (resource) {
      case "info":
        get();
        noMore(1);
        return ok({ project: this.project, telemetry: this.query()?.stats() ?? null, liveClients: this.live.size });
      case "schema":
        get();
        noMore(1);
        return ok(this.schemaView());
      case "diagnostics":
        get();
        noMore(1);
        return ok(this.diagnostics.current);
      case "graph":
        get();
        noMore(1);
        return ok(schemaGraph(this.engine.schema));
      case "traces": {
        get();
        const q = this.telemetry();
        if (id !== undefined) {
          noMore(2);
          const trace = q.getTrace(id);
          if (!trace) throw new ApiError(404, "workbench/no-trace", `no trace ${id} (not written yet, sampled out under heavy load, or removed by retention)`);
          return ok(trace);
        }
        const status = p.oneOf("status", ["ok", "error"]);
        return ok(q.listTraces({ limit: p.number("limit"), status, name: p.text("name"), since: p.number("since"), until: p.number("until") }));
      }
      case "logs": {
        get();
        noMore(1);
        const level = p.oneOf("level", [...LEVELS]) as LogRecord["level"] | undefined;
        return ok(
          this.telemetry().listLogs({
            limit: p.number("limit"),
            level,
            traceId: p.text("trace"),
            text: p.text("text"),
            since: p.number("since"),
            until: p.number("until"),
          }),
        );
      }
      case "metrics": {
        get();
        noMore(1);
        const q = this.telemetry();
        const series = q.metricSeries({ name: p.text("name"), since: p.number("since"), until: p.number("until"), stepMs: p.number("step") });
        return ok({ names: q.metricNames(), series });
      }
      case "dead-letters": {
        const q = this.telemetry();
        if (id === undefined) {
          get();
          return ok(q.listDeadLetters(p.number("limit")));
        }
        const letter = q.getDeadLetter(id);
        if (!letter) throw new ApiError(404, "workbench/no-dead-letter", `no dead letter ${id}`);
        if (action === undefined) {
          get();
          return ok(letter);
        }
        noMore(3);
        if (action !== "replay") throw new ApiError(404, "workbench/not-found", `no such action: ${action}`);
        post();
        if (!this.engine.schema.eventByName.has(letter.event)) {
          throw new ApiError(409, "workbench/unknown-event", `event ${letter.event} is no longer in the schema`);
        }
        const traceId = await this.publishTraced(`workbench replay ${letter.event}`, letter.event, letter.payload, { "dead_letter.id": id });
        await q.markReplayed(id);
        return ok({ replayed: id, event: letter.event, traceId });
      }
      case "invoke":
        post();
        noMore(2);
        if (!id) throw new ApiError(404, "workbench/not-found", "POST /_rohas/api/invoke/<ApiName>");
        return ok(await this.invoke(id, await readInput(request)));
      case "publish": {
        post();
        noMore(2);
        if (!id || !this.engine.schema.eventByName.has(id)) throw new ApiError(404, "workbench/unknown-event", `no event ${id ?? ""} in the schema`);
        const input = await readInput(request);
        const payload = input && typeof input === "object" && "payload" in input ? (input as { payload: unknown }).payload : input;
        const traceId = await this.publishTraced(`workbench publish ${id}`, id, payload, {});
        return ok({ published: id, traceId });
      }
      case "live":
        get();
        noMore(1);
        return this.live.stream({ telemetry: this.query(), diagnostics: this.diagnostics }, request, headers);
      default:
        throw new ApiError(404, "workbench/not-found", `no such endpoint: /_rohas/api/${parts.join("/")}`);
    }
  }

  private telemetry(): TelemetryQuery {
    const q = this.query();
    if (!q) throw new ApiError(503, "workbench/telemetry-off", 'telemetry is off ([telemetry] type = "none" or the store could not open)');
    return q;
  }

  private schemaView(): SchemaJson {
    const schema = this.engine.schema;
    if (this.schemaCache?.schema !== schema) this.schemaCache = { schema, json: schemaJson(schema) };
    return this.schemaCache.json;
  }

  /** Publishes under a root span of its own, so the hand-made event gets a trace to look at. */
  private async publishTraced(name: string, event: string, payload: unknown, attributes: Record<string, string>): Promise<string> {
    const span = new ActiveSpan(name, "internal");
    span.set("event.name", event).set("workbench", true);
    for (const [k, v] of Object.entries(attributes)) span.set(k, v);
    try {
      await this.engine.publish(event, payload, span.context);
      this.engine.record({ type: "span", span: span.end() });
      return span.traceId;
    } catch (error) {
      this.engine.record({ type: "span", span: span.end(error) });
      throw new ApiError(502, "workbench/publish-failed", `publishing ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Sends the request to the application's own route over loopback. */
  private async invoke(apiName: string, input: unknown) {
    const api = this.engine.schema.apis.find((a) => a.name === apiName);
    if (!api) throw new ApiError(404, "workbench/unknown-api", `no api ${apiName} in the schema`);
    const given = (input && typeof input === "object" ? input : {}) as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      headers?: Record<string, unknown>;
    };
    let path = api.path;
    for (const name of api.pathParams) {
      const value = given.params?.[name];
      if (value === undefined || value === null || value === "") {
        throw new ApiError(400, "workbench/missing-param", `path parameter '${name}' is required for ${api.method} ${api.path}`);
      }
      path = path.replace(`:${name}`, encodeURIComponent(String(value)));
    }
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(given.query ?? {})) {
      if (v === undefined || v === null || v === "") continue;
      for (const item of Array.isArray(v) ? v : [v]) search.append(k, typeof item === "object" ? JSON.stringify(item) : String(item));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(given.headers ?? {})) {
      if (typeof v === "string" && k && !HOP_HEADERS.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
    }
    const hasBody = api.method !== "GET" && api.method !== "HEAD" && given.body !== undefined;
    if (hasBody) headers["content-type"] ??= "application/json";
    // The tester shows the call's trace: it goes under a trace id made here, recorded even over the sampling budget.
    // A traceparent given in the tester is sent as written (its trace is recorded all the same).
    const callerContext = parseTraceparent(headers.traceparent);
    const traceId = callerContext?.traceId ?? newTraceId();
    if (!callerContext) headers.traceparent = formatTraceparent({ traceId, spanId: newSpanId(), sampled: true });
    this.engine.keepTrace(traceId);
    const url = `${this.selfBase()}${path}${search.size > 0 ? `?${search}` : ""}`;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(url, {
        method: api.method,
        headers,
        body: hasBody ? JSON.stringify(given.body) : undefined,
        redirect: "manual",
        signal: AbortSignal.timeout(this.engine.config.events.handler_timeout_ms + 10_000),
      });
    } catch (error) {
      throw new ApiError(502, "workbench/invoke-failed", `could not reach ${api.method} ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await res.text();
    const durationMs = performance.now() - started;
    let body: unknown = text;
    if (text && (res.headers.get("content-type") ?? "").includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
    }
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    return {
      request: { method: api.method, url: `${path}${search.size > 0 ? `?${search}` : ""}`, headers, body: hasBody ? given.body : undefined },
      status: res.status,
      headers: responseHeaders,
      body,
      traceId: parseTraceparent(res.headers.get("traceparent"))?.traceId,
      durationMs,
    };
  }

  /** The application's own server as reachable from this process. */
  private selfBase(): string {
    const { host, port } = this.engine.config.server;
    const h = host === "" || host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
    return `http://${h}:${port}`;
  }
}

/** Query parameters with their errors as 400s. */
class Params {
  constructor(private readonly search: URLSearchParams) {}

  text(name: string): string | undefined {
    const v = this.search.get(name);
    return v === null || v === "" ? undefined : v;
  }

  number(name: string): number | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ApiError(400, "workbench/bad-param", `query parameter '${name}' must be a number (got '${v}')`);
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.text(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw new ApiError(400, "workbench/bad-param", `query parameter '${name}' must be one of ${allowed.join(", ")} (got '${v}')`);
    }
    return v as T;
  }
}

async function readInput(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.length > MAX_INPUT_BYTES) throw new ApiError(413, "workbench/too-large", `request body is over ${MAX_INPUT_BYTES} bytes`);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "workbench/bad-json", `request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
