/**
 * One API route: read and check the request (size, media type, JSON, body
 * and query shapes), call the engine under an `http` span, and turn the
 * outcome into a JSON response (carrying `traceparent` when its trace is recorded).
 *
 * This is the hot path: everything that can be decided per API is decided
 * once in the constructor, and a request that passes allocates little beyond
 * its own data.
 */
import type { ApiDef } from "../../core/schema.ts";
import type { AttributeValue } from "../../core/telemetry.ts";
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, spanOf, type SpanStart, type TraceContext } from "../../core/tracing.ts";
import type { CorsPolicy } from "./cors.ts";
import { fulfilledValue, NOT_YET } from "../../core/platform.ts";
import { errorStatus, type ApiRequest, type ApiResponse, type ServerEngine } from "./engine-port.ts";
import { parseQuery, queryCoercer, untypedQuery, type RawQuery } from "./query.ts";
import { lazyHeaders } from "./lazy-headers.ts";
import { clientAddresses, retryAfterOf } from "./rate-limit.ts";
import type { ValidatorCache, Validator, ValidationFailure } from "./validation.ts";

/** What every route shares: the engine, limits, CORS, and the drain counter. */
export interface RouteContext {
  engine: ServerEngine;
  validators: ValidatorCache;
  maxBodySize: number;
  cors?: CorsPolicy;
  /** Requests currently being answered; the server drains this on shutdown. */
  inFlight: { count: number; stopping: boolean; drained?: () => void };
}

/** The slice of Bun's server a route uses (Elysia passes it as `context.server`). */
export interface SocketInfo {
  requestIP(request: Request): { address: string } | null;
}

const JSON_TYPE = "application/json";
const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** `application/json`, `application/json; charset=utf-8`, `application/problem+json`… */
export function isJsonMediaType(contentType: string | null): boolean {
  if (!contentType) return false;
  if (contentType === JSON_TYPE) return true;
  const semi = contentType.indexOf(";");
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return media === JSON_TYPE || (media.startsWith("application/") && media.endsWith("+json"));
}

/** How a route got its body: none (GET), parsed by Bun (JSON of a known length), or as text (JSON or not). */
type BodyRead = "none" | "parsed" | "json text" | "text";

/** A response decided before the handler ran (validation, limits). */
class EarlyResponse {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}

/**
 * One request on its way through a route: what the steps after the body read
 * need, and its place in the trace (the `http` span is built only if recorded).
 */
class RouteCall implements SpanStart {
  private id?: string;

  constructor(
    readonly request: Request,
    readonly params: Record<string, string>,
    readonly server: SocketInfo | undefined,
    readonly url: string | undefined,
    readonly parent: TraceContext | undefined,
    readonly traceId: string,
    readonly sampled: boolean,
    /** performance.now() at the start; 0 when nothing is recorded. */
    readonly startMark: number,
  ) {}

  get spanId(): string {
    return (this.id ??= newSpanId());
  }
}

export class ApiRoute {
  readonly spanName: string;
  private readonly readsBody: boolean;
  private readonly bodyValidator?: Validator;
  private readonly bodyOptional: boolean;
  private readonly queryValidator?: Validator;
  private readonly coerceQuery?: (raw: RawQuery) => Record<string, unknown>;
  private readonly needsClientAddress: boolean;
  private readonly corsOnRoute: boolean;
  private readonly attributesByStatus = new Map<number, Readonly<Record<string, AttributeValue>>>();

  constructor(
    readonly api: ApiDef,
    private readonly ctx: RouteContext,
  ) {
    this.spanName = `${api.method} ${api.path}`;
    this.readsBody = api.method !== "GET" && api.method !== "HEAD";
    if (api.body) {
      this.bodyValidator = ctx.validators.for(api.body, { relaxGenerated: true });
      this.bodyOptional = api.body.optional;
    } else {
      this.bodyOptional = true;
    }
    if (api.query) {
      this.queryValidator = ctx.validators.for({ ...api.query, optional: false });
      this.coerceQuery = queryCoercer(api.query, ctx.engine.schema.shapeByName);
    }
    this.needsClientAddress = api.middlewares.some((m) => m.name === "rate_limit");
    this.corsOnRoute = ctx.cors !== undefined;
  }

  /**
   * Answers one request: the Response itself when everything completed in this
   * step (no body to read, a handler that did not wait), else a promise of it.
   * `url`: the request's URL when the caller already read it.
   */
  handle(request: Request, params: Record<string, string> | undefined, server: SocketInfo | undefined, url?: string): Response | Promise<Response> {
    const { engine, inFlight } = this.ctx;
    inFlight.count++;
    const native = request.headers;
    const recording = engine.recording;
    const parent = parseTraceparent(native.get("traceparent"));
    const traceId = parent?.traceId ?? newTraceId();
    // Sampled here (a caller's flag does not override our store's budget; without telemetry it travels on).
    const sampled = engine.sampleTrace(traceId, parent?.sampled);
    const call = new RouteCall(request, params ?? {}, server, url, parent, traceId, sampled, recording ? performance.now() : 0);
    if (!this.readsBody) return this.proceed(call, "none", undefined);
    let text: Promise<string | undefined>;
    let json: boolean;
    try {
      const contentType = native.get("content-type");
      json = isJsonMediaType(contentType);
      const length = this.checkedLength(native);
      if (json && length !== null && Number(length) > 0) {
        // JSON of a known length: Bun parses what it holds in one native step (~0.4 µs less than text() and JSON.parse).
        return request.json().then(
          (value: unknown) => this.proceed(call, "parsed", value),
          (error: unknown) => this.fail(call, error instanceof SyntaxError ? malformedJson(error) : error),
        );
      }
      text = this.readText(request, native, contentType, json, length);
    } catch (error) {
      return this.fail(call, error);
    }
    // One turn for the body (Bun's server hands it over asynchronously); parsing, the handler and the answer follow in that step.
    return text.then(
      (t) => this.proceed(call, json ? "json text" : "text", t),
      (error: unknown) => this.fail(call, error),
    );
  }

  /**
   * Checks the body as it was read, hands the request to the engine and answers: in this step
   * when the engine completed, else when its promise settles.
   */
  private proceed(call: RouteCall, read: BodyRead, body: unknown): Response | Promise<Response> {
    let outcome: ApiResponse | Promise<ApiResponse>;
    try {
      if (read === "none") outcome = this.callEngine(call, undefined, false);
      else if (read === "parsed") outcome = this.callEngine(call, this.checkBody(body), true);
      else {
        const text = body as string | undefined;
        // A request whose body had content keeps its URL after the response (Bun drops it for one answered without I/O).
        outcome = this.callEngine(call, this.parseBody(text, read === "json text"), text !== undefined && text.length > 0);
      }
    } catch (error) {
      return this.fail(call, error);
    }
    if (!(outcome instanceof Promise)) return this.answer(call, outcome);
    const ready = fulfilledValue(outcome);
    if (ready !== NOT_YET) return this.answer(call, ready as ApiResponse);
    return outcome.then(
      (response) => this.answer(call, response),
      (error: unknown) => this.fail(call, error),
    );
  }

  /** Hands the checked request to the engine (after the query is read: a bad body is reported before a bad query). */
  private callEngine(call: RouteCall, body: unknown, urlOutlivesAnswer: boolean): ApiResponse | Promise<ApiResponse> {
    const { engine } = this.ctx;
    // What handlers and middlewares see; built only if one of them reads it.
    const headers = lazyHeaders(call.request.headers);
    if (this.needsClientAddress && call.server) {
      const ip = call.server.requestIP(call.request);
      if (ip) clientAddresses.set(headers, ip.address);
    }
    // An API with a query shape checks it before the handler runs. Any other reads the URL only if the
    // handler asks, when that is safe: Bun empties `request.url` once a request answered without reading
    // any body content has been answered, and a handler may read `queryParams` later (a timer, a promise).
    const request: ApiRequest =
      this.queryValidator || (!urlOutlivesAnswer && call.url === undefined)
        ? { params: call.params, queryParams: this.readQuery(call.url ?? call.request.url), body, headers }
        : withLazyQuery(call, body, headers);
    // Not `engine.track`ed: the server's own in-flight count (drained before the engine closes) covers it.
    // The call is the handler's parent: it makes its span id only when something needs it.
    return engine.callApi(this.api, request, call);
  }

  private answer(call: RouteCall, response: ApiResponse): Response {
    return this.finish(call, response.status, response.body, response.headers, undefined, undefined);
  }

  private fail(call: RouteCall, error: unknown): Response {
    if (error instanceof EarlyResponse) return this.finish(call, error.status, error.body, undefined, undefined, undefined);
    const status = errorStatus(error) ?? 500;
    const body = { error: error instanceof Error ? error.message : String(error) };
    return this.finish(call, status, body, undefined, status === 429 ? retryAfterOf(error) : undefined, error);
  }

  /** The response, and the request's `http` span when its trace is recorded. */
  private finish(call: RouteCall, status: number, body: unknown, extraHeaders: Record<string, string> | undefined, retryAfter: number | undefined, failure: unknown): Response {
    const { engine, inFlight } = this.ctx;
    if (--inFlight.count === 0 && inFlight.stopping) inFlight.drained?.();
    const recording = engine.recording;
    // A trace is named in the response only when it is recorded: sampled, or failed (then it is kept).
    const recorded = recording && (call.sampled || status >= 500);
    const origin = this.corsOnRoute ? (call.request.headers.get("origin") ?? undefined) : undefined;
    const response = this.respond(origin, recording ? call : undefined, recorded, status, body, extraHeaders, retryAfter);
    if (!recording || (!recorded && response.status < 500)) return response;
    const span = spanOf(this.spanName, "http", call, this.spanAttributes(response.status));
    engine.record({ type: "span", span: span.end(response.status >= 500 ? (failure ?? new Error(`status ${response.status}`)) : undefined) });
    return response;
  }

  /** The span attributes of this route answering `status`: one frozen object per status, shared by its spans. */
  private spanAttributes(status: number): Readonly<Record<string, AttributeValue>> {
    let attributes = this.attributesByStatus.get(status);
    if (attributes === undefined) {
      attributes = Object.freeze({ "http.method": this.api.method, "http.route": this.api.path, "http.status_code": status, "rohas.api": this.api.name });
      this.attributesByStatus.set(status, attributes);
    }
    return attributes;
  }

  private respond(
    origin: string | undefined,
    trace: TraceContext | undefined,
    /** Name the trace (`traceparent`): it is recorded. A 500 made here (unserialisable body) is recorded too, so names it whatever this says. */
    named: boolean,
    status: number,
    body: unknown,
    extra: Record<string, string> | undefined,
    retryAfter: number | undefined,
  ): Response {
    if (!named && !extra && retryAfter === undefined && !this.corsOnRoute && body !== undefined && status !== 204 && status !== 304) {
      // The usual answer: JSON and nothing else to say (a shared init: no headers object to build).
      try {
        // No init for a 200: passing even a shared one costs Bun ~200 ns per response (measured).
        return status === 200 ? Response.json(body) : Response.json(body, { status });
      } catch {
        // not serialisable: answered below, with the reason
      }
    }
    const headers: Record<string, string> = extra ? { ...extra } : {};
    if (named && trace) headers.traceparent = formatTraceparent(trace);
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    if (this.corsOnRoute) this.ctx.cors!.decorate(headers, origin);
    // An API returning nothing answers 204 No Content; anything else (strings too) is JSON.
    if (body === undefined || status === 204 || status === 304) {
      return new Response(null, { status: body === undefined && status === 200 ? 204 : status, headers });
    }
    try {
      if (!headers["content-type"]) return Response.json(body, { status, headers });
      return new Response(JSON.stringify(body), { status, headers });
    } catch (error) {
      const message = `response is not serialisable as JSON: ${error instanceof Error ? error.message : String(error)}`;
      return Response.json({ error: message }, { status: 500, headers: trace ? { traceparent: formatTraceparent(trace) } : {} });
    }
  }

  /** The request's content-length; over the limit is a 413 before any byte is read. */
  private checkedLength(headers: Headers): string | null {
    const length = headers.get("content-length");
    if (length !== null && Number(length) > this.ctx.maxBodySize) throw tooLarge(this.ctx.maxBodySize);
    return length;
  }

  /**
   * Starts reading a body that is not JSON of a known, non-zero length, after the media
   * type check (the size limit by content-length came first). Parsing and the
   * shape check follow in `parseBody`, in the same step when Bun already holds the body.
   */
  private readText(request: Request, headers: Headers, contentType: string | null, json: boolean, length: string | null): Promise<string | undefined> {
    const { maxBodySize } = this.ctx;
    if (!json && this.bodyValidator) {
      // A body-carrying API accepts JSON only; a request with neither a content type nor content has "no body".
      const hasContent = contentType !== null || (length !== null ? length !== "0" : headers.has("transfer-encoding"));
      if (hasContent) {
        throw new EarlyResponse(415, { error: "unsupported media type: send the body as application/json", contentType: contentType ?? "" });
      }
    }
    return length !== null ? request.text() : readLimited(request, maxBodySize);
  }

  private parseBody(text: string | undefined, json: boolean): unknown {
    const { maxBodySize } = this.ctx;
    if (text === undefined || text.length > maxBodySize) throw tooLarge(maxBodySize);
    let value: unknown;
    if (text.length === 0) value = undefined;
    else if (json) {
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw malformedJson(error);
      }
    } else value = text;
    return this.checkBody(value);
  }

  /** The body's shape check: `undefined` is "no body". */
  private checkBody(value: unknown): unknown {
    const validator = this.bodyValidator;
    if (!validator) return value;
    if (value === undefined) {
      if (this.bodyOptional) return undefined;
      throw new EarlyResponse(400, invalid("request body is required", [{ path: "", message: `Expected a JSON ${describe(this.api)}` }]));
    }
    if (!validator.test(value)) throw new EarlyResponse(400, invalid("invalid request body", validator.errors(value)));
    return value;
  }

  private readQuery(url: string): Record<string, string> {
    if (!this.queryValidator || !this.coerceQuery) return untypedQuery(url);
    const typed = this.coerceQuery(parseQuery(url));
    if (!this.queryValidator.test(typed)) {
      throw new EarlyResponse(400, invalid("invalid query parameters", this.queryValidator.errors(typed)));
    }
    // Handlers receive the coerced values (numbers, booleans) the query shape declares.
    return typed as Record<string, string>;
  }
}

/**
 * The request handlers get, its `queryParams` parsed from the URL on first read: Bun builds a
 * request's URL string on demand (~0.4 µs, a few percent of a request) and most APIs without a
 * query shape never look at it. An own enumerable accessor pair, so spreading, JSON (the Python
 * bridge), `in` and assignment behave as with a plain property.
 */
function withLazyQuery(call: RouteCall, body: unknown, headers: Record<string, string>): ApiRequest {
  let query: Record<string, string> | undefined;
  return {
    params: call.params,
    get queryParams(): Record<string, string> {
      return (query ??= untypedQuery(call.url ?? call.request.url));
    },
    set queryParams(value: Record<string, string>) {
      query = value;
    },
    body,
    headers,
  };
}

/** Reads a body of unknown length (chunked), giving up as soon as it passes `limit` bytes. */
async function readLimited(request: Request, limit: number): Promise<string | undefined> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function malformedJson(error: unknown): EarlyResponse {
  return new EarlyResponse(400, { error: `malformed JSON body: ${error instanceof Error ? error.message : String(error)}` });
}

function tooLarge(limit: number): EarlyResponse {
  return new EarlyResponse(413, { error: "request body too large", limit });
}

function invalid(error: string, fields: ValidationFailure["fields"]): Record<string, unknown> {
  return { error, fields };
}

function describe(api: ApiDef): string {
  return api.body ? `${api.body.name}${api.body.array ? "[]" : ""}` : "value";
}

/** The JSON error response used outside routes (404, shutdown). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  headers["content-type"] = JSON_CONTENT_TYPE;
  return new Response(JSON.stringify(body), { status, headers });
}
