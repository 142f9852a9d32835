/**
 * Rules 3 and 11: names are unique within their namespace (models, types and
 * inputs share one, because they all become types of the same generated code;
 * apis, events, crons and ws each have their own), and field names are unique
 * within a shape. The second definition is reported, pointing at the first.
 */
import type { Diagnostic, Span } from "../../grammar/ast.ts";
import { error, type FieldDef, type Schema } from "../schema.ts";
import { sourceIndex, where } from "./source.ts";

interface Named {
  kind: string;
  name: string;
  span: Span;
}

const SHARED = "; models, types and inputs share one namespace";

export function checkDuplicateNames(schema: Schema, diagnostics: Diagnostic[]): void {
  // buildSchema already keeps the first shape and event of each name.
  reportAgainst(schema, diagnostics, schema.shapes, schema.shapeByName, SHARED);
  reportAgainst(schema, diagnostics, schema.apis, firstByName(schema.apis), "");
  reportAgainst(schema, diagnostics, schema.events, schema.eventByName, "");
  reportAgainst(schema, diagnostics, schema.crons, firstByName(schema.crons), "");
  reportAgainst(schema, diagnostics, schema.websockets, firstByName(schema.websockets), "");
}

function firstByName<T extends Named>(defs: T[]): Map<string, T> {
  const first = new Map<string, T>();
  for (const def of defs) if (!first.has(def.name)) first.set(def.name, def);
  return first;
}

function reportAgainst(schema: Schema, diagnostics: Diagnostic[], defs: Named[], first: Map<string, Named>, note: string): void {
  for (const def of defs) {
    const earlier = first.get(def.name);
    if (earlier === undefined || earlier === def || def.name === "") continue;
    const source = sourceIndex(schema);
    const what =
      earlier.kind === def.kind ? `${def.kind} ${def.name} is defined twice` : `${def.kind} ${def.name} clashes with ${earlier.kind} ${earlier.name}`;
    diagnostics.push(
      error("validate/duplicate-name", what, source.nameSpan(def.span), `first defined at ${where(source.nameSpan(earlier.span))}${note}`),
    );
  }
}

export function checkDuplicateFields(schema: Schema, diagnostics: Diagnostic[]): void {
  for (const shape of schema.shapes) {
    const fields = shape.fields;
    if (fields.length < 2) continue;
    // Shapes are small: looking back is cheaper than a map, which only large shapes get.
    const firstByField = fields.length > 16 ? new Map<string, FieldDef>() : undefined;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      let earlier: FieldDef | undefined;
      if (firstByField) {
        earlier = firstByField.get(field.name);
        if (!earlier) firstByField.set(field.name, field);
      } else {
        for (let j = 0; j < i && !earlier; j++) if (fields[j]!.name === field.name) earlier = fields[j];
      }
      if (!earlier) continue;
      diagnostics.push(
        error(
          "validate/duplicate-field",
          `field '${field.name}' is defined twice in ${shape.kind} ${shape.name}`,
          sourceIndex(schema).fieldNameSpan(field.span),
          `first defined at line ${earlier.span.start.line}; rename or remove one`,
        ),
      );
    }
  }
}
