/**
 * Values as the author wrote them. buildSchema fills defaults when a property
 * is missing or malformed (path "/", method GET, schedule "") and reports that
 * itself; checks read the written value instead, so a missing path is not also
 * a duplicate route and a bad method is not also a GET with a body.
 *
 * Any value other than the default must have been written, so only defaults
 * send us to the property list (this runs for every block of large schemas).
 */
import type { PropertyNode, Span } from "../../grammar/ast.ts";
import type { ApiDef, CronDef, HttpMethod, WsDef } from "../schema.ts";

interface HasProperties {
  properties: PropertyNode[];
}

/** The first `key:` property (buildSchema ignores later duplicates and reports them). */
function property(def: HasProperties, key: string): PropertyNode | undefined {
  const props = def.properties;
  for (let i = 0; i < props.length; i++) if (props[i]!.key === key) return props[i];
  return undefined;
}

/** A quoted-string property such as `path` or `schedule`, with its span, if written as one. */
export function writtenString(def: HasProperties, key: string): { value: string; span: Span } | undefined {
  const value = property(def, key)?.value;
  return value?.kind === "string" ? { value: value.value, span: value.span } : undefined;
}

/** The path, if written as a string. */
export function writtenPath(def: ApiDef | WsDef): string | undefined {
  return def.path !== "/" ? def.path : writtenString(def, "path")?.value;
}

/** The span of the written path's string literal (call only when writtenPath gave a path). */
export function pathSpan(def: ApiDef | WsDef): Span {
  return writtenString(def, "path")?.span ?? def.span;
}

/** The API's method, if the author wrote a known one. */
export function writtenMethod(api: ApiDef): HttpMethod | undefined {
  if (api.method !== "GET") return api.method;
  const value = property(api, "method")?.value;
  if (value?.kind !== "ident" && value?.kind !== "string") return undefined;
  return value.value.toUpperCase() === "GET" ? "GET" : undefined;
}

/** The cron schedule, with its span, if written as a string. */
export function writtenSchedule(cron: CronDef): { value: string; span: Span } | undefined {
  return cron.schedule !== "" ? { value: cron.schedule, span: cron.scheduleSpan } : writtenString(cron, "schedule");
}
