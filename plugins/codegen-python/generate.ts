/**
 * Schema → Python, in the Rohas v0.1.0 layout: the `generated` package of
 * pydantic v2 models under src/generated (rewritten on every run) and
 * snake_case handler stubs (created once). A pure function of the schema, so
 * it is tested against golden files and benchmarked without the disk.
 */
import { compileTemplate, generatedHeader } from "../../core/generate-context.ts";
import { handlerPath, handlerRefs, snakeCase as snakeCaseUncached } from "../../core/handler-refs.ts";
import type { ApiDef, CronDef, EventDef, Schema, ShapeDef, WsDef } from "../../core/schema.ts";
import type { TypeRef } from "../../grammar/ast.ts";
import { pythonTemplates } from "../../templates/python/index.ts";
import { PyImports } from "./imports.ts";
import { attributeName, attributesText, pyHint, pythonDefault, pyString, shapeCycles, shapeModule, typeText, type HintNames } from "./types.ts";

export interface GeneratedFile {
  /** Relative to the project directory. */
  path: string;
  content: string;
}

export interface PythonOptions {
  /** `[project] src_dir`. */
  srcDir: string;
  /** Label of a schema file in headers (relative to the project, e.g. schema/api/user.ro). */
  source(file: string): string;
  /** Label for files generated from the whole schema (e.g. schema/). */
  schemaLabel: string;
}

export interface PythonOutput {
  files: GeneratedFile[];
  stubs: GeneratedFile[];
}

const SUBPACKAGES = {
  models: "Models generated from the schema's `model` blocks.",
  dto: "Inputs and types generated from the schema's `input` and `type` blocks.",
  api: "Request and response models of every api.",
  events: "Event classes: `payload` and `timestamp`.",
  websockets: "Message and connection models of every ws block.",
} as const;

type Render = (data: object) => string;

/** snake_case names are asked for many times per block; remember them. */
const snakeNames = new Map<string, string>();
function snakeCase(name: string): string {
  let snake = snakeNames.get(name);
  if (snake === undefined) snakeNames.set(name, (snake = snakeCaseUncached(name)));
  return snake;
}
let templates: Record<keyof typeof pythonTemplates, Render> | undefined;

function compileAll(): Record<keyof typeof pythonTemplates, Render> {
  const out = {} as Record<keyof typeof pythonTemplates, Render>;
  for (const name of Object.keys(pythonTemplates) as (keyof typeof pythonTemplates)[]) out[name] = compileTemplate(pythonTemplates[name]);
  return out;
}

export function generatePython(schema: Schema, options: PythonOptions): PythonOutput {
  templates ??= compileAll();
  const gen = new PythonGenerator(schema, options, templates);
  return { files: gen.files(), stubs: gen.stubs() };
}

interface FieldView {
  name: string;
  annotation: string;
  value?: string;
  comment?: string;
}

/** A field before its attribute name is chosen (that depends on every hint of the class). */
interface PendingField {
  schemaName: string;
  annotation: string;
  /** Python source of the default, if any. */
  default?: string;
  /** A callable making the default (`dict`), for mutable defaults. */
  defaultFactory?: string;
  comment?: string;
}

class PythonGenerator {
  private readonly generatedDir: string;
  private readonly cycles: Map<string, number>;
  private readonly uses: HandlerUses;

  constructor(
    private readonly schema: Schema,
    private readonly options: PythonOptions,
    private readonly t: Record<keyof typeof pythonTemplates, Render>,
  ) {
    this.generatedDir = `${options.srcDir}/generated`;
    this.cycles = shapeCycles(schema.shapes, schema.shapeByName);
    this.uses = handlerUses(schema);
  }

  files(): GeneratedFile[] {
    const out: GeneratedFile[] = [];
    const emit = (module: string, content: string) =>
      out.push({ path: `${this.options.srcDir}/${module.replaceAll(".", "/")}.py`, content });
    emit("generated.__init__", this.rootInit());
    for (const [name, doc] of Object.entries(SUBPACKAGES)) {
      emit(`generated.${name}.__init__`, this.t.init({ header: this.header(), doc, imports: [], all: [] }));
    }
    emit("generated.state", this.t.state({ header: this.header(), events: this.canonicalEvents().map((e) => e.name) }));
    for (const shape of this.schema.shapes) if (this.isCanonical(shape)) emit(shapeModule(shape), this.shape(shape));
    for (const api of this.schema.apis) emit(`generated.api.${snakeCase(api.name)}`, this.api(api));
    for (const event of this.canonicalEvents()) emit(`generated.events.${snakeCase(event.name)}`, this.event(event));
    for (const ws of this.schema.websockets) emit(`generated.websockets.${snakeCase(ws.name)}`, this.websocket(ws));
    return out;
  }

  /** Duplicated names are reported by validation; generate the first definition only. */
  private isCanonical(shape: ShapeDef): boolean {
    return this.schema.shapeByName.get(shape.name) === shape;
  }

  private canonicalEvents(): EventDef[] {
    return this.schema.events.filter((e) => this.schema.eventByName.get(e.name) === e);
  }

  private header(file?: string): string {
    return generatedHeader(file ? this.options.source(file) : this.options.schemaLabel, "#");
  }

  private hintNames(imports: PyImports, self?: ShapeDef): HintNames {
    const selfCycle = self ? this.cycles.get(self.name) : undefined;
    return {
      any: () => imports.add("typing", "Any"),
      datetime: () => imports.add("datetime", "datetime"),
      optional: () => imports.add("typing", "Optional"),
      shape: (name) => {
        if (self && name === self.name) return name;
        const target = this.schema.shapeByName.get(name);
        if (!target) return imports.add("typing", "Any");
        const late = selfCycle !== undefined && this.cycles.get(name) === selfCycle;
        return imports.add(shapeModule(target), target.name, late);
      },
    };
  }

  /**
   * Chooses attribute names (aliasing keywords and names that would shadow a
   * hint) and renders each field's `= ...` part.
   */
  private fieldViews(pending: PendingField[], imports: PyImports, reserved: string[] = []): { fields: FieldView[]; aliased: boolean; modelNamespace: boolean } {
    const hintNames = new Set<string>(["Field"]);
    for (const p of pending) for (const word of p.annotation.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) hintNames.add(word);
    const used = new Set(reserved);
    let aliased = false;
    let modelNamespace = false;
    const fields = pending.map((p) => {
      const name = attributeName(p.schemaName, hintNames, used);
      if (name.startsWith("model_")) modelNamespace = true;
      const alias = name !== p.schemaName;
      if (alias) aliased = true;
      let value = p.default;
      if (alias || p.defaultFactory) {
        const args = [
          p.defaultFactory ? `default_factory=${p.defaultFactory}` : p.default !== undefined ? `default=${p.default}` : undefined,
          alias ? `alias=${pyString(p.schemaName)}` : undefined,
        ].filter(Boolean);
        value = `${imports.add("pydantic", "Field")}(${args.join(", ")})`;
      }
      return { name, annotation: p.annotation, value, comment: p.comment };
    });
    return { fields, aliased, modelNamespace };
  }

  private modelConfig(imports: PyImports, view: { aliased: boolean; modelNamespace: boolean }): string {
    const options = ["from_attributes=True"];
    // The schema's name stays the wire name; handlers may use either.
    if (view.aliased) options.push("populate_by_name=True", "serialize_by_alias=True");
    if (view.modelNamespace) options.push("protected_namespaces=()");
    return `${imports.add("pydantic", "ConfigDict")}(${options.join(", ")})`;
  }

  private pendingField(schemaName: string, ref: TypeRef, names: HintNames, defaultValue?: string, comment?: string): PendingField {
    const annotation = pyHint(ref, names);
    const value = defaultValue ?? (ref.optional ? "None" : undefined);
    return { schemaName, annotation, default: value, comment: comment || undefined };
  }

  // ── shapes ────────────────────────────────────────────────────────────

  private shape(shape: ShapeDef): string {
    const module = shapeModule(shape);
    const imports = new PyImports(module, [shape.name]);
    imports.add("pydantic", "BaseModel");
    const names = this.hintNames(imports, shape);
    const pending = shape.fields.map((f) =>
      this.pendingField(f.name, f.type, names, pythonDefault(f.attributes, f.type), attributesText(f.attributes)),
    );
    const view = this.fieldViews(pending, imports);
    const config = this.modelConfig(imports, view);
    const cycle = this.cycles.get(shape.name);
    const partners = cycle === undefined ? [] : this.schema.shapes.filter((s) => s !== shape && this.cycles.get(s.name) === cycle).map((s) => s.name);
    return this.t.shape({
      header: this.header(shape.file),
      imports: imports.lines(),
      late: imports.lateLines(),
      lateNote: `${[shape.name, ...partners].join(", ")} refer to each other: imported after the class so every module can load.`,
      kind: shape.kind,
      name: shape.name,
      source: this.options.source(shape.file),
      config,
      fields: view.fields,
    });
  }

  // ── apis, events, websockets ──────────────────────────────────────────

  private api(api: ApiDef): string {
    const module = `generated.api.${snakeCase(api.name)}`;
    const requestName = `${api.name}Request`;
    const responseName = `${api.name}Response`;
    const handlerName = `${api.name}Handler`;
    const imports = new PyImports(module, [requestName, responseName, handlerName]);
    // State first: if a shape is also called State, the shape is the one renamed.
    const stateLocal = imports.add("generated.state", "State");
    imports.add("pydantic", "BaseModel");
    const names = this.hintNames(imports);
    const pending: PendingField[] = api.pathParams.map((p) => ({ schemaName: p, annotation: "str", comment: `path parameter :${p}` }));
    if (api.body) pending.push(this.pendingField("body", api.body, names));
    pending.push(
      api.query
        ? this.pendingField("query_params", api.query, names)
        : { schemaName: "query_params", annotation: "dict[str, str]", defaultFactory: "dict" },
    );
    pending.push({ schemaName: "headers", annotation: "dict[str, str]", defaultFactory: "dict" });
    // Path parameters come first; the fixed fields keep their names if a parameter is called `body`.
    const view = this.fieldViews(pending, imports);
    const data = api.response ? this.pendingField("data", api.response, names) : { annotation: names.any(), default: "None" };
    imports.add("pydantic", "ConfigDict");
    imports.add("typing", "Awaitable");
    imports.add("typing", "Callable");
    return this.t.api({
      header: this.header(api.file),
      name: api.name,
      method: api.method,
      path: api.path,
      source: this.options.source(api.file),
      requestName,
      responseName,
      handlerName,
      stateLocal,
      requestConfig: this.modelConfig(imports, view),
      requestFields: view.fields,
      data: { annotation: data.annotation, value: data.default },
      responseDoc: api.response ? `response: ${typeText(api.response)}` : "no response type declared",
      imports: imports.lines(),
    });
  }

  private event(event: EventDef): string {
    const module = `generated.events.${snakeCase(event.name)}`;
    const handlerName = `${event.name}Handler`;
    const imports = new PyImports(module, [event.name, handlerName]);
    const stateLocal = imports.add("generated.state", "State");
    for (const name of ["BaseModel", "ConfigDict", "Field"]) imports.add("pydantic", name);
    const names = this.hintNames(imports);
    const payload = event.payload ? this.pendingField("payload", event.payload, names) : { annotation: names.any(), default: "None" };
    const datetime = names.datetime();
    const timezone = imports.add("datetime", "timezone");
    imports.add("typing", "Awaitable");
    imports.add("typing", "Callable");
    return this.t.event({
      header: this.header(event.file),
      name: event.name,
      source: this.options.source(event.file),
      handlerName,
      stateLocal,
      payload: { annotation: payload.annotation, value: payload.default },
      datetime,
      timezone,
      handlers: event.handlers.map((h) => h.name),
      triggers: event.triggers.map((t) => t.name),
      imports: imports.lines(),
    });
  }

  private websocket(ws: WsDef): string {
    const module = `generated.websockets.${snakeCase(ws.name)}`;
    const messageName = `${ws.name}Message`;
    const connectionName = `${ws.name}Connection`;
    const handlerName = `${ws.name}Handler`;
    const imports = new PyImports(module, [messageName, connectionName, handlerName]);
    const stateLocal = imports.add("generated.state", "State");
    for (const name of ["BaseModel", "ConfigDict", "Field", "model_validator"]) imports.add("pydantic", name);
    const names = this.hintNames(imports);
    const data = ws.message ? pyHint(ws.message, names) : names.any();
    const view = {
      header: this.header(ws.file),
      name: ws.name,
      path: ws.path,
      source: this.options.source(ws.file),
      messageName,
      connectionName,
      handlerName,
      data,
      any: names.any(),
      optional: names.optional(),
      datetime: names.datetime(),
      timezone: imports.add("datetime", "timezone"),
      stateLocal,
    };
    imports.add("typing", "Awaitable");
    imports.add("typing", "Callable");
    return this.t.websocket({ ...view, imports: imports.lines() });
  }

  /** `generated/__init__.py`: State and every model, as Rohas v0.1.0 exported them. */
  private rootInit(): string {
    const imports = new PyImports("generated.__init__", []);
    const all = [imports.add("generated.state", "State"), imports.add("generated.state", "TriggeredEvent")];
    for (const shape of this.schema.shapes) {
      if (shape.kind === "model" && this.isCanonical(shape)) all.push(imports.add(shapeModule(shape), shape.name));
    }
    return this.t.init({
      header: this.header(),
      doc: "Code generated by rohas from the schema: import from generated.models, .dto, .api, .events, .websockets and .state.",
      imports: imports.lines(),
      all,
    });
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
      const path = handlerPath(ref, "python", this.options.srcDir);
      const fn = functionName(ref.kind, ref.name);
      const imports = new PyImports(undefined, [fn]);
      imports.add("generated.state", "State");
      let content: string;
      switch (ref.kind) {
        case "api":
          content = this.apiStub(apis.get(ref.name)!, path, fn, imports);
          break;
        case "event":
          content = this.eventStub(ref.name, fn, imports);
          break;
        case "cron":
          content = this.cronStub(crons.get(ref.name)!, fn, imports);
          break;
        case "websocket":
          content = this.websocketStub(ref.name, fn, imports);
          break;
        case "middleware":
          content = this.middlewareStub(ref.name, fn, imports);
          break;
      }
      out.push({ path, content });
    }
    return out;
  }

  private apiStub(api: ApiDef, path: string, fn: string, imports: PyImports): string {
    const module = `generated.api.${snakeCase(api.name)}`;
    return this.t["stub-api"]({
      name: api.name,
      method: api.method,
      path: api.path,
      source: this.options.source(api.file),
      file: path,
      function: fn,
      request: imports.add(module, `${api.name}Request`),
      response: imports.add(module, `${api.name}Response`),
      state: imports.add("generated.state", "State"),
      triggers: api.triggers.map((t) => t.name),
      imports: imports.lines(),
    });
  }

  private eventStub(handler: string, fn: string, imports: PyImports): string {
    const events = this.uses.events.get(handler) ?? [];
    const types = events.map((e) => imports.add(`generated.events.${snakeCase(e.name)}`, e.name));
    const eventType = types.length === 1 ? types[0]! : `${imports.add("typing", "Union")}[${types.join(", ")}]`;
    return this.t["stub-event"]({
      handler,
      function: fn,
      events: events.map((e) => e.name),
      source: [...new Set(events.map((e) => this.options.source(e.file)))].join(", "),
      eventType,
      state: imports.add("generated.state", "State"),
      triggers: events.filter((e) => e.triggers.length).map((e) => ({ event: e.name, targets: e.triggers.map((t) => t.name) })),
      imports: imports.lines(),
    });
  }

  private cronStub(cron: CronDef, fn: string, imports: PyImports): string {
    return this.t["stub-cron"]({
      name: cron.name,
      schedule: cron.schedule,
      source: this.options.source(cron.file),
      function: fn,
      any: imports.add("typing", "Any"),
      state: imports.add("generated.state", "State"),
      triggers: cron.triggers.map((t) => t.name),
      imports: imports.lines(),
    });
  }

  private websocketStub(handler: string, fn: string, imports: PyImports): string {
    const uses = this.uses.websockets.get(handler) ?? [];
    const sockets = [...new Set(uses.map((u) => u.ws))];
    const union = (types: string[]) => (types.length === 1 ? types[0]! : `${imports.add("typing", "Union")}[${types.join(", ")}]`);
    const module = (ws: WsDef) => `generated.websockets.${snakeCase(ws.name)}`;
    const messages = uses.some((u) => u.role === "onMessage");
    const connects = uses.some((u) => u.role !== "onMessage");
    const style = messages && connects ? "mixed" : messages ? "message" : "connection";
    let message = style === "connection" ? "" : union(sockets.map((ws) => imports.add(module(ws), `${ws.name}Message`)));
    if (style === "mixed") message = `${imports.add("typing", "Optional")}[${message}]`;
    const connection = union(sockets.map((ws) => imports.add(module(ws), `${ws.name}Connection`)));
    return this.t["stub-websocket"]({
      handler,
      function: fn,
      roles: uses.map((u) => `${u.role} of ws ${u.ws.name}`),
      source: [...new Set(sockets.map((ws) => this.options.source(ws.file)))].join(", "),
      style,
      message,
      connection,
      state: imports.add("generated.state", "State"),
      imports: imports.lines(),
    });
  }

  private middlewareStub(name: string, fn: string, imports: PyImports): string {
    const users = this.uses.middlewares.get(name) ?? [];
    return this.t["stub-middleware"]({
      name,
      function: fn,
      usedBy: users.map((u) => u.label),
      source: [...new Set(users.map((u) => this.options.source(u.file)))].join(", "),
      any: imports.add("typing", "Any"),
      dict: imports.add("typing", "Dict"),
      optional: imports.add("typing", "Optional"),
      state: imports.add("generated.state", "State"),
      imports: imports.lines(),
    });
  }
}

/** The function a Python handler file defines, as the Python runtime looks it up (v0.1.0 names). */
export function functionName(kind: "api" | "event" | "cron" | "websocket" | "middleware", name: string): string {
  switch (kind) {
    case "api":
    case "cron":
      return `handle_${snakeCase(name)}`;
    case "event":
      // The runtime tries handle_<name> first, then <name>: a handler already called handle_x is found as is.
      return name.startsWith("handle_") ? name : `handle_${name}`;
    case "websocket":
      return name;
    case "middleware":
      return `${snakeCase(name)}_middleware`;
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
