/**
 * Test support for the rules: .ro text → parse → buildSchema → core checks,
 * and compact views of diagnostics so a test can compare the full list.
 */
import { expect } from "bun:test";
import type { Diagnostic } from "../../grammar/ast.ts";
import { parse } from "../../grammar/parser.ts";
import { runCoreChecks } from "../checks.ts";
import { buildSchema, type Schema } from "../schema.ts";

export const MAIN = "schema/main.ro";

export type Sources = string | Record<string, string>;

function entries(sources: Sources): [string, string][] {
  return typeof sources === "string" ? [[MAIN, sources]] : Object.entries(sources);
}

export interface Validation {
  schema: Schema;
  parseDiagnostics: Diagnostic[];
  buildDiagnostics: Diagnostic[];
  /** What the core checks added. */
  diagnostics: Diagnostic[];
}

export function validate(sources: Sources): Validation {
  const files = [];
  const parseDiagnostics: Diagnostic[] = [];
  for (const [path, text] of entries(sources)) {
    const result = parse(text, path);
    files.push(result.file);
    parseDiagnostics.push(...result.diagnostics);
  }
  const { schema, diagnostics: buildDiagnostics } = buildSchema(files);
  return { schema, parseDiagnostics, buildDiagnostics, diagnostics: runCoreChecks(schema) };
}

/** Core-check diagnostics for sources that must parse and build without any diagnostic. */
export function check(sources: Sources): Diagnostic[] {
  const result = validate(sources);
  expect(result.parseDiagnostics).toEqual([]);
  expect(result.buildDiagnostics).toEqual([]);
  return result.diagnostics;
}

export interface Brief {
  code: string;
  severity: string;
  message: string;
  /** `file:line:column` of the span start. */
  at: string;
  /** Characters the span covers. */
  length: number;
  hint?: string;
}

export function brief(d: Diagnostic): Brief {
  const out: Brief = {
    code: d.code,
    severity: d.severity,
    message: d.message,
    at: d.span ? `${d.span.file}:${d.span.start.line}:${d.span.start.column}` : "(no span)",
    length: d.span ? d.span.end.offset - d.span.start.offset : 0,
  };
  if (d.hint !== undefined) out.hint = d.hint;
  return out;
}

/** `file:line:column` of the nth (1-based) occurrence of `needle` in a source. */
export function pos(sources: Sources, needle: string, nth = 1, file?: string): string {
  const [path, text] = entries(sources).find(([p]) => file === undefined || p === file)!;
  let offset = -1;
  for (let i = 0; i < nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`'${needle}' occurs fewer than ${nth} times in ${path}`);
  }
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${path}:${line}:${column}`;
}
