/**
 * The engine hands every runtime the same JavaScript-shaped arguments
 * (`{ params, queryParams, body, headers }`, `{ apiName, traceId, … }`).
 * Python handlers written for Rohas v0.1.0 expect snake_case and the
 * generated request shape (path params as fields, `query_params`, `body`).
 * This module translates, one function per direction, and nothing else.
 */
import type { HandlerKind } from "../../core/runtime.ts";

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);

const snakeCache = new Map<string, string>();

/** apiName → api_name, queryParams → query_params; already snake keys stay. Memoised: keys repeat. */
export function snakeKey(key: string): string {
  let snake = snakeCache.get(key);
  if (snake === undefined) {
    snake = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
    if (snakeCache.size < 10_000) snakeCache.set(key, snake);
  }
  return snake;
}

function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Top-level keys in snake_case; values untouched (functions dropped, as JSON would). */
function snakeKeys(value: Obj): Obj {
  const out: Obj = {};
  for (const key in value) {
    const v = value[key];
    if (typeof v !== "function") out[snakeKey(key)] = v;
  }
  return out;
}

/** `<Name>Request`: path params as fields, `query_params`, `body`, plus `params` and `headers`. */
function apiRequest(request: unknown): unknown {
  if (!isObject(request)) return request;
  const params = isObject(request.params) ? request.params : {};
  const out: Obj = { ...params };
  // This runs on every call: the usual keys are mapped directly, anything else generically.
  for (const key in request) {
    const v = request[key];
    switch (key) {
      case "params":
      case "body":
      case "headers":
        out[key] = v;
        break;
      case "queryParams":
      case "query_params":
      case "query":
        out.query_params = v;
        break;
      default:
        if (typeof v !== "function") out[snakeKey(key)] = v;
    }
  }
  out.query_params ??= {};
  return out;
}

/** The generated event class wants `payload` (and v0.1.0's a `timestamp`). */
function eventObject(event: unknown): unknown {
  if (!isObject(event) || !("payload" in event)) return { payload: event, timestamp: new Date().toISOString() };
  const out = snakeKeys(event);
  if (out.timestamp === undefined) {
    const at = typeof event.publishedAt === "number" ? event.publishedAt : Date.now();
    out.timestamp = new Date(at).toISOString();
  }
  return out;
}

/** v0.1.0 middlewares read `payload` for the body, `api_name`, `query_params`, `trace_id`. */
function middlewareContext(context: unknown): unknown {
  if (!isObject(context)) return context;
  const out = snakeKeys(context);
  if (isObject(context.connection)) out.connection = snakeKeys(context.connection);
  if (out.ws_name !== undefined && out.websocket_name === undefined) out.websocket_name = out.ws_name;
  if (!("payload" in out)) out.payload = context.body;
  return out;
}

export function toPythonArgs(kind: HandlerKind, args: unknown[]): unknown[] {
  switch (kind) {
    case "api":
      return [apiRequest(args[0])];
    case "event":
      return [eventObject(args[0])];
    case "middleware":
      return [middlewareContext(args[0])];
    case "websocket":
      return [args[0] ?? null, isObject(args[1]) ? snakeKeys(args[1]) : (args[1] ?? null)];
    case "cron":
      return [isObject(args[0]) ? snakeKeys(args[0]) : (args[0] ?? {})];
  }
}

/**
 * A middleware returns None (continue) or a changed context; the engine wants
 * `{ body, queryParams, … }`. `payload` (v0.1.0) means the body.
 */
export function fromMiddlewareResult(result: unknown): unknown {
  if (!isObject(result)) return result ?? undefined;
  const out: Obj = {};
  for (const key in result) {
    if (key === "payload") {
      if (!("body" in result)) out.body = result.payload;
      continue;
    }
    out[camelKey(key)] = result[key];
  }
  return out;
}
