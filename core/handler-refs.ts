/** Every handler a schema names, in a stable order, for runtimes and the CLI. */
import type { HandlerRef } from "./runtime.ts";
import type { Schema } from "./schema.ts";

export interface NamedHandler extends HandlerRef {
  /** The block that names it, e.g. "api CreateUser". */
  declaredBy: string;
}

export function handlerRefs(schema: Schema): NamedHandler[] {
  const out: NamedHandler[] = [];
  const seen = new Set<string>();
  const add = (kind: HandlerRef["kind"], name: string, declaredBy: string) => {
    const key = `${kind}:${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind, name, declaredBy });
  };
  for (const api of schema.apis) {
    for (const m of api.middlewares) add("middleware", m.name, `api ${api.name}`);
    add("api", api.name, `api ${api.name}`);
  }
  for (const event of schema.events) for (const h of event.handlers) add("event", h.name, `event ${event.name}`);
  for (const cron of schema.crons) add("cron", cron.handler?.name ?? cron.name, `cron ${cron.name}`);
  for (const ws of schema.websockets) {
    for (const m of ws.middlewares) add("middleware", m.name, `ws ${ws.name}`);
    for (const h of [...ws.onConnect, ...ws.onMessage, ...ws.onDisconnect]) add("websocket", h.name, `ws ${ws.name}`);
  }
  return out;
}

/** snake_case of a PascalCase or camelCase name: CreateUser → create_user. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[-\s]+/g, "_")
    .toLowerCase();
}

/** The file a handler is expected in, relative to the project, per DESIGN.md conventions. */
export function handlerPath(ref: HandlerRef, language: string, srcDir = "src"): string {
  const python = language === "python";
  const ext = python ? "py" : language === "javascript" ? "js" : "ts";
  const folder = { api: "handlers/api", event: "handlers/events", cron: "handlers/cron", websocket: "handlers/websockets", middleware: "middlewares" }[ref.kind];
  const base = python && (ref.kind === "api" || ref.kind === "cron") ? snakeCase(ref.name) : ref.name;
  return `${srcDir}/${folder}/${base}.${ext}`;
}
