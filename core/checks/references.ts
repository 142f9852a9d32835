/**
 * Rules 1 and 2: every type a schema names is a scalar or a declared shape, and
 * every event it triggers is declared. Type references are resolved in one
 * pass per schema, shared with the unused-input rule; descriptions of where a
 * reference sits are built only for the ones reported.
 */
import type { Diagnostic, TypeRef } from "../../grammar/ast.ts";
import { error, SCALAR_TYPES, type FieldDef, type NameRef, type Schema, type ShapeDef } from "../schema.ts";
import { Suggester } from "./suggester.ts";

const SCALARS: ReadonlySet<string> = new Set(SCALAR_TYPES);

export type TypeUse = "field" | "body" | "query" | "response" | "payload" | "message";

interface Owner {
  kind: string;
  name: string;
}

interface UnknownType {
  ref: TypeRef;
  use: TypeUse;
  owner: Owner;
  field?: FieldDef;
}

export interface TypeResolution {
  /** References to names that are neither scalars nor shapes, in schema order. */
  unknown: UnknownType[];
  /** Inputs referenced from anywhere but their own fields. */
  usedInputs: Set<ShapeDef>;
}

const resolutions = new WeakMap<Schema, TypeResolution>();

/** Resolves every type reference of the schema once. */
export function resolveTypes(schema: Schema): TypeResolution {
  let resolution = resolutions.get(schema);
  if (resolution) return resolution;
  const unknown: UnknownType[] = [];
  const usedInputs = new Set<ShapeDef>();
  const resolve = (ref: TypeRef, use: TypeUse, owner: Owner, field?: FieldDef) => {
    if (SCALARS.has(ref.name)) return;
    const shape = schema.shapeByName.get(ref.name);
    if (shape === undefined) {
      // An empty name comes from parser recovery, which has reported it already.
      if (ref.name !== "") unknown.push({ ref, use, owner, field });
    } else if (shape.kind === "input" && shape !== owner) {
      usedInputs.add(shape);
    }
  };
  for (const shape of schema.shapes) for (const field of shape.fields) resolve(field.type, "field", shape, field);
  for (const api of schema.apis) {
    if (api.body) resolve(api.body, "body", api);
    if (api.query) resolve(api.query, "query", api);
    if (api.response) resolve(api.response, "response", api);
  }
  for (const event of schema.events) if (event.payload) resolve(event.payload, "payload", event);
  for (const ws of schema.websockets) if (ws.message) resolve(ws.message, "message", ws);
  resolution = { unknown, usedInputs };
  resolutions.set(schema, resolution);
  return resolution;
}

function describeUse({ use, owner, field }: UnknownType): string {
  return use === "field" ? `field '${field?.name}' of ${owner.kind} ${owner.name}` : `${use} of ${owner.kind} ${owner.name}`;
}

export function checkUnknownTypes(schema: Schema, diagnostics: Diagnostic[]): void {
  const { unknown } = resolveTypes(schema);
  if (unknown.length === 0) return;
  const suggester = new Suggester([...SCALAR_TYPES, ...schema.shapeByName.keys()]);
  for (const found of unknown) {
    diagnostics.push(
      error(
        "validate/unknown-type",
        `unknown type '${found.ref.name}' in ${describeUse(found)}`,
        found.ref.span,
        suggester.hint(found.ref.name, `declare it as a model, type or input, or use a scalar: ${SCALAR_TYPES.join(", ")}`),
      ),
    );
  }
}

export function checkUnknownEvents(schema: Schema, diagnostics: Diagnostic[]): void {
  let suggester: Suggester | undefined;
  const visit = (owner: Owner, triggers: NameRef[]) => {
    for (const trigger of triggers) {
      if (trigger.name === "" || schema.eventByName.has(trigger.name)) continue;
      suggester ??= new Suggester(schema.eventByName.keys());
      diagnostics.push(
        error(
          "validate/unknown-event",
          `unknown event '${trigger.name}' in triggers of ${owner.kind} ${owner.name}`,
          trigger.span,
          suggester.hint(trigger.name, `declare it: event ${trigger.name} { payload: Json }`),
        ),
      );
    }
  };
  for (const api of schema.apis) visit(api, api.triggers);
  for (const event of schema.events) visit(event, event.triggers);
  for (const cron of schema.crons) visit(cron, cron.triggers);
  for (const ws of schema.websockets) visit(ws, ws.triggers);
}
