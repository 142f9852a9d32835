/**
 * The Workbench's JSON API under /_rohas/api/ and its static pages under
 * /_rohas/workbench/. Reads come from the telemetry store's query object;
 * "invoke" goes through the application's own HTTP route so validation,
 * middlewares and tracing apply exactly as for any client.
 */
import type { Engine } from "../../core/engine.ts";
import type { RouteRequestInfo } from "../../core/http-routes.ts";
import { getTelemetryQuery } from "../../core/telemetry-query.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";
import { ASSETS } from "./assets.ts";
import { schemaGraph } from "./graph.ts";
import { checkAccess, KEY_COOKIE, type AccessPolicy } from "./security.ts";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
const notFound = (what: string) => json({ error: `not found: ${what}` }, 404);

const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>Rohas Workbench — sign in</title>
<form method="post" action="/_rohas/workbench/login" style="font:16px system-ui;margin:20vh auto;width:320px">
<h1>Rohas Workbench</h1><label>API key <input name="key" type="password" autofocus style="width:100%"></label>
<p><button>Sign in</button></p></form>`;

export class WorkbenchApi {
  constructor(
    private readonly engine: Engine,
    private readonly policy: AccessPolicy,
  ) {}

  private get query() {
    return getTelemetryQuery(this.engine.rohas);
  }

  async fetch(request: Request, info: RouteRequestInfo): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/_rohas/workbench/login" && request.method === "POST") return this.login(request);
    const access = checkAccess(request, info.remoteAddress, this.policy);
    if (!access.ok) {
      if (access.login && path.startsWith("/_rohas/workbench")) return new Response(LOGIN_PAGE, { status: 401, headers: { "content-type": "text/html" } });
      return json({ error: access.reason }, access.status);
    }
    if (path === "/_rohas" || path === "/_rohas/" || path === "/_rohas/workbench") return Response.redirect(new URL("/_rohas/workbench/", url), 302);
    if (path.startsWith("/_rohas/workbench/")) return this.asset(path.slice("/_rohas/workbench/".length));
    if (path.startsWith("/_rohas/api/")) return this.api(request, url, path.slice("/_rohas/api/".length).split("/").map(decodeURIComponent));
    return notFound(path);
  }

  private async login(request: Request): Promise<Response> {
    const form = await request.formData().catch(() => undefined);
    const key = String(form?.get("key") ?? "");
    if (!this.policy.apiKey || key !== this.policy.apiKey) return new Response(LOGIN_PAGE, { status: 401, headers: { "content-type": "text/html" } });
    return new Response(null, {
      status: 303,
      headers: { location: "/_rohas/workbench/", "set-cookie": `${KEY_COOKIE}=${encodeURIComponent(key)}; Path=/_rohas; HttpOnly; SameSite=Strict` },
    });
  }

  private asset(name: string): Response {
    const asset = ASSETS[name === "" ? "index.html" : name];
    if (!asset) return notFound(`/_rohas/workbench/${name}`);
    return new Response(Bun.file(asset.file), { headers: { "content-type": asset.type } });
  }

  private async api(request: Request, url: URL, parts: string[]): Promise<Response> {
    const [resource, id, action] = parts;
    const q = this.query;
    const param = (name: string) => url.searchParams.get(name) ?? undefined;
    const num = (name: string) => (param(name) === undefined ? undefined : Number(param(name)));
    switch (resource) {
      case "schema":
        return json(this.schemaJson());
      case "graph":
        return json(schemaGraph(this.engine.schema));
      case "traces":
        if (!q) return json({ error: "telemetry is disabled ([telemetry] type)" }, 503);
        if (id) return (() => {
          const trace = q.getTrace(id);
          return trace ? json(trace) : notFound(`trace ${id}`);
        })();
        return json(
          q.listTraces({
            limit: num("limit"),
            status: param("status") as "ok" | "error" | undefined,
            name: param("name"),
            since: num("since"),
            until: num("until"),
          }),
        );
      case "logs":
        if (!q) return json({ error: "telemetry is disabled ([telemetry] type)" }, 503);
        return json(q.listLogs({ limit: num("limit"), level: param("level") as never, traceId: param("trace"), text: param("text") }));
      case "metrics":
        if (!q) return json({ error: "telemetry is disabled ([telemetry] type)" }, 503);
        return json({ series: bucket(q.metrics(param("name"), num("since") ?? Date.now() - 3_600_000)), dropped: q.dropped });
      case "dead-letters":
        if (!q) return json({ error: "telemetry is disabled ([telemetry] type)" }, 503);
        if (id && action === "replay" && request.method === "POST") {
          const letter = q.getDeadLetter(id);
          if (!letter) return notFound(`dead letter ${id}`);
          await this.engine.publish(letter.event, letter.payload);
          return json({ replayed: id, event: letter.event });
        }
        return json(q.listDeadLetters(num("limit")));
      case "invoke":
        if (request.method !== "POST" || !id) return json({ error: "POST /_rohas/api/invoke/<ApiName>" }, 405);
        return this.invoke(id, request);
      case "publish": {
        if (request.method !== "POST" || !id) return json({ error: "POST /_rohas/api/publish/<EventName>" }, 405);
        if (!this.engine.schema.eventByName.has(id)) return notFound(`event ${id}`);
        const payload = await request.json().catch(() => null);
        await this.engine.publish(id, payload);
        return json({ published: id });
      }
      case "live":
        if (!q) return json({ error: "telemetry is disabled ([telemetry] type)" }, 503);
        return this.live(request);
      default:
        return notFound(`/_rohas/api/${parts.join("/")}`);
    }
  }

  private schemaJson() {
    const s = this.engine.schema;
    const source = new Map(s.files.map((f) => [f.path, f.text]));
    const block = (b: { kind: string; name: string; span: { file: string; start: { offset: number; line: number }; end: { offset: number } } }) => ({
      ...b,
      source: source.get(b.span.file)?.slice(b.span.start.offset, b.span.end.offset),
      file: b.span.file,
      line: b.span.start.line,
    });
    return {
      shapes: s.shapes.map(block),
      apis: s.apis.map(block),
      events: s.events.map(block),
      crons: s.crons.map(block),
      websockets: s.websockets.map(block),
    };
  }

  /** Sends a real HTTP request to the application itself. */
  private async invoke(apiName: string, request: Request): Promise<Response> {
    const api = this.engine.schema.apis.find((a) => a.name === apiName);
    if (!api) return notFound(`api ${apiName}`);
    const input = ((await request.json().catch(() => ({}))) ?? {}) as { params?: Record<string, string>; query?: Record<string, string>; body?: unknown };
    let path = api.path;
    for (const p of api.pathParams) path = path.replace(`:${p}`, encodeURIComponent(input.params?.[p] ?? ""));
    const search = new URLSearchParams(input.query ?? {}).toString();
    const { port } = this.engine.config.server;
    const started = performance.now();
    const hasBody = api.method !== "GET" && api.method !== "HEAD";
    const res = await fetch(`http://127.0.0.1:${port}${path}${search ? `?${search}` : ""}`, {
      method: api.method,
      headers: hasBody ? { "content-type": "application/json" } : {},
      body: hasBody ? JSON.stringify(input.body ?? {}) : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: show it as text
    }
    const traceId = res.headers.get("traceparent")?.split("-")[1];
    return json({ status: res.status, body, traceId, durationMs: performance.now() - started });
  }

  /** Server-sent events of new spans, logs and dead letters. */
  private live(request: Request): Response {
    const q = this.query!;
    let unsubscribe = () => {};
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue(": live\n\n");
        unsubscribe = q.subscribe((record: TelemetryRecord) => {
          if (record.type === "metric") return;
          try {
            controller.enqueue(`event: ${record.type}\ndata: ${JSON.stringify(record)}\n\n`);
          } catch {
            unsubscribe();
          }
        });
        keepAlive = setInterval(() => {
          try {
            controller.enqueue(": ping\n\n");
          } catch {
            clearInterval(keepAlive);
          }
        }, 15_000);
        request.signal.addEventListener("abort", () => {
          unsubscribe();
          clearInterval(keepAlive);
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel() {
        unsubscribe();
        clearInterval(keepAlive);
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" } });
  }
}

/** Metric points → per-minute series: counters summed, histograms as count/avg/p95. */
function bucket(points: { time: number; name: string; kind: string; value: number }[]) {
  const series = new Map<string, Map<number, number[]>>();
  for (const p of points) {
    const minute = Math.floor(p.time / 60_000) * 60_000;
    const byMinute = series.get(p.name) ?? new Map<number, number[]>();
    series.set(p.name, byMinute);
    const values = byMinute.get(minute) ?? [];
    values.push(p.value);
    byMinute.set(minute, values);
  }
  return [...series].map(([name, byMinute]) => ({
    name,
    points: [...byMinute]
      .sort(([a], [b]) => a - b)
      .map(([time, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return {
          time,
          count: values.length,
          sum: values.reduce((a, b) => a + b, 0),
          avg: values.reduce((a, b) => a + b, 0) / values.length,
          p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!,
        };
      }),
  }));
}
