/**
 * For this plugin's tests: schema blocks written as plain objects (so the
 * tests do not depend on the parser) and a small stand-in engine that runs
 * registered middlewares and handler functions the way the real one does.
 */
import type { TypeRef } from "../../grammar/ast.ts";
import { defaultConfig, type RohasConfig } from "../../core/config.ts";
import type { HandlerState } from "../../core/runtime.ts";
import type { ApiDef, FieldDef, HttpMethod, Schema, ShapeDef, WsDef } from "../../core/schema.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";
import type { TraceContext } from "../../core/tracing.ts";
import type { ApiRequest, ApiResponse, MiddlewareFn, ServerEngine, WsConnection } from "./engine-port.ts";

const SPAN = { file: "test.ro", start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/** `"String[]?"` → TypeRef. */
export function t(text: string): TypeRef {
  const optional = text.endsWith("?");
  const base = optional ? text.slice(0, -1) : text;
  const array = base.endsWith("[]");
  return { name: array ? base.slice(0, -2) : base, array, optional, span: SPAN };
}

export function shape(name: string, fields: Record<string, string>, attributes: Record<string, string[]> = {}): ShapeDef {
  const defs: FieldDef[] = Object.entries(fields).map(([fieldName, type]) => ({
    name: fieldName,
    type: t(type),
    attributes: (attributes[fieldName] ?? []).map((a) => ({ name: a, blockLevel: false, args: [], span: SPAN })),
    span: SPAN,
  }));
  return { kind: "input", name, fields: defs, attributes: [], span: SPAN, file: "test.ro" };
}

export function api(
  name: string,
  method: HttpMethod,
  path: string,
  extra: { body?: string; query?: string; middlewares?: string[] } = {},
): ApiDef {
  return {
    kind: "api",
    name,
    method,
    path,
    pathParams: path.split("/").filter((s) => s.startsWith(":")).map((s) => s.slice(1)),
    body: extra.body ? t(extra.body) : undefined,
    query: extra.query ? t(extra.query) : undefined,
    triggers: [],
    middlewares: (extra.middlewares ?? []).map((m) => ({ name: m, span: SPAN })),
    span: SPAN,
    file: "test.ro",
    properties: [],
  };
}

export function ws(name: string, path: string, extra: { message?: string; broadcast?: boolean; middlewares?: string[] } = {}): WsDef {
  return {
    kind: "ws",
    name,
    path,
    message: extra.message ? t(extra.message) : undefined,
    onConnect: [],
    onMessage: [],
    onDisconnect: [],
    triggers: [],
    middlewares: (extra.middlewares ?? []).map((m) => ({ name: m, span: SPAN })),
    broadcast: extra.broadcast ?? false,
    span: SPAN,
    file: "test.ro",
    properties: [],
  };
}

export function schemaOf(parts: { shapes?: ShapeDef[]; apis?: ApiDef[]; websockets?: WsDef[] }): Schema {
  const shapes = parts.shapes ?? [];
  return {
    files: [],
    shapes,
    apis: parts.apis ?? [],
    events: [],
    crons: [],
    websockets: parts.websockets ?? [],
    shapeByName: new Map(shapes.map((s) => [s.name, s])),
    eventByName: new Map(),
  };
}

export type ApiFn = (request: ApiRequest, trace: TraceContext | undefined) => unknown;
export type WsFn = (message: unknown, conn: WsConnection) => unknown;

class Rejected extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const state: HandlerState = {
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  traceId: "",
  spanId: "",
  triggerEvent() {},
  setPayload() {},
};

/** Enough of the engine for the server: middlewares (403 by default), handlers, records. */
export class FakeEngine implements ServerEngine {
  config: RohasConfig = defaultConfig();
  readonly records: TelemetryRecord[] = [];
  recording = true;
  /** What `sampleTrace` answers: false plays a store over its budget. */
  sampled = true;
  readonly middlewares = new Map<string, MiddlewareFn>();
  readonly apiHandlers = new Map<string, ApiFn>();
  readonly wsOnMessage = new Map<string, WsFn>();
  readonly wsOnConnect = new Map<string, (conn: WsConnection) => void>();
  readonly disconnected: string[] = [];
  tracked = 0;

  constructor(public schema: Schema) {
    this.config.server.port = 0;
  }

  sampleTrace(_traceId: string, inherited = true): boolean {
    return this.recording ? this.sampled : inherited;
  }

  /** The trace context each API call was given. */
  readonly parents: (TraceContext | undefined)[] = [];

  private async runMiddlewares(names: string[], context: Parameters<MiddlewareFn>[0]): Promise<void> {
    for (const name of names) {
      const fn = this.middlewares.get(name);
      if (!fn) throw new Error(`no middleware ${name}`);
      try {
        await fn(context, state);
      } catch (error) {
        const e = error as { status?: number; retryAfter?: number; message?: string };
        throw new Rejected(e.message ?? String(error), e.status ?? 403, e.retryAfter);
      }
    }
  }

  async callApi(def: ApiDef, request: ApiRequest, parent?: TraceContext): Promise<ApiResponse> {
    this.parents.push(parent);
    await this.runMiddlewares(
      def.middlewares.map((m) => m.name),
      { apiName: def.name, ...request, traceId: parent?.traceId ?? "" },
    );
    const fn = this.apiHandlers.get(def.name);
    if (!fn) throw new Error(`no handler for ${def.name}`);
    return { status: 200, body: await fn(request, parent) };
  }

  async wsConnect(def: WsDef, conn: WsConnection): Promise<void> {
    await this.runMiddlewares(
      def.middlewares.map((m) => m.name),
      { apiName: def.name, wsName: def.name, params: conn.params, queryParams: conn.queryParams, headers: conn.headers, body: undefined, traceId: "", connection: conn },
    );
    this.wsOnConnect.get(def.name)?.(conn);
  }

  async wsMessage(def: WsDef, conn: WsConnection, message: unknown): Promise<unknown[]> {
    const fn = this.wsOnMessage.get(def.name);
    return fn ? [await fn(message, conn)] : [];
  }

  async wsDisconnect(_def: WsDef, conn: WsConnection): Promise<void> {
    this.disconnected.push(conn.id);
  }

  registerMiddleware(name: string, fn: MiddlewareFn): void {
    this.middlewares.set(name, fn);
  }

  record(record: TelemetryRecord): void {
    this.records.push(record);
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.tracked++;
    return promise;
  }
}
