/** The Workbench's JSON API, typed from the server's own declarations. */
import type { LogRecord, SpanRecord, TelemetryRecord } from "../../core/telemetry.ts";
import type { MetricSeries, StoredDeadLetter, TelemetryStats, TraceDetail, TraceSummary } from "../../core/telemetry-query.ts";
import type { SchemaJson } from "../../plugins/workbench/schema-json.ts";
import type { GraphEdge, GraphNode } from "../../plugins/workbench/graph.ts";

export type { LogRecord, SpanRecord, TelemetryRecord, MetricSeries, StoredDeadLetter, TelemetryStats, TraceDetail, TraceSummary, SchemaJson, GraphEdge, GraphNode };
export type { ApiFormJson, FieldJson, BlockJson } from "../../plugins/workbench/schema-json.ts";
export type { DiagnosticJson, DiagnosticsView } from "../../plugins/workbench/diagnostics.ts";

export const API_BASE = "/_rohas/api";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    if (res.status === 401) location.href = "/_rohas/login";
    const err = body as { error?: string; code?: string } | undefined;
    throw new ApiFailure(res.status, err?.error ?? `${res.status} ${res.statusText}`, err?.code);
  }
  return body as T;
}

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, String(v));
  const query = search.size > 0 ? `?${search}` : "";
  return parse<T>(await fetch(`${API_BASE}${path}${query}`, { headers: { accept: "application/json" } }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(`${API_BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body ?? {}),
    }),
  );
}

export interface InvokeResult {
  request: { method: string; url: string; headers: Record<string, string>; body?: unknown };
  status: number;
  headers: Record<string, string>;
  body: unknown;
  traceId?: string;
  durationMs: number;
}

export interface Info {
  project: { name: string; version: string };
  telemetry: TelemetryStats | null;
  liveClients: number;
}
