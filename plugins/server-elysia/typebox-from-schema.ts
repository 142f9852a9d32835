/**
 * Schema shapes (model/type/input) → TypeBox schemas, so request bodies, query
 * strings and WebSocket messages are checked by compiled TypeBox validators
 * built from the same `.ro` source as the generated types.
 *
 * Every shape reachable from the root becomes a `$id`-named object and shape
 * references become `Type.Ref`, so recursive and mutually recursive shapes
 * (User → Post → User) compile without unrolling.
 */
import { FormatRegistry, Type, type TSchema } from "@sinclair/typebox";
import type { TypeRef } from "../../grammar/ast.ts";
import type { FieldDef, ShapeDef } from "../../core/schema.ts";

/** RFC 3339 date-time, the form `Date.prototype.toISOString` writes (offset or Z, optional fraction). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

// The format registry is global; Elysia may have registered its own checker already.
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}

export interface TypeBoxOptions {
  /**
   * Make model fields written with `@auto` or `@default(...)` optional: the
   * server fills them, so a client sending a model as a body may omit them.
   */
  relaxGenerated?: boolean;
}

/** A root schema plus the named shapes it refers to, ready for `TypeCompiler.Compile(root, references)`. */
export interface CompiledShape {
  root: TSchema;
  references: TSchema[];
}

function scalar(name: string): TSchema | undefined {
  switch (name) {
    case "String":
      return Type.String();
    case "Int":
      return Type.Integer();
    case "Float":
      return Type.Number();
    case "Boolean":
      return Type.Boolean();
    case "DateTime":
      return Type.String({ format: "date-time" });
    case "Json":
      return Type.Unknown();
    default:
      return undefined;
  }
}

function hasAttribute(field: FieldDef, ...names: string[]): boolean {
  return field.attributes.some((a) => names.includes(a.name.replace(/^@+/, "")));
}

/**
 * Builds the TypeBox schema for a type reference (`User`, `String[]`, `Post?`).
 * Unknown type names (already reported by validation) accept anything rather
 * than failing every request.
 */
export function typeBoxFor(ref: TypeRef, shapes: Map<string, ShapeDef>, options: TypeBoxOptions = {}): CompiledShape {
  const named = new Map<string, TSchema>();

  const shapeSchema = (shape: ShapeDef): void => {
    if (named.has(shape.name)) return;
    // Reserve the name first so a cycle back to this shape becomes a Ref instead of recursing forever.
    named.set(shape.name, Type.Unknown());
    const properties: Record<string, TSchema> = {};
    for (const field of shape.fields) {
      const generated = options.relaxGenerated && hasAttribute(field, "auto", "default", "updatedAt");
      properties[field.name] = fieldSchema(field.type, generated);
    }
    named.set(shape.name, Type.Object(properties, { $id: shape.name }));
  };

  const baseSchema = (name: string): TSchema => {
    const s = scalar(name);
    if (s) return s;
    const shape = shapes.get(name);
    if (!shape) return Type.Unknown();
    shapeSchema(shape);
    return Type.Ref(name);
  };

  /** `T[]` → array, `T?` → optional and nullable (clients commonly send `null` for absent). */
  const fieldSchema = (type: TypeRef, forceOptional = false): TSchema => {
    let schema = baseSchema(type.name);
    if (type.array) schema = Type.Array(schema);
    if (type.optional || forceOptional) return Type.Optional(Type.Union([schema, Type.Null()]));
    return schema;
  };

  let root = baseSchema(ref.name);
  if (ref.array) root = Type.Array(root);
  if (ref.optional) root = Type.Union([root, Type.Null(), Type.Undefined()]);
  return { root, references: [...named.values()] };
}
