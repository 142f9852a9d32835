/**
 * Where things were written. The checked Schema keeps each block's and field's
 * full span but not the span of its name, which is what a diagnostic should
 * point at; the syntax tree (schema.files) has it. The index is built on first
 * use (checks ask for it only when they report something), once per schema.
 */
import type { Span } from "../../grammar/ast.ts";
import type { Schema } from "../schema.ts";

export interface SourceIndex {
  /** The span of a block's name, found through the block's span; falls back to the span itself. */
  nameSpan(blockSpan: Span): Span;
  /** The span of a field's name, found through the field's span; falls back to the span itself. */
  fieldNameSpan(fieldSpan: Span): Span;
  /**
   * The span of characters [from, to) inside a string literal whose value span is `literal`,
   * when the literal is written plainly ("..." on one line, no escapes); otherwise `literal`.
   */
  inside(literal: Span, value: string, from: number, to: number): Span;
}

const cache = new WeakMap<Schema, SourceIndex>();

export function sourceIndex(schema: Schema): SourceIndex {
  let index = cache.get(schema);
  if (!index) {
    index = buildIndex(schema);
    cache.set(schema, index);
  }
  return index;
}

function buildIndex(schema: Schema): SourceIndex {
  // buildSchema shares span objects with the tree, so identity finds them; a schema
  // assembled some other way is matched by file and offset instead.
  const names = new Map<Span, Span>();
  const byPosition = new Map<string, Span>();
  const texts = new Map<string, string>();
  const position = (span: Span) => `${span.file}\0${span.start.offset}`;
  for (const file of schema.files) {
    texts.set(file.path, file.text);
    for (const block of file.blocks) {
      names.set(block.span, block.nameSpan);
      byPosition.set(position(block.span), block.nameSpan);
      if (block.kind === "model" || block.kind === "type" || block.kind === "input") {
        for (const field of block.fields) {
          names.set(field.span, field.nameSpan);
          byPosition.set(position(field.span), field.nameSpan);
        }
      }
    }
  }
  const lookup = (span: Span) => names.get(span) ?? byPosition.get(position(span)) ?? span;
  return {
    nameSpan: lookup,
    fieldNameSpan: lookup,
    inside(literal, value, from, to) {
      const written = texts.get(literal.file)?.slice(literal.start.offset, literal.end.offset);
      // Only a plain literal maps value indexes 1:1 onto columns; the span may or may not include the quotes.
      const quote = written === `"${value}"` ? 1 : written === value ? 0 : -1;
      if (quote < 0 || value.includes("\n")) return literal;
      const at = (i: number) => ({
        offset: literal.start.offset + quote + i,
        line: literal.start.line,
        column: literal.start.column + quote + i,
      });
      return { file: literal.file, start: at(from), end: at(Math.max(from + 1, to)) };
    },
  };
}

/** `schema/user.ro:3`, for hints that point at another definition. */
export function where(span: Span): string {
  return `${span.file}:${span.start.line}`;
}
