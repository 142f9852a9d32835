/**
 * Rule 10 (warning): an `input` nothing refers to generates code no request
 * uses; usually a leftover or a typo on the referring side. A reference from
 * the input's own fields does not count.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { warning, type Schema } from "../schema.ts";
import { resolveTypes } from "./references.ts";
import { sourceIndex } from "./source.ts";

export function checkUnusedInputs(schema: Schema, diagnostics: Diagnostic[]): void {
  if (!schema.shapes.some((shape) => shape.kind === "input")) return;
  const { usedInputs } = resolveTypes(schema);
  for (const shape of schema.shapes) {
    if (shape.kind !== "input" || usedInputs.has(shape)) continue;
    // A second definition is never the one references resolve to: it is reported as a duplicate.
    if (schema.shapeByName.get(shape.name) !== shape) continue;
    diagnostics.push(
      warning(
        "validate/unused-input",
        `input ${shape.name} is not used`,
        sourceIndex(schema).nameSpan(shape.span),
        "use it as an api body or query, a ws message or a field type, or remove it",
      ),
    );
  }
}
