/** .ro types → TypeScript types and TypeBox expressions. */
import type { Attribute, TypeRef, Value } from "../../grammar/ast.ts";
import { isScalar, type ScalarType, type ShapeDef } from "../../core/schema.ts";
import { snakeCase } from "../../core/handler-refs.ts";

export type DateTimeMode = "string" | "date";

/** Generated module id (under src/generated) of a model, type or input. */
export function shapeModule(shape: Pick<ShapeDef, "kind" | "name">): string {
  return `${shape.kind === "model" ? "models" : "dto"}/${snakeCase(shape.name)}`;
}

const TS_SCALARS: Record<ScalarType, string> = {
  String: "string",
  Int: "number",
  Float: "number",
  Boolean: "boolean",
  DateTime: "string",
  Json: "unknown",
};

/**
 * The TypeScript type of a reference, without its optional marker (fields put
 * `?` on the property). `shapeName` maps a shape to its local (imported) name.
 */
export function tsType(ref: TypeRef, dateTime: DateTimeMode, shapeName: (name: string) => string): string {
  let base: string;
  if (isScalar(ref.name)) base = ref.name === "DateTime" && dateTime === "date" ? "Date" : TS_SCALARS[ref.name];
  else base = shapeName(ref.name);
  return ref.array ? `${base}[]` : base;
}

/** TypeBox expression of a field inside `Type.Module` (shapes referenced by name with `Type.Ref`). */
export function typeboxType(ref: TypeRef, defaultValue?: unknown): string {
  const options = defaultValue === undefined ? "" : `{ default: ${JSON.stringify(defaultValue)} }`;
  let base: string;
  switch (ref.name) {
    case "String":
      base = `Type.String(${options})`;
      break;
    case "Int":
      base = `Type.Integer(${options})`;
      break;
    case "Float":
      base = `Type.Number(${options})`;
      break;
    case "Boolean":
      base = `Type.Boolean(${options})`;
      break;
    case "DateTime":
      // The wire format: JSON carries dates as ISO-8601 strings.
      base = `Type.String({ format: "date-time"${options ? `, default: ${JSON.stringify(defaultValue)}` : ""} })`;
      break;
    case "Json":
      base = "Type.Unknown()";
      break;
    default:
      base = `Type.Ref(${JSON.stringify(ref.name)})`;
  }
  if (ref.array) base = `Type.Array(${base})`;
  return ref.optional ? `Type.Optional(${base})` : base;
}

/** A literal `@default(…)` value usable as a default (strings, numbers, booleans); calls like now() are not. */
export function literalDefault(attributes: Attribute[], type: TypeRef): unknown {
  if (type.array || !isScalar(type.name)) return undefined;
  const attr = attributes.find((a) => a.name === "default" && !a.blockLevel);
  const value = attr?.args[0];
  if (!value) return undefined;
  switch (value.kind) {
    case "string":
      return type.name === "String" ? value.value : undefined;
    case "number":
      return type.name === "Int" ? (Number.isInteger(value.value) ? value.value : undefined) : type.name === "Float" ? value.value : undefined;
    case "boolean":
      return type.name === "Boolean" ? value.value : undefined;
    default:
      return undefined;
  }
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

/** A `.ro` type written back as text, for comments: `String[]?`. */
export function typeText(ref: TypeRef): string {
  return `${ref.name}${ref.array ? "[]" : ""}${ref.optional ? "?" : ""}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name, quoted when it is not an identifier. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}
