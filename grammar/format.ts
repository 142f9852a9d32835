/**
 * Diagnostics rendered in compiler style:
 *
 *   schema/api/user.ro:7:10: error: expected ':' after property name
 *       7 |   method POST
 *         |          ^~~~
 *      = hint: write `method: POST`
 *
 * Colour (ANSI) only when asked for; the caller decides (a TTY, no NO_COLOR).
 */
import type { Diagnostic, Span } from "./ast.ts";

export interface FormatOptions {
  color?: boolean;
}

/** Source lines longer than this are shown as a window around the column. */
const MAX_SHOWN = 120;

const ANSI = {
  bold: "1",
  red: "1;31",
  yellow: "1;33",
  blue: "1;34",
  cyan: "1;36",
} as const;

function paint(text: string, style: keyof typeof ANSI, on: boolean | undefined): string {
  return on ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text;
}

export function formatDiagnostic(d: Diagnostic, source: string | undefined, options: FormatOptions = {}): string {
  const color = options.color;
  const severityStyle = d.severity === "error" ? "red" : "yellow";
  const span = d.span;
  const where = span ? `${span.file}:${span.start.line}:${span.start.column}: ` : "";
  const lines = [`${paint(where, "bold", color)}${paint(d.severity, severityStyle, color)}${paint(`: ${d.message}`, "bold", color)}`];
  if (span && source !== undefined) {
    const excerpt = sourceExcerpt(span, source);
    if (excerpt) {
      const width = Math.max(5, String(span.start.line).length + 1);
      const gutter = paint(`${String(span.start.line).padStart(width)} |`, "blue", color);
      const empty = paint(`${" ".repeat(width)} |`, "blue", color);
      lines.push(`${gutter} ${excerpt.text}`);
      lines.push(`${empty} ${excerpt.padding}${paint("^" + "~".repeat(excerpt.length - 1), severityStyle, color)}`);
    }
  }
  if (d.hint !== undefined) lines.push(`   ${paint("= hint:", "cyan", color)} ${d.hint}`);
  return lines.join("\n");
}

/** Every diagnostic, a blank line apart, then a summary such as `2 errors, 1 warning`. Empty for none. */
export function formatDiagnostics(ds: Diagnostic[], sources: Map<string, string>, options: FormatOptions = {}): string {
  if (ds.length === 0) return "";
  const blocks = ds.map((d) => formatDiagnostic(d, d.span ? sources.get(d.span.file) : undefined, options));
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.length - errors;
  const parts: string[] = [];
  if (errors > 0) parts.push(plural(errors, "error"));
  if (warnings > 0) parts.push(plural(warnings, "warning"));
  blocks.push(paint(parts.join(", "), errors > 0 ? "red" : "yellow", options.color));
  return blocks.join("\n\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

interface Excerpt {
  /** The line as shown (possibly a window of it). */
  text: string;
  /** Whitespace up to the caret, reusing the line's tabs so the caret lines up. */
  padding: string;
  /** How many columns the caret and tildes cover (at least 1). */
  length: number;
}

/** The span's first line and where its marker goes; undefined when the span does not fit the source. */
function sourceExcerpt(span: Span, source: string): Excerpt | undefined {
  const lineStart = findLineStart(span, source);
  if (lineStart === undefined) return undefined;
  let lineEnd = source.indexOf("\n", lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  if (lineEnd > lineStart && source.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  let line = source.slice(lineStart, lineEnd);
  let column = Math.max(0, Math.min(span.start.column - 1, line.length));
  let length =
    span.end.line === span.start.line ? span.end.column - span.start.column : line.length - column;
  length = Math.max(1, Math.min(length, Math.max(1, line.length - column)));

  if (line.length > MAX_SHOWN) {
    const from = Math.max(0, Math.min(column - 40, line.length - MAX_SHOWN));
    const to = Math.min(line.length, from + MAX_SHOWN);
    const prefix = from > 0 ? "..." : "";
    line = prefix + line.slice(from, to) + (to < line.length ? "..." : "");
    length = Math.max(1, Math.min(length, to - column));
    column = column - from + prefix.length;
  }
  let padding = "";
  for (let i = 0; i < column; i++) padding += line.charCodeAt(i) === 9 ? "\t" : " ";
  return { text: line, padding, length };
}

/** Offset of the span's first line: from its offset when that agrees with its column, else by counting lines. */
function findLineStart(span: Span, source: string): number | undefined {
  const { offset, line, column } = span.start;
  if (offset >= 0 && offset <= source.length) {
    const start = source.lastIndexOf("\n", offset - 1) + 1;
    if (offset - start + 1 === column) return start;
  }
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = source.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  return start;
}
