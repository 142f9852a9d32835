/**
 * Schema → TypeScript: the files under src/generated (rewritten on every run)
 * and the handler stubs (created once). A pure function of the schema, so it
 * is tested against golden files and benchmarked without touching the disk.
 */
import { posix } from "node:path";
import { compileTemplate, generatedHeader } from "../../core/generate-context.ts";
import { handlerPath, handlerRefs, snakeCase as snakeCaseUncached } from "../../core/handler-refs.ts";
import { pathParams, type ApiDef, type CronDef, type EventDef, type Schema, type ShapeDef, type WsDef } from "../../core/schema.ts";
import type { TypeRef } from "../../grammar/ast.ts";
import { typescriptTemplates } from "../../templates/typescript/index.ts";
import { ModuleImports } from "./imports.ts";
import {
  attributesText,
  literalDefault,
  propertyName,
  shapeModule,
  tsType,
  typeboxType,
  typeText,
  type DateTimeMode,
} from "./types.ts";

export interface GeneratedFile {
  /** Relative to the project directory. */
  path: string;
  content: string;
}

export interface TypeScriptOptions {
  /** `[project] src_dir`. */
  srcDir: string;
  /** How DateTime fields of models and types are typed: ISO string (default) or Date. */
  dateTime: DateTimeMode;
  /** Label of a schema file in headers (relative to the project, e.g. schema/api/user.ro). */
  source(file: string): string;
  /** Label for files generated from the whole schema (e.g. schema/). */
  schemaLabel: string;
}

export interface TypeScriptOutput {
  files: GeneratedFile[];
  stubs: GeneratedFile[];
}

type Render = (data: object) => string;

/** snake_case names are asked for many times per block; remember them. */
const snakeNames = new Map<string, string>();
function snakeCase(name: string): string {
  let snake = snakeNames.get(name);
  if (snake === undefined) snakeNames.set(name, (snake = snakeCaseUncached(name)));
  return snake;
}
let templates: Record<keyof typeof typescriptTemplates, Render> | undefined;

function compileAll(): Record<keyof typeof typescriptTemplates, Render> {
  const out = {} as Record<keyof typeof typescriptTemplates, Render>;
  for (const name of Object.keys(typescriptTemplates) as (keyof typeof typescriptTemplates)[]) out[name] = compileTemplate(typescriptTemplates[name]);
  return out;
}

export function generateTypeScript(schema: Schema, options: TypeScriptOptions): TypeScriptOutput {
  templates ??= compileAll();
  const gen = new TypeScriptGenerator(schema, options, templates);
  return { files: gen.files(), stubs: gen.stubs() };
}

interface IndexModule {
  module: string;
  names: { name: string; typeOnly: boolean }[];
}

class TypeScriptGenerator {
  private readonly generatedDir: string;
  private readonly index: IndexModule[] = [];
  private readonly uses: HandlerUses;

  constructor(
    private readonly schema: Schema,
    private readonly options: TypeScriptOptions,
    private readonly t: Record<keyof typeof typescriptTemplates, Render>,
  ) {
    this.generatedDir = `${options.srcDir}/generated`;
    this.uses = handlerUses(schema);
  }

  files(): GeneratedFile[] {
    const out: GeneratedFile[] = [];
    const emit = (module: string, content: string) => out.push({ path: `${this.generatedDir}/${module}.ts`, content });
    const inputs = this.schema.shapes.filter((s) => s.kind === "input" && this.isCanonical(s));
    for (const shape of this.schema.shapes) {
      if (!this.isCanonical(shape)) continue;
      emit(shapeModule(shape), shape.kind === "input" ? this.input(shape) : this.shape(shape));
    }
    if (inputs.length > 0) emit("schemas", this.schemas(inputs));
    for (const api of this.schema.apis) emit(`api/${snakeCase(api.name)}`, this.api(api));
    for (const event of this.schema.events) emit(`events/${snakeCase(event.name)}`, this.event(event));
    for (const ws of this.schema.websockets) emit(`websockets/${snakeCase(ws.name)}`, this.websocket(ws));
    emit("state", this.state());
    emit("index", this.indexModule());
    return out;
  }

  // ── shapes ────────────────────────────────────────────────────────────

  /** Duplicated names are reported by validation; generate the first definition only. */
  private isCanonical(shape: ShapeDef): boolean {
    return this.schema.shapeByName.get(shape.name) === shape;
  }

  /** The local name of a referenced shape, importing it; `unknown` for a name validation would reject. */
  private shapeRef(imports: ModuleImports, self: string | undefined, name: string): string {
    if (name === self) return name;
    const shape = this.schema.shapeByName.get(name);
    return shape ? imports.add(shapeModule(shape), shape.name) : "unknown";
  }

  private type(imports: ModuleImports, ref: TypeRef, self?: string): string {
    return tsType(ref, this.options.dateTime, (name) => this.shapeRef(imports, self, name));
  }

  /** A type in a position where `?` cannot be written (response, payload): optional becomes `| undefined`. */
  private valueType(imports: ModuleImports, ref: TypeRef | undefined, fallback: string): string {
    if (!ref) return fallback;
    const type = this.type(imports, ref);
    return ref.optional ? `${type} | undefined` : type;
  }

  private shape(shape: ShapeDef): string {
    const module = shapeModule(shape);
    const imports = ModuleImports.forModule(module, [shape.name]);
    const fields = shape.fields.map((f) => ({
      name: propertyName(f.name),
      optional: f.type.optional,
      type: this.type(imports, f.type, shape.name),
      comment: attributesText(f.attributes),
    }));
    this.index.push({ module, names: [{ name: shape.name, typeOnly: true }] });
    return this.t.shape({
      header: this.header(shape.file),
      imports: imports.lines(),
      kind: shape.kind,
      name: shape.name,
      source: this.options.source(shape.file),
      fields,
    });
  }

  private input(shape: ShapeDef): string {
    const module = shapeModule(shape);
    const schemaName = `${shape.name}Schema`;
    const imports = ModuleImports.forModule(module, [shape.name, schemaName]);
    const staticLocal = imports.addPackage("@sinclair/typebox", "Static", true);
    const schemasLocal = imports.add("schemas", "schemas", false);
    this.index.push({
      module,
      names: [
        { name: shape.name, typeOnly: true },
        { name: schemaName, typeOnly: false },
      ],
    });
    return this.t.input({
      header: this.header(shape.file),
      imports: imports.lines(),
      name: shape.name,
      schemaName,
      schemasLocal,
      staticLocal,
      source: this.options.source(shape.file),
      fields: shape.fields.map((f) => ({ name: f.name, type: typeText(f.type), comment: attributesText(f.attributes) })),
    });
  }

  /** One TypeBox module holding every input and every shape an input reaches. */
  private schemas(inputs: ShapeDef[]): string {
    const reached = new Set<string>();
    const visit = (shape: ShapeDef) => {
      if (reached.has(shape.name)) return;
      reached.add(shape.name);
      for (const f of shape.fields) {
        const target = this.schema.shapeByName.get(f.type.name);
        if (target) visit(target);
      }
    };
    for (const input of inputs) visit(input);
    const shapes = this.schema.shapes.filter((s) => reached.has(s.name) && this.isCanonical(s));
    const usesDateTime = shapes.some((s) => s.fields.some((f) => f.type.name === "DateTime"));
    const imports = ModuleImports.forModule("schemas", ["schemas", "ISO_DATE_TIME"]);
    imports.addPackage("@sinclair/typebox", "Type", false);
    if (usesDateTime) imports.addPackage("@sinclair/typebox", "FormatRegistry", false);
    this.index.push({ module: "schemas", names: [{ name: "schemas", typeOnly: false }] });
    return this.t.schemas({
      header: this.header(),
      imports: imports.lines(),
      usesDateTime,
      shapes: shapes.map((s) => ({
        key: propertyName(s.name),
        fields: s.fields.map((f) => ({ name: propertyName(f.name), schema: typeboxType(f.type, literalDefault(f.attributes, f.type)) })),
      })),
    });
  }

  // ── apis, events, websockets, state ───────────────────────────────────

  private api(api: ApiDef): string {
    const module = `api/${snakeCase(api.name)}`;
    const requestName = `${api.name}Request`;
    const responseName = `${api.name}Response`;
    const handlerName = `${api.name}Handler`;
    const imports = ModuleImports.forModule(module, [requestName, responseName, handlerName]);
    // State first: if a shape is also called State, the shape is the one renamed.
    const stateLocal = imports.add("state", "State");
    const body = api.body ? this.valueType(imports, api.body, "unknown") : undefined;
    const query = api.query ? this.valueType(imports, api.query, "unknown") : "Record<string, string>";
    const response = this.valueType(imports, api.response, "unknown");
    this.index.push({ module, names: [requestName, responseName, handlerName].map((name) => ({ name, typeOnly: true })) });
    return this.t.api({
      header: this.header(api.file),
      imports: imports.lines(),
      name: api.name,
      method: api.method,
      path: api.path,
      source: this.options.source(api.file),
      requestName,
      responseName,
      handlerName,
      stateLocal,
      pathParams: api.pathParams.map(propertyName),
      body,
      query,
      queryDoc: api.query ? `query: ${typeText(api.query)}, coerced from the query string` : undefined,
      response,
      responseDoc: api.response ? `response: ${typeText(api.response)}` : "no response type declared",
    });
  }

  private event(event: EventDef): string {
    const module = `events/${snakeCase(event.name)}`;
    const payloadName = `${event.name}Payload`;
    const handlerName = `${event.name}Handler`;
    const imports = ModuleImports.forModule(module, [event.name, payloadName, handlerName]);
    // State first: if a shape is also called State, the shape is the one renamed.
    const stateLocal = imports.add("state", "State");
    const payload = this.valueType(imports, event.payload, "unknown");
    this.index.push({ module, names: [event.name, payloadName, handlerName].map((name) => ({ name, typeOnly: true })) });
    return this.t.event({
      header: this.header(event.file),
      imports: imports.lines(),
      name: event.name,
      source: this.options.source(event.file),
      payloadName,
      handlerName,
      payload,
      stateLocal,
      handlers: event.handlers.map((h) => h.name),
      triggers: event.triggers.map((t) => t.name),
    });
  }

  private websocket(ws: WsDef): string {
    const module = `websockets/${snakeCase(ws.name)}`;
    const messageName = `${ws.name}Message`;
    const connectionName = `${ws.name}Connection`;
    const handlerName = `${ws.name}Handler`;
    const imports = ModuleImports.forModule(module, [messageName, connectionName, handlerName]);
    // State first: if a shape is also called State, the shape is the one renamed.
    const stateLocal = imports.add("state", "State");
    const data = this.valueType(imports, ws.message, "unknown");
    this.index.push({ module, names: [messageName, connectionName, handlerName].map((name) => ({ name, typeOnly: true })) });
    return this.t.websocket({
      header: this.header(ws.file),
      imports: imports.lines(),
      name: ws.name,
      path: ws.path,
      source: this.options.source(ws.file),
      messageName,
      connectionName,
      handlerName,
      stateLocal,
      data,
      pathParams: pathParams(ws.path).map(propertyName),
    });
  }

  private state(): string {
    const names = ["EventPayloads", "EventName", "Logger", "State", "MiddlewareContext", "MiddlewareResult", "Middleware"];
    const imports = ModuleImports.forModule("state", names);
    const events = this.schema.events
      .filter((e) => this.schema.eventByName.get(e.name) === e)
      .map((e) => ({ name: propertyName(e.name), payload: this.valueType(imports, e.payload, "unknown") }));
    this.index.push({ module: "state", names: names.map((name) => ({ name, typeOnly: true })) });
    return this.t.state({ header: this.header(), imports: imports.lines(), events });
  }

  /** Named re-exports; when two modules export one name, the first keeps it and the rest are listed. */
  private indexModule(): string {
    const order = ["models/", "dto/", "schemas", "api/", "events/", "websockets/", "state"];
    const rank = (module: string) => order.findIndex((prefix) => module.startsWith(prefix));
    const modules = [...this.index].sort((a, b) => rank(a.module) - rank(b.module));
    const exported = new Set<string>();
    const exports: string[] = [];
    const skipped: string[] = [];
    for (const { module, names } of modules) {
      const fresh = names.filter((n) => !exported.has(n.name));
      for (const n of names) if (exported.has(n.name)) skipped.push(`${n.name} from ./${module}`);
      if (fresh.length === 0) continue;
      for (const n of fresh) exported.add(n.name);
      const allTypes = fresh.every((n) => n.typeOnly);
      const list = fresh.map((n) => (!allTypes && n.typeOnly ? `type ${n.name}` : n.name)).join(", ");
      exports.push(`export ${allTypes ? "type " : ""}{ ${list} } from "./${module}";`);
    }
    return this.t.index({ header: this.header(), exports, skipped });
  }

  private header(file?: string): string {
    return generatedHeader(file ? this.options.source(file) : this.options.schemaLabel);
  }

  // ── stubs ─────────────────────────────────────────────────────────────

  stubs(): GeneratedFile[] {
    const out: GeneratedFile[] = [];
    const apis = new Map(this.schema.apis.map((a) => [a.name, a]));
    const crons = new Map<string, CronDef>();
    for (const cron of this.schema.crons) {
      const name = cron.handler?.name ?? cron.name;
      if (!crons.has(name)) crons.set(name, cron);
    }
    for (const ref of handlerRefs(this.schema)) {
      const path = handlerPath(ref, "typescript", this.options.srcDir);
      const imports = new ModuleImports((target) => this.fromStub(path, target), ["handler", "middleware"]);
      imports.add("state", "State");
      let content: string;
      switch (ref.kind) {
        case "api":
          content = this.apiStub(apis.get(ref.name)!, path, imports);
          break;
        case "event":
          content = this.eventStub(ref.name, imports);
          break;
        case "cron":
          content = this.cronStub(crons.get(ref.name)!, imports);
          break;
        case "websocket":
          content = this.websocketStub(ref.name, imports);
          break;
        case "middleware":
          content = this.middlewareStub(ref.name, imports);
          break;
      }
      out.push({ path, content });
    }
    return out;
  }

  private readonly generatedFromStubDir = new Map<string, string>();

  /** Relative specifier from a stub to a generated module: stubs must run under Bun without path aliases. */
  private fromStub(stubPath: string, target: string): string {
    const dir = posix.dirname(stubPath);
    let prefix = this.generatedFromStubDir.get(dir);
    if (prefix === undefined) {
      const rel = posix.relative(dir, this.generatedDir);
      prefix = rel.startsWith(".") ? rel : `./${rel}`;
      this.generatedFromStubDir.set(dir, prefix);
    }
    return `${prefix}/${target}`;
  }

  private apiStub(api: ApiDef, path: string, imports: ModuleImports): string {
    const module = `api/${snakeCase(api.name)}`;
    return this.t["stub-api"]({
      name: api.name,
      method: api.method,
      path: api.path,
      source: this.options.source(api.file),
      file: path,
      request: imports.add(module, `${api.name}Request`),
      response: imports.add(module, `${api.name}Response`),
      state: imports.add("state", "State"),
      imports: imports.lines(),
      triggers: api.triggers.map((t) => t.name),
    });
  }

  private eventStub(handler: string, imports: ModuleImports): string {
    const events = this.uses.events.get(handler) ?? [];
    const eventType = events.map((e) => imports.add(`events/${snakeCase(e.name)}`, e.name)).join(" | ");
    return this.t["stub-event"]({
      handler,
      events: events.map((e) => e.name),
      source: [...new Set(events.map((e) => this.options.source(e.file)))].join(", "),
      eventType,
      state: imports.add("state", "State"),
      imports: imports.lines(),
      triggers: events.filter((e) => e.triggers.length).map((e) => ({ event: e.name, targets: e.triggers.map((t) => t.name) })),
    });
  }

  private cronStub(cron: CronDef, imports: ModuleImports): string {
    return this.t["stub-cron"]({
      name: cron.name,
      schedule: cron.schedule,
      source: this.options.source(cron.file),
      state: imports.add("state", "State"),
      imports: imports.lines(),
      triggers: cron.triggers.map((t) => t.name),
    });
  }

  private websocketStub(handler: string, imports: ModuleImports): string {
    const uses = this.uses.websockets.get(handler) ?? [];
    const sockets = [...new Set(uses.map((u) => u.ws))];
    const message = sockets.map((ws) => imports.add(`websockets/${snakeCase(ws.name)}`, `${ws.name}Message`)).join(" | ");
    const connection = sockets.map((ws) => imports.add(`websockets/${snakeCase(ws.name)}`, `${ws.name}Connection`)).join(" | ");
    return this.t["stub-websocket"]({
      handler,
      roles: uses.map((u) => `${u.role} of ws ${u.ws.name}`),
      source: [...new Set(sockets.map((ws) => this.options.source(ws.file)))].join(", "),
      message,
      connection,
      state: imports.add("state", "State"),
      imports: imports.lines(),
      echo: uses.some((u) => u.role === "onMessage"),
    });
  }

  private middlewareStub(name: string, imports: ModuleImports): string {
    const users = this.uses.middlewares.get(name) ?? [];
    return this.t["stub-middleware"]({
      name,
      usedBy: users.map((u) => u.label),
      source: [...new Set(users.map((u) => this.options.source(u.file)))].join(", "),
      context: imports.add("state", "MiddlewareContext"),
      result: imports.add("state", "MiddlewareResult"),
      state: imports.add("state", "State"),
      imports: imports.lines(),
    });
  }
}

interface HandlerUses {
  events: Map<string, EventDef[]>;
  websockets: Map<string, { ws: WsDef; role: "onConnect" | "onMessage" | "onDisconnect" }[]>;
  middlewares: Map<string, { label: string; file: string }[]>;
}

/** Who names each handler and middleware, built once (stubs look it up per name). */
function handlerUses(schema: Schema): HandlerUses {
  const out: HandlerUses = { events: new Map(), websockets: new Map(), middlewares: new Map() };
  const push = <T>(map: Map<string, T[]>, key: string, value: T) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const event of schema.events) {
    if (schema.eventByName.get(event.name) !== event) continue;
    for (const name of new Set(event.handlers.map((h) => h.name))) push(out.events, name, event);
  }
  for (const api of schema.apis) {
    for (const name of new Set(api.middlewares.map((m) => m.name))) push(out.middlewares, name, { label: `api ${api.name}`, file: api.file });
  }
  for (const ws of schema.websockets) {
    for (const role of ["onConnect", "onMessage", "onDisconnect"] as const) {
      for (const name of new Set(ws[role].map((h) => h.name))) push(out.websockets, name, { ws, role });
    }
    for (const name of new Set(ws.middlewares.map((m) => m.name))) push(out.middlewares, name, { label: `ws ${ws.name}`, file: ws.file });
  }
  return out;
}
