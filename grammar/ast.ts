/**
 * The .ro syntax tree. Every node carries the span of source it came from, so
 * diagnostics, the Workbench and code generators can point back at the schema.
 * This module depends on nothing: core and plugins import it through core.
 */

/** 1-based line and column; offset is 0-based into the file text. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

export interface Span {
  file: string;
  start: Position;
  end: Position;
}

export type Severity = "error" | "warning";

/** A problem found in a schema or a project: a value, never thrown. */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. "parse/expected-colon", "validate/unknown-type". */
  code: string;
  /** One line for humans, no trailing period. */
  message: string;
  span?: Span;
  /** A suggestion that helps fix it ("did you mean 'User'?"). */
  hint?: string;
}

/** `User`, `User[]`, `String?`, `Post[]?` */
export interface TypeRef {
  name: string;
  array: boolean;
  optional: boolean;
  span: Span;
}

/** A value on the right of `key:` in api/event/cron/ws blocks, or inside attribute arguments. */
export type Value =
  | { kind: "ident"; value: string; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "number"; value: number; span: Span }
  | { kind: "boolean"; value: boolean; span: Span }
  | { kind: "list"; items: Value[]; span: Span }
  | { kind: "object"; entries: ObjectEntry[]; span: Span }
  /** `User[]` or `User?`: an identifier with a type suffix. A bare `User` is an ident. */
  | { kind: "type"; type: TypeRef; span: Span }
  /** `now()`-style calls inside attribute arguments. */
  | { kind: "call"; callee: string; args: Value[]; span: Span };

export interface ObjectEntry {
  key: string;
  value: Value;
  span: Span;
}

/** `@default(now)`, `@relation({ name: "x" })`, or block-level `@@index([a, b])`. */
export interface Attribute {
  name: string;
  blockLevel: boolean;
  args: Value[];
  span: Span;
}

/** `name String @unique` or `name: String` */
export interface FieldNode {
  name: string;
  nameSpan: Span;
  type: TypeRef;
  attributes: Attribute[];
  span: Span;
}

export type ShapeKind = "model" | "type" | "input";
export type PropertyBlockKind = "api" | "event" | "cron" | "ws";
export type BlockKind = ShapeKind | PropertyBlockKind;

export interface ShapeBlock {
  kind: ShapeKind;
  name: string;
  nameSpan: Span;
  fields: FieldNode[];
  /** `@@index([...])` and friends. */
  attributes: Attribute[];
  span: Span;
}

export interface PropertyNode {
  key: string;
  keySpan: Span;
  value: Value;
  span: Span;
}

export interface PropertyBlock {
  kind: PropertyBlockKind;
  name: string;
  nameSpan: Span;
  properties: PropertyNode[];
  span: Span;
}

export type Block = ShapeBlock | PropertyBlock;

export interface SourceFile {
  path: string;
  text: string;
  blocks: Block[];
}

export interface ParseResult {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

export const SHAPE_KINDS: readonly ShapeKind[] = ["model", "type", "input"];
export const PROPERTY_BLOCK_KINDS: readonly PropertyBlockKind[] = ["api", "event", "cron", "ws"];

export function isShapeBlock(block: Block): block is ShapeBlock {
  return block.kind === "model" || block.kind === "type" || block.kind === "input";
}
