/** .ro types → Python type hints, defaults and safe attribute names. */
import type { Attribute, TypeRef, Value } from "../../grammar/ast.ts";
import { isScalar, type ShapeDef } from "../../core/schema.ts";
import { snakeCase } from "../../core/handler-refs.ts";

/** Dotted module of a model, type or input: generated.models.user, generated.dto.create_user_input. */
export function shapeModule(shape: Pick<ShapeDef, "kind" | "name">): string {
  return `generated.${shape.kind === "model" ? "models" : "dto"}.${snakeCase(shape.name)}`;
}

/**
 * Local names a type hint may need. The generator resolves each through the
 * module's imports, so a class called `datetime` or `Any` cannot shadow them.
 */
export interface HintNames {
  any(): string;
  datetime(): string;
  optional(): string;
  shape(name: string): string;
}

const PY_SCALARS: Record<string, string> = { String: "str", Int: "int", Float: "float", Boolean: "bool" };

/** The hint of a reference without its optional wrapper. */
export function pyType(ref: TypeRef, names: HintNames): string {
  let base: string;
  if (ref.name === "DateTime") base = names.datetime();
  else if (ref.name === "Json") base = names.any();
  else if (isScalar(ref.name)) base = PY_SCALARS[ref.name]!;
  else base = names.shape(ref.name);
  return ref.array ? `list[${base}]` : base;
}

/** The hint including `Optional[...]` for `T?`. */
export function pyHint(ref: TypeRef, names: HintNames): string {
  const type = pyType(ref, names);
  return ref.optional ? `${names.optional()}[${type}]` : type;
}

/** A literal `@default(…)` as Python source (strings, numbers, booleans); calls like now() are not literals. */
export function pythonDefault(attributes: Attribute[], type: TypeRef): string | undefined {
  if (type.array || !isScalar(type.name)) return undefined;
  const value = attributes.find((a) => a.name === "default" && !a.blockLevel)?.args[0];
  if (!value) return undefined;
  switch (value.kind) {
    case "string":
      return type.name === "String" ? pyString(value.value) : undefined;
    case "number":
      if (type.name === "Int") return Number.isInteger(value.value) ? String(value.value) : undefined;
      return type.name === "Float" ? pyFloat(value.value) : undefined;
    case "boolean":
      return type.name === "Boolean" ? (value.value ? "True" : "False") : undefined;
    default:
      return undefined;
  }
}

/** A Python string literal. JSON's escapes (\" \\ \n \uXXXX) mean the same in Python. */
export function pyString(text: string): string {
  return JSON.stringify(text);
}

function pyFloat(n: number): string {
  const text = String(n);
  return /[.eE]/.test(text) || !Number.isFinite(n) ? text : `${text}.0`;
}

const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);

/** BaseModel's own attributes: a field with one of these names would shadow it. */
const BASEMODEL_ATTRIBUTES = new Set(
  "construct copy dict from_orm json model_computed_fields model_config model_construct model_copy model_dump model_dump_json model_extra model_fields model_fields_set model_json_schema model_parametrized_name model_post_init model_rebuild model_validate model_validate_json model_validate_strings parse_file parse_obj parse_raw schema schema_json update_forward_refs validate".split(
    " ",
  ),
);

/**
 * The attribute name for a schema field. Keywords, BaseModel attributes,
 * names pydantic treats as private (leading `_`) and names the class's own
 * hints use (a field called `datetime` next to a DateTime field) get a
 * trailing `_` and keep the schema name as their alias.
 */
export function attributeName(name: string, hintNames: ReadonlySet<string>, used: Set<string>): string {
  let candidate = name.replace(/^_+/, "") || "field";
  if (candidate !== name || KEYWORDS.has(candidate) || BASEMODEL_ATTRIBUTES.has(candidate) || hintNames.has(candidate)) {
    candidate = `${candidate}_`;
  }
  while (used.has(candidate)) candidate = `${candidate}_`;
  used.add(candidate);
  return candidate;
}

/** Attributes as written (`@id @default(now)`), for a comment next to the field. */
export function attributesText(attributes: Attribute[]): string {
  return attributes.map((a) => `${a.blockLevel ? "@@" : "@"}${a.name}${a.args.length ? `(${a.args.map(valueText).join(", ")})` : ""}`).join(" ");
}

function valueText(value: Value): string {
  switch (value.kind) {
    case "ident":
      return value.value;
    case "string":
      return JSON.stringify(value.value);
    case "number":
    case "boolean":
      return String(value.value);
    case "list":
      return `[${value.items.map(valueText).join(", ")}]`;
    case "object":
      return `{ ${value.entries.map((e) => `${e.key}: ${valueText(e.value)}`).join(", ")} }`;
    case "type":
      return `${value.type.name}${value.type.array ? "[]" : ""}${value.type.optional ? "?" : ""}`;
    case "call":
      return `${value.callee}(${value.args.map(valueText).join(", ")})`;
  }
}

/** A `.ro` type written back as text, for docstrings: `String[]?`. */
export function typeText(ref: TypeRef): string {
  return `${ref.name}${ref.array ? "[]" : ""}${ref.optional ? "?" : ""}`;
}

/** The strongly connected components of the shape graph with more than one member: import cycles. */
export function shapeCycles(shapes: ShapeDef[], byName: Map<string, ShapeDef>): Map<string, number> {
  // Tarjan's algorithm, iterative so a long chain of shapes cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  const edges = (name: string): string[] => {
    const shape = byName.get(name);
    if (!shape) return [];
    const out = new Set<string>();
    for (const f of shape.fields) if (byName.has(f.type.name) && f.type.name !== name) out.add(f.type.name);
    return [...out];
  };
  for (const root of shapes) {
    if (index.has(root.name)) continue;
    const work: { name: string; next: string[]; i: number }[] = [];
    const enter = (name: string) => {
      index.set(name, counter);
      low.set(name, counter);
      counter++;
      stack.push(name);
      onStack.add(name);
      work.push({ name, next: edges(name), i: 0 });
    };
    enter(root.name);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.next.length) {
        const target = frame.next[frame.i++]!;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.name, Math.min(low.get(frame.name)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name)!, low.get(frame.name)!));
      if (low.get(frame.name) === index.get(frame.name)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          members.push(member);
        } while (member !== frame.name);
        if (members.length > 1) {
          for (const m of members) component.set(m, components);
          components++;
        }
      }
    }
  }
  return component;
}
