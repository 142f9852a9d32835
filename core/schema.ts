/**
 * The checked schema: a typed view over the .ro AST that every later stage
 * (engine, code generators, Workbench) reads. Built by `buildSchema`, which
 * reports shape problems (wrong property kinds, missing required keys) as
 * diagnostics; cross-reference checks live in core/checks.
 */
import type {
  Attribute,
  Block,
  Diagnostic,
  PropertyBlock,
  PropertyNode,
  ShapeBlock,
  ShapeKind,
  SourceFile,
  Span,
  TypeRef,
  Value,
} from "../grammar/ast.ts";

export const SCALAR_TYPES = ["String", "Int", "Float", "Boolean", "DateTime", "Json"] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];
export function isScalar(name: string): name is ScalarType {
  return (SCALAR_TYPES as readonly string[]).includes(name);
}

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface FieldDef {
  name: string;
  type: TypeRef;
  attributes: Attribute[];
  span: Span;
}

export interface ShapeDef {
  kind: ShapeKind;
  name: string;
  fields: FieldDef[];
  attributes: Attribute[];
  span: Span;
  file: string;
}

/** A name in a list property (`triggers: [A, B]`) with where it was written. */
export interface NameRef {
  name: string;
  span: Span;
}

export interface ApiDef {
  kind: "api";
  name: string;
  method: HttpMethod;
  path: string;
  /** `:param` names in path order. */
  pathParams: string[];
  body?: TypeRef;
  query?: TypeRef;
  response?: TypeRef;
  triggers: NameRef[];
  middlewares: NameRef[];
  span: Span;
  file: string;
  /** Every property as written, including ones Rohas does not interpret (kept for plugins). */
  properties: PropertyNode[];
}

export interface EventDef {
  kind: "event";
  name: string;
  payload?: TypeRef;
  handlers: NameRef[];
  triggers: NameRef[];
  /** v0.1.0 `type: sqs` style adapter hint; informational. */
  adapterHint?: string;
  span: Span;
  file: string;
  properties: PropertyNode[];
}

export interface CronDef {
  kind: "cron";
  name: string;
  schedule: string;
  scheduleSpan: Span;
  /** v0.1.0 `handler: daily_cleanup`; when absent the handler file is named after the cron. */
  handler?: NameRef;
  triggers: NameRef[];
  span: Span;
  file: string;
  properties: PropertyNode[];
}

export interface WsDef {
  kind: "ws";
  name: string;
  path: string;
  message?: TypeRef;
  onConnect: NameRef[];
  onMessage: NameRef[];
  onDisconnect: NameRef[];
  triggers: NameRef[];
  middlewares: NameRef[];
  broadcast: boolean;
  span: Span;
  file: string;
  properties: PropertyNode[];
}

export interface Schema {
  files: SourceFile[];
  shapes: ShapeDef[];
  apis: ApiDef[];
  events: EventDef[];
  crons: CronDef[];
  websockets: WsDef[];
  /** Shapes by name (first definition wins; duplicates are reported by checks). */
  shapeByName: Map<string, ShapeDef>;
  eventByName: Map<string, EventDef>;
}

type Diags = Diagnostic[];

export function buildSchema(files: SourceFile[]): { schema: Schema; diagnostics: Diagnostic[] } {
  const diagnostics: Diags = [];
  const schema: Schema = {
    files,
    shapes: [],
    apis: [],
    events: [],
    crons: [],
    websockets: [],
    shapeByName: new Map(),
    eventByName: new Map(),
  };
  for (const file of files) {
    for (const block of file.blocks) addBlock(schema, block, file.path, diagnostics);
  }
  for (const shape of schema.shapes) if (!schema.shapeByName.has(shape.name)) schema.shapeByName.set(shape.name, shape);
  for (const event of schema.events) if (!schema.eventByName.has(event.name)) schema.eventByName.set(event.name, event);
  return { schema, diagnostics };
}

function addBlock(schema: Schema, block: Block, file: string, diags: Diags): void {
  switch (block.kind) {
    case "model":
    case "type":
    case "input":
      schema.shapes.push(shapeDef(block, file));
      return;
    case "api":
      schema.apis.push(apiDef(block, file, diags));
      return;
    case "event":
      schema.events.push(eventDef(block, file, diags));
      return;
    case "cron":
      schema.crons.push(cronDef(block, file, diags));
      return;
    case "ws":
      schema.websockets.push(wsDef(block, file, diags));
      return;
  }
}

function shapeDef(block: ShapeBlock, file: string): ShapeDef {
  return {
    kind: block.kind,
    name: block.name,
    fields: block.fields.map((f) => ({ name: f.name, type: f.type, attributes: f.attributes, span: f.span })),
    attributes: block.attributes,
    span: block.span,
    file,
  };
}

/** Reads the properties of one block, reporting unknown keys, duplicates and wrong value kinds. */
class PropertyReader {
  private readonly byKey = new Map<string, PropertyNode>();
  constructor(
    private readonly block: PropertyBlock,
    private readonly known: readonly string[],
    private readonly diags: Diags,
  ) {
    for (const prop of block.properties) {
      if (this.byKey.has(prop.key)) {
        diags.push(error("schema/duplicate-property", `'${prop.key}' is set twice in ${block.kind} ${block.name}`, prop.keySpan));
        continue;
      }
      this.byKey.set(prop.key, prop);
      if (!known.includes(prop.key)) {
        const hint = suggest(prop.key, known);
        diags.push({
          severity: "warning",
          code: "schema/unknown-property",
          message: `unknown property '${prop.key}' in ${block.kind} ${block.name}`,
          span: prop.keySpan,
          hint: hint ? `did you mean '${hint}'?` : `known properties: ${known.join(", ")}`,
        });
      }
    }
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  string(key: string, required: boolean): { value: string; span: Span } | undefined {
    const prop = this.get(key, required);
    if (!prop) return undefined;
    if (prop.value.kind === "string") return { value: prop.value.value, span: prop.value.span };
    this.wrongKind(prop, "a quoted string");
    return undefined;
  }

  ident(key: string, required: boolean): { value: string; span: Span } | undefined {
    const prop = this.get(key, required);
    if (!prop) return undefined;
    const v = prop.value;
    if (v.kind === "ident" || v.kind === "string") return { value: v.value, span: v.span };
    this.wrongKind(prop, "a name");
    return undefined;
  }

  type(key: string): TypeRef | undefined {
    const prop = this.get(key, false);
    if (!prop) return undefined;
    const v = prop.value;
    if (v.kind === "type") return v.type;
    if (v.kind === "ident") return { name: v.value, array: false, optional: false, span: v.span };
    this.wrongKind(prop, "a type such as User or User[]");
    return undefined;
  }

  boolean(key: string): boolean {
    const prop = this.get(key, false);
    if (!prop) return false;
    if (prop.value.kind === "boolean") return prop.value.value;
    this.wrongKind(prop, "true or false");
    return false;
  }

  /** `[a, b]`, or a single bare name (v0.1.0 accepted `handler: name`). */
  names(key: string): NameRef[] {
    const prop = this.get(key, false);
    if (!prop) return [];
    const v = prop.value;
    if (v.kind === "ident" || v.kind === "string") return [{ name: v.value, span: v.span }];
    if (v.kind !== "list") {
      this.wrongKind(prop, "a list of names like [a, b]");
      return [];
    }
    const out: NameRef[] = [];
    for (const item of v.items) {
      if (item.kind === "ident" || item.kind === "string") out.push({ name: item.value, span: item.span });
      else this.diags.push(error("schema/wrong-value", `expected a name in '${key}'`, item.span));
    }
    return out;
  }

  private get(key: string, required: boolean): PropertyNode | undefined {
    const prop = this.byKey.get(key);
    if (!prop && required) {
      this.diags.push(
        error("schema/missing-property", `${this.block.kind} ${this.block.name} needs a '${key}'`, this.block.nameSpan),
      );
    }
    return prop;
  }

  private wrongKind(prop: PropertyNode, expected: string): void {
    this.diags.push(error("schema/wrong-value", `'${prop.key}' must be ${expected}, found ${describe(prop.value)}`, prop.value.span));
  }
}

const API_KEYS = ["method", "path", "body", "query", "response", "triggers", "middlewares", "description"] as const;
const EVENT_KEYS = ["payload", "handler", "handlers", "triggers", "type", "description"] as const;
const CRON_KEYS = ["schedule", "handler", "triggers", "description"] as const;
const WS_KEYS = ["path", "message", "onConnect", "onMessage", "onDisconnect", "triggers", "broadcast", "middlewares", "description"] as const;

function apiDef(block: PropertyBlock, file: string, diags: Diags): ApiDef {
  const r = new PropertyReader(block, API_KEYS, diags);
  const method = r.ident("method", true);
  let httpMethod: HttpMethod = "GET";
  if (method) {
    const upper = method.value.toUpperCase();
    if ((HTTP_METHODS as readonly string[]).includes(upper)) httpMethod = upper as HttpMethod;
    else diags.push(error("schema/bad-method", `unknown HTTP method '${method.value}'`, method.span, `use one of ${HTTP_METHODS.join(", ")}`));
  }
  const path = r.string("path", true);
  return {
    kind: "api",
    name: block.name,
    method: httpMethod,
    path: path?.value ?? "/",
    pathParams: pathParams(path?.value ?? ""),
    body: r.type("body"),
    query: r.type("query"),
    response: r.type("response"),
    triggers: r.names("triggers"),
    middlewares: r.names("middlewares"),
    span: block.span,
    file,
    properties: block.properties,
  };
}

function eventDef(block: PropertyBlock, file: string, diags: Diags): EventDef {
  const r = new PropertyReader(block, EVENT_KEYS, diags);
  return {
    kind: "event",
    name: block.name,
    payload: r.type("payload"),
    handlers: [...r.names("handler"), ...r.names("handlers")],
    triggers: r.names("triggers"),
    adapterHint: r.ident("type", false)?.value,
    span: block.span,
    file,
    properties: block.properties,
  };
}

function cronDef(block: PropertyBlock, file: string, diags: Diags): CronDef {
  const r = new PropertyReader(block, CRON_KEYS, diags);
  const schedule = r.string("schedule", true);
  const handler = r.ident("handler", false);
  return {
    kind: "cron",
    name: block.name,
    schedule: schedule?.value ?? "",
    scheduleSpan: schedule?.span ?? block.nameSpan,
    handler: handler ? { name: handler.value, span: handler.span } : undefined,
    triggers: r.names("triggers"),
    span: block.span,
    file,
    properties: block.properties,
  };
}

function wsDef(block: PropertyBlock, file: string, diags: Diags): WsDef {
  const r = new PropertyReader(block, WS_KEYS, diags);
  const path = r.string("path", true);
  return {
    kind: "ws",
    name: block.name,
    path: path?.value ?? "/",
    message: r.type("message"),
    onConnect: r.names("onConnect"),
    onMessage: r.names("onMessage"),
    onDisconnect: r.names("onDisconnect"),
    triggers: r.names("triggers"),
    middlewares: r.names("middlewares"),
    broadcast: r.boolean("broadcast"),
    span: block.span,
    file,
    properties: block.properties,
  };
}

export function pathParams(path: string): string[] {
  const out: string[] = [];
  for (const segment of path.split("/")) if (segment.startsWith(":") && segment.length > 1) out.push(segment.slice(1));
  return out;
}

function describe(v: Value): string {
  switch (v.kind) {
    case "ident":
      return `'${v.value}'`;
    case "string":
      return `"${v.value}"`;
    case "number":
      return `the number ${v.value}`;
    case "boolean":
      return `${v.value}`;
    case "list":
      return "a list";
    case "object":
      return "an object";
    case "type":
      return `the type ${v.type.name}${v.type.array ? "[]" : ""}${v.type.optional ? "?" : ""}`;
    case "call":
      return `a call to ${v.callee}()`;
  }
}

export function error(code: string, message: string, span?: Span, hint?: string): Diagnostic {
  return { severity: "error", code, message, span, hint };
}

export function warning(code: string, message: string, span?: Span, hint?: string): Diagnostic {
  return { severity: "warning", code, message, span, hint };
}

/** The closest candidate by edit distance, if close enough to be a plausible typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance: edits plus adjacent transpositions ("prot" → "port" is 1). */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
