/**
 * Rule 5: API and WebSocket paths are routable: they start with '/', contain
 * no whitespace, '?' or '#', and their `:param` segments have distinct names
 * that are identifiers (they become fields of the generated request types).
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, type ApiDef, type Schema, type WsDef } from "../schema.ts";
import { isIdentifier, toIdentifier } from "./names.ts";
import { pathSpan, writtenPath } from "./properties.ts";
import { sourceIndex } from "./source.ts";

export interface PathProblem {
  code: string;
  message: string;
  hint?: string;
  /** Character range in the path that the problem is about. */
  from: number;
  to: number;
}

const FORBIDDEN = /[\s?#]/;

function describeChar(char: string): string {
  if (char === "?") return "'?'";
  if (char === "#") return "'#'";
  return char === " " ? "a space" : "whitespace";
}

export interface PathAnalysis {
  /** Everything wrong with the path; empty when it can be routed. */
  problems: PathProblem[];
  /** What decides which requests it matches: parameter names and a trailing slash dropped. */
  shape: string;
}

const NONE: PathProblem[] = [];

/** Everything wrong with one path; an empty list means it can be routed. */
export function pathProblems(path: string): PathProblem[] {
  return analysePath(path).problems;
}

export function analysePath(path: string): PathAnalysis {
  const shape = plainShape(path);
  if (shape !== undefined) return { problems: NONE, shape };
  return { problems: findProblems(path), shape: routeShapeOf(path) };
}

const SLASH = 47; // "/"
const COLON = 58; // ":"

function isIdentifierChar(code: number, first: boolean): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || (!first && code >= 48 && code <= 57);
}

/**
 * The route shape of a path without problems, in one scan; undefined when the
 * path may have a problem (findProblems then says which). Most paths take
 * only this scan, which matters at thousands of routes.
 */
export function plainShape(path: string): string | undefined {
  if (path.charCodeAt(0) !== SLASH || FORBIDDEN.test(path)) return undefined;
  let shape = "";
  let copied = 0; // path[copied..] not yet appended to shape
  let params: string[] | undefined;
  for (let i = 1; i < path.length; i++) {
    if (path.charCodeAt(i) !== COLON || path.charCodeAt(i - 1) !== SLASH) continue;
    let end = i + 1;
    while (end < path.length && path.charCodeAt(end) !== SLASH) {
      if (!isIdentifierChar(path.charCodeAt(end), end === i + 1)) return undefined;
      end++;
    }
    if (end === i + 1) return undefined; // empty name
    const name = path.slice(i + 1, end);
    if (params?.includes(name)) return undefined;
    (params ??= []).push(name);
    shape += path.slice(copied, i + 1);
    copied = end;
    i = end;
  }
  shape = copied === 0 ? path : shape + path.slice(copied);
  return shape.length > 1 && shape.charCodeAt(shape.length - 1) === SLASH ? shape.slice(0, -1) : shape;
}

export function routeShapeOf(path: string): string {
  const shape = path.includes(":") ? path.replace(/(^|\/):[^/]*/g, "$1:") : path;
  return shape.length > 1 && shape.endsWith("/") ? shape.slice(0, -1) : shape;
}

export function findProblems(path: string): PathProblem[] {
  const problems: PathProblem[] = [];
  if (!path.startsWith("/")) {
    problems.push({
      code: "validate/path-no-leading-slash",
      message: `path "${path}" must start with '/'`,
      hint: `write "/${path}"`,
      from: 0,
      to: Math.max(1, path.length),
    });
  }
  const bad = FORBIDDEN.exec(path);
  if (bad) {
    const char = bad[0];
    problems.push({
      code: "validate/path-invalid-char",
      message: `path "${path}" contains ${describeChar(char)}`,
      hint: char === "?" ? "declare query parameters with `query: SomeInput` instead of in the path" : "a path cannot contain whitespace, '?' or '#'",
      from: bad.index,
      to: bad.index + 1,
    });
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const segment of path.split("/")) {
    const start = offset;
    offset += segment.length + 1;
    if (!segment.startsWith(":")) continue;
    const name = segment.slice(1);
    const range = { from: start, to: start + segment.length };
    if (name === "") {
      problems.push({ code: "validate/path-empty-param", message: `path "${path}" has a ':' with no parameter name`, hint: "write ':id' or remove the ':'", ...range });
    } else if (FORBIDDEN.test(name)) {
      continue; // already reported as an invalid character
    } else if (!isIdentifier(name)) {
      problems.push({
        code: "validate/path-bad-param",
        message: `path parameter ':${name}' is not a valid identifier`,
        hint: `use letters, digits and '_', not starting with a digit, e.g. ':${toIdentifier(name)}'`,
        ...range,
      });
    } else if (seen.has(name)) {
      problems.push({ code: "validate/path-duplicate-param", message: `path parameter ':${name}' appears twice in "${path}"`, hint: "give each parameter its own name", ...range });
    } else {
      seen.add(name);
    }
  }
  return problems;
}

export function checkPaths(schema: Schema, diagnostics: Diagnostic[]): void {
  for (const api of schema.apis) checkPath(schema, api, diagnostics);
  for (const ws of schema.websockets) checkPath(schema, ws, diagnostics);
}

function checkPath(schema: Schema, def: ApiDef | WsDef, diagnostics: Diagnostic[]): void {
  const path = writtenPath(def);
  if (path === undefined) return; // missing or not a string: buildSchema reported it
  const problems = analysePath(path).problems;
  if (problems.length === 0) return;
  const literal = pathSpan(def);
  for (const problem of problems) {
    const span = sourceIndex(schema).inside(literal, path, problem.from, problem.to);
    diagnostics.push(error(problem.code, problem.message, span, problem.hint));
  }
}
