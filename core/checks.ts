/**
 * The core validation rules, tapped into `validate` like any plugin's rules.
 * Each rule is a function (schema, diagnostics) → void.
 */
import type { Diagnostic } from "../grammar/ast.ts";
import type { RohasHooks } from "./hooks.ts";
import type { Schema } from "./schema.ts";

export type Check = (schema: Schema, diagnostics: Diagnostic[]) => void;

export const CORE_CHECKS: Record<string, Check> = {};

export function registerCoreChecks(hooks: RohasHooks): void {
  for (const [name, check] of Object.entries(CORE_CHECKS)) {
    hooks.validate.tap(`core:${name}`, (schema, diagnostics) => check(schema, diagnostics));
  }
}
