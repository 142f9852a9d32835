/**
 * The part of the engine the server calls, written down structurally so the
 * server can be tested against a stand-in; the real `Engine` (core/engine.ts)
 * is checked against it where the plugin hands it over.
 */
import type { RohasConfig } from "../../core/config.ts";
import type { TraceContext } from "../../core/tracing.ts";
import type { ApiDef, Schema, WsDef } from "../../core/schema.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";
import type { ApiRequest, ApiResponse, MiddlewareFn, WsConnection } from "../../core/engine.ts";

export type { ApiRequest, ApiResponse, MiddlewareContext, MiddlewareFn, WsConnection } from "../../core/engine.ts";

export interface ServerEngine {
  schema: Schema;
  config: RohasConfig;
  /** The value itself when the call completed in this step, else a promise; never throws. */
  callApi(api: ApiDef, request: ApiRequest, parent?: TraceContext): ApiResponse | Promise<ApiResponse>;
  wsConnect(ws: WsDef, conn: WsConnection, parent?: TraceContext): Promise<void>;
  wsMessage(ws: WsDef, conn: WsConnection, message: unknown, parent?: TraceContext): Promise<unknown[]>;
  wsDisconnect(ws: WsDef, conn: WsConnection): Promise<void>;
  registerMiddleware(name: string, fn: MiddlewareFn): void;
  record(record: TelemetryRecord): void;
  /** Whether anything stores telemetry: without it, spans are not worth building. */
  readonly recording: boolean;
  /** Whether a trace entering with this request is recorded (false when a store is over its budget); without telemetry, `inherited`. */
  sampleTrace(traceId: string, inherited?: boolean): boolean;
  track<T>(promise: Promise<T>): Promise<T>;
}

/** An error carrying the HTTP status a middleware or handler chose. */
export function errorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : undefined;
}
