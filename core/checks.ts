/**
 * The core validation rules, tapped into `validate` like any plugin's rules.
 * Each rule is a function (schema, diagnostics) → void, one module per rule
 * family under core/checks/. Every rule is linear in the schema size: maps are
 * built once (or reused from buildSchema), nothing compares blocks pairwise
 * (except each ws path against the GET routes of its length: ws blocks are few).
 *
 * Shape problems (missing or malformed properties, unknown HTTP methods) are
 * reported by buildSchema; the rules read what was written (core/checks/
 * properties.ts) so such a problem is never reported a second time.
 *
 * Codes (errors unless marked):
 *   validate/unknown-type            type not a scalar, model, type or input      references.ts
 *   validate/unknown-event           `triggers` names no event                    references.ts
 *   validate/duplicate-name          second block of a name in its namespace      duplicates.ts
 *   validate/duplicate-field         second field of a name in a shape            duplicates.ts
 *   validate/path-no-leading-slash   path does not start with '/'                 paths.ts
 *   validate/path-invalid-char       whitespace, '?' or '#' in a path             paths.ts
 *   validate/path-empty-param        a ':' segment without a name                 paths.ts
 *   validate/path-bad-param          parameter name not an identifier             paths.ts
 *   validate/path-duplicate-param    parameter named twice in one path            paths.ts
 *   validate/duplicate-route         same method + path shape as another api      routes.ts
 *   validate/duplicate-ws-path       same path shape as another ws                routes.ts
 *   validate/ws-path-conflict        ws path shape equals a GET api's             routes.ts
 *   validate/ws-path-overlap         (warning) ws and GET paths share a request   routes.ts
 *   validate/body-on-get             `body` on a GET or HEAD api                  get-body.ts
 *   validate/cron-field-count        schedule without 5 or 6 fields               cron.ts
 *   validate/bad-cron                croner rejects the schedule                  cron.ts
 *   validate/cron-never-fires        (warning) valid schedule with no next run    cron.ts
 *   validate/bad-handler-name        handler/middleware name not an identifier    handlers.ts
 *   validate/duplicate-handler       name listed twice in one list                handlers.ts
 *   validate/trigger-cycle           (warning) handler-less events loop forever   cycles.ts
 *   validate/unused-input            (warning) input referenced by nothing        unused-inputs.ts
 */
import type { Diagnostic } from "../grammar/ast.ts";
import { checkCronSchedules } from "./checks/cron.ts";
import { checkDuplicateFields, checkDuplicateNames } from "./checks/duplicates.ts";
import { checkBodyOnGet } from "./checks/get-body.ts";
import { checkHandlerNames } from "./checks/handlers.ts";
import { checkPaths } from "./checks/paths.ts";
import { checkUnknownEvents, checkUnknownTypes } from "./checks/references.ts";
import { checkRoutes } from "./checks/routes.ts";
import { checkTriggerCycles } from "./checks/cycles.ts";
import { checkUnusedInputs } from "./checks/unused-inputs.ts";
import type { RohasHooks } from "./hooks.ts";
import type { Schema } from "./schema.ts";

export type Check = (schema: Schema, diagnostics: Diagnostic[]) => void;

/** Tapped as `core:<name>`, in this order. */
export const CORE_CHECKS: Record<string, Check> = {
  "duplicate-names": checkDuplicateNames,
  "duplicate-fields": checkDuplicateFields,
  "unknown-types": checkUnknownTypes,
  "unknown-events": checkUnknownEvents,
  paths: checkPaths,
  routes: checkRoutes,
  "body-on-get": checkBodyOnGet,
  "cron-schedules": checkCronSchedules,
  "handler-names": checkHandlerNames,
  "trigger-cycles": checkTriggerCycles,
  "unused-inputs": checkUnusedInputs,
};

export function registerCoreChecks(hooks: RohasHooks): void {
  for (const [name, check] of Object.entries(CORE_CHECKS)) {
    hooks.validate.tap(`core:${name}`, (schema, diagnostics) => check(schema, diagnostics));
  }
}

/** Runs every core rule directly (tests, tools that do not need the hook). */
export function runCoreChecks(schema: Schema): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const check of Object.values(CORE_CHECKS)) check(schema, diagnostics);
  return diagnostics;
}
