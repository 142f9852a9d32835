/**
 * One `ws` block as an Elysia WebSocket route. Connect runs the engine's
 * middlewares and onConnect handlers (a rejection closes with 1008, policy
 * violation); each message is checked against the `message:` shape, then the
 * onMessage results go back to the sender, or to every client on the path
 * through a Bun pub/sub topic when `broadcast: true`.
 */
import type { WsDef } from "../../core/schema.ts";
import { ActiveSpan, parseTraceparent } from "../../core/tracing.ts";
import type { ServerEngine, WsConnection } from "./engine-port.ts";
import { flattenQuery } from "./query.ts";
import type { Validator } from "./validation.ts";

/** The Bun/Elysia socket surface this module uses. */
export interface SocketLike {
  id: string;
  data: { path?: string; params?: Record<string, string>; query?: Record<string, string | string[]>; headers?: Record<string, string> };
  send(data: string): unknown;
  subscribe(topic: string): unknown;
  close(code?: number, reason?: string): unknown;
  raw?: { send(data: string): unknown; close(code?: number, reason?: string): unknown; subscribe(topic: string): unknown };
}

export interface Publisher {
  publish(topic: string, data: string): unknown;
}

interface Session {
  conn: WsConnection;
  /** Resolves true once connected, false when the connect was rejected. */
  ready: Promise<boolean>;
  close(code: number, reason: string): void;
}

export const POLICY_VIOLATION = 1008;
export const GOING_AWAY = 1001;

/** Close reasons are limited to 123 bytes by the protocol. */
function closeReason(message: string): string {
  const bytes = new TextEncoder().encode(message);
  if (bytes.length <= 123) return message;
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, "") + "...";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class WsRoute {
  readonly topic: string;
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly def: WsDef,
    private readonly engine: ServerEngine,
    private readonly validator: Validator | undefined,
    private readonly publisher: () => Publisher | undefined,
  ) {
    this.topic = `rohas:ws:${def.path}`;
  }

  get openCount(): number {
    return this.sessions.size;
  }

  open(ws: SocketLike): void {
    const raw = ws.raw ?? ws;
    const data = ws.data;
    const conn: WsConnection = {
      id: ws.id,
      path: data.path ?? this.def.path,
      params: data.params ?? {},
      queryParams: flattenQuery({ ...(data.query ?? {}) }),
      headers: data.headers ?? {},
      send: (value: unknown) => {
        raw.send(typeof value === "string" ? value : JSON.stringify(value));
      },
    };
    // The upgrade request may carry a traceparent; the connect span joins that trace.
    const parent = parseTraceparent(conn.headers.traceparent);
    const span = new ActiveSpan(`WS ${this.def.path} connect`, "websocket", parent);
    span.sampled = this.engine.sampleTrace(span.traceId, parent?.sampled);
    span.set("rohas.ws", this.def.name);
    const session: Session = {
      conn,
      ready: this.engine.track(this.engine.wsConnect(this.def, conn, span.context)).then(
        () => {
          if (this.def.broadcast) raw.subscribe(this.topic);
          if (span.sampled) this.engine.record({ type: "span", span: span.end() });
          return true;
        },
        (error: unknown) => {
          this.engine.record({ type: "span", span: span.end(error) });
          this.sessions.delete(conn.id);
          raw.close(POLICY_VIOLATION, closeReason(errorMessage(error)));
          return false;
        },
      ),
      close: (code, reason) => raw.close(code, reason),
    };
    this.sessions.set(conn.id, session);
  }

  async message(ws: SocketLike, message: unknown): Promise<void> {
    const session = this.sessions.get(ws.id);
    if (!session || !(await session.ready)) return;
    const raw = ws.raw ?? ws;
    if (this.validator) {
      if (typeof message === "string" && /^\s*[[{]/.test(message)) {
        // Elysia leaves a string that failed JSON.parse as it came: say so rather than "expected object".
        raw.send(JSON.stringify({ error: "malformed JSON message" }));
        return;
      }
      if (!this.validator.test(message)) {
        raw.send(JSON.stringify({ error: "invalid message", fields: this.validator.errors(message) }));
        return;
      }
    }
    const span = new ActiveSpan(`WS ${this.def.path} message`, "websocket");
    span.sampled = this.engine.sampleTrace(span.traceId);
    span.set("rohas.ws", this.def.name);
    let results: unknown[];
    try {
      results = await this.engine.track(this.engine.wsMessage(this.def, session.conn, message, span.context));
    } catch (error) {
      this.engine.record({ type: "span", span: span.end(error) });
      raw.send(JSON.stringify({ error: errorMessage(error) }));
      return;
    }
    if (span.sampled) this.engine.record({ type: "span", span: span.end() });
    const publisher = this.def.broadcast ? this.publisher() : undefined;
    for (const result of results) {
      if (result === undefined) continue;
      const text = JSON.stringify(result);
      if (publisher) publisher.publish(this.topic, text);
      else raw.send(text);
    }
  }

  async close(ws: SocketLike): Promise<void> {
    const session = this.sessions.get(ws.id);
    if (!session) return;
    this.sessions.delete(ws.id);
    if (!(await session.ready)) return;
    await this.engine.track(this.engine.wsDisconnect(this.def, session.conn)).catch((error: unknown) => {
      this.engine.record({
        type: "log",
        log: { time: Date.now(), level: "error", message: `ws ${this.def.name} disconnect failed: ${errorMessage(error)}`, source: "server-elysia" },
      });
    });
  }

  /** Shutdown: close every socket with 1001 (going away). */
  closeAll(reason: string): void {
    for (const session of this.sessions.values()) session.close(GOING_AWAY, reason);
  }
}
