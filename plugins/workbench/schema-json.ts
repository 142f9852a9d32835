/**
 * The schema as the Workbench shows it: every block with its source text and
 * place, and for each API the inputs its tester form needs (path parameters,
 * query and body fields resolved through models, types and inputs).
 */
import type { Span, TypeRef } from "../../grammar/ast.ts";
import { isScalar, type Schema } from "../../core/schema.ts";

export interface BlockJson {
  kind: string;
  name: string;
  file: string;
  line: number;
  /** The block's text as written. */
  source: string;
  /** A one-line description: `POST /users`, `handlers: a, b`, … */
  summary: string;
  details: Record<string, unknown>;
}

/** A form field: a scalar, a nested shape (fields), or a list of either. */
export interface FieldJson {
  name: string;
  type: string;
  array: boolean;
  optional: boolean;
  /** Present for model/type/input references (absent past a cycle or depth limit). */
  fields?: FieldJson[];
}

export interface ApiFormJson {
  name: string;
  method: string;
  path: string;
  pathParams: string[];
  query: FieldJson[];
  /** Undefined when the API takes no body. */
  body?: { type: string; array: boolean; optional: boolean; fields?: FieldJson[] };
  response?: string;
  triggers: string[];
}

export interface SchemaJson {
  files: { path: string; lines: number }[];
  blocks: BlockJson[];
  apis: ApiFormJson[];
  events: { name: string; payload?: string; fields?: FieldJson[] }[];
}

const typeText = (t: TypeRef | undefined) => (t ? `${t.name}${t.array ? "[]" : ""}${t.optional ? "?" : ""}` : undefined);
const names = (refs: { name: string }[]) => refs.map((r) => r.name);
const MAX_DEPTH = 4;

export function schemaJson(schema: Schema): SchemaJson {
  const texts = new Map(schema.files.map((f) => [f.path, f.text]));
  const block = (kind: string, name: string, span: Span, file: string, summary: string, details: Record<string, unknown>): BlockJson => ({
    kind,
    name,
    file,
    line: span.start.line,
    source: texts.get(span.file)?.slice(span.start.offset, span.end.offset) ?? texts.get(file)?.slice(span.start.offset, span.end.offset) ?? "",
    summary,
    details,
  });

  const fieldsOf = (typeName: string, depth: number, seen: Set<string>): FieldJson[] | undefined => {
    const shape = schema.shapeByName.get(typeName);
    if (!shape || depth > MAX_DEPTH || seen.has(typeName)) return undefined;
    const inner = new Set(seen).add(typeName);
    return shape.fields.map((f) => ({
      name: f.name,
      type: f.type.name,
      array: f.type.array,
      optional: f.type.optional || f.attributes.some((a) => a.name === "default" || a.name === "auto"),
      fields: isScalar(f.type.name) ? undefined : fieldsOf(f.type.name, depth + 1, inner),
    }));
  };

  const blocks: BlockJson[] = [];
  for (const api of schema.apis) {
    blocks.push(
      block("api", api.name, api.span, api.file, `${api.method} ${api.path}`, {
        method: api.method,
        path: api.path,
        body: typeText(api.body),
        query: typeText(api.query),
        response: typeText(api.response),
        triggers: names(api.triggers),
        middlewares: names(api.middlewares),
      }),
    );
  }
  for (const event of schema.events) {
    blocks.push(
      block("event", event.name, event.span, event.file, `handlers: ${names(event.handlers).join(", ") || "none"}`, {
        payload: typeText(event.payload),
        handlers: names(event.handlers),
        triggers: names(event.triggers),
      }),
    );
  }
  for (const cron of schema.crons) {
    blocks.push(
      block("cron", cron.name, cron.span, cron.file, cron.schedule, {
        schedule: cron.schedule,
        handler: cron.handler?.name ?? cron.name,
        triggers: names(cron.triggers),
      }),
    );
  }
  for (const ws of schema.websockets) {
    blocks.push(
      block("ws", ws.name, ws.span, ws.file, ws.path, {
        path: ws.path,
        message: typeText(ws.message),
        onConnect: names(ws.onConnect),
        onMessage: names(ws.onMessage),
        onDisconnect: names(ws.onDisconnect),
        triggers: names(ws.triggers),
        middlewares: names(ws.middlewares),
        broadcast: ws.broadcast,
      }),
    );
  }
  for (const shape of schema.shapes) {
    blocks.push(
      block(shape.kind, shape.name, shape.span, shape.file, `${shape.fields.length} field${shape.fields.length === 1 ? "" : "s"}`, {
        fields: shape.fields.map((f) => ({ name: f.name, type: typeText(f.type), attributes: f.attributes.map((a) => a.name) })),
      }),
    );
  }

  const apis: ApiFormJson[] = schema.apis.map((api) => {
    const query = api.query ? (fieldsOf(api.query.name, 0, new Set()) ?? []) : [];
    const takesBody = api.method !== "GET" && api.method !== "HEAD";
    return {
      name: api.name,
      method: api.method,
      path: api.path,
      pathParams: api.pathParams,
      query,
      body:
        api.body && takesBody
          ? {
              type: api.body.name,
              array: api.body.array,
              optional: api.body.optional,
              fields: isScalar(api.body.name) ? undefined : fieldsOf(api.body.name, 0, new Set()),
            }
          : undefined,
      response: typeText(api.response),
      triggers: names(api.triggers),
    };
  });

  const events = schema.events.map((e) => ({
    name: e.name,
    payload: typeText(e.payload),
    fields: e.payload && !isScalar(e.payload.name) ? fieldsOf(e.payload.name, 0, new Set()) : undefined,
  }));

  return {
    files: schema.files.map((f) => ({ path: f.path, lines: f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0) })),
    blocks,
    apis,
    events,
  };
}
