/** Golden tests of the compiler-style diagnostic rendering. */
import { describe, expect, test } from "bun:test";
import type { Diagnostic, Span } from "./ast.ts";
import { formatDiagnostic, formatDiagnostics } from "./format.ts";
import { parse } from "./parser.ts";

/** A span on one line, from a 1-based column, `width` characters wide. */
function spanAt(text: string, file: string, line: number, column: number, width: number): Span {
  let offset = 0;
  for (let n = 1; n < line; n++) offset = text.indexOf("\n", offset) + 1;
  offset += column - 1;
  return { file, start: { offset, line, column }, end: { offset: offset + width, line, column: column + width } };
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

describe("formatDiagnostic", () => {
  const FILE = "schema/api/user.ro";
  const source = `${"// filler\n".repeat(10)}api CreateUser {\n  method POST\n  path: "/users"\n}\n`;

  test("golden: a parse error with a caret under the token and a hint", () => {
    const [d] = parse(source, FILE).diagnostics;
    expect(formatDiagnostic(d!, source)).toBe(
      [
        "schema/api/user.ro:12:10: error: expected ':' after property name",
        "   12 |   method POST",
        "      |          ^~~~",
        "   = hint: write `method: POST`",
      ].join("\n"),
    );
  });

  test("golden: a one-character span is a single caret", () => {
    const d: Diagnostic = {
      severity: "error",
      code: "parse/expected-colon",
      message: "expected ':' after property name",
      span: spanAt(source, FILE, 12, 10, 1),
      hint: "write `method: POST`",
    };
    expect(formatDiagnostic(d, source)).toBe(
      [
        "schema/api/user.ro:12:10: error: expected ':' after property name",
        "   12 |   method POST",
        "      |          ^",
        "   = hint: write `method: POST`",
      ].join("\n"),
    );
  });

  test("golden: a warning without a hint; small line numbers keep the gutter width", () => {
    const text = "input Unused { a: Int }\n";
    const d: Diagnostic = { severity: "warning", code: "validate/unused-input", message: "input Unused is not used", span: spanAt(text, "s.ro", 1, 7, 6) };
    expect(formatDiagnostic(d, text)).toBe(["s.ro:1:7: warning: input Unused is not used", "    1 | input Unused { a: Int }", "      |       ^~~~~~"].join("\n"));
  });

  test("a zero-width span (a missing token at the end of a line) puts the caret after the last character", () => {
    const text = "model A {\n  name\n}\n";
    const [d] = parse(text, "m.ro").diagnostics;
    expect(formatDiagnostic(d!, text)).toBe(
      [
        "m.ro:2:7: error: expected a type after field name",
        "    2 |   name",
        "      |       ^",
        "   = hint: write `name: String` or `name String`",
      ].join("\n"),
    );
  });

  test("without a span: severity and message, then the hint", () => {
    expect(formatDiagnostic({ severity: "error", code: "x/y", message: "no schema directory", hint: "create schema/" }, undefined)).toBe(
      "error: no schema directory\n   = hint: create schema/",
    );
  });

  test("without the source text: the location line and the hint only", () => {
    const d: Diagnostic = { severity: "error", code: "x", message: "m", span: spanAt("abc", "f.ro", 1, 2, 1), hint: "h" };
    expect(formatDiagnostic(d, undefined)).toBe("f.ro:1:2: error: m\n   = hint: h");
  });

  test("a span that does not fit the source shows no excerpt instead of a wrong line", () => {
    const d: Diagnostic = {
      severity: "error",
      code: "x",
      message: "m",
      span: { file: "f.ro", start: { offset: 999, line: 40, column: 3 }, end: { offset: 1000, line: 40, column: 4 } },
    };
    expect(formatDiagnostic(d, "one line\n")).toBe("f.ro:40:3: error: m");
  });

  test("when the offset disagrees with line and column, the line number wins", () => {
    const text = "first\nsecond line\n";
    const d: Diagnostic = {
      severity: "error",
      code: "x",
      message: "m",
      span: { file: "f.ro", start: { offset: 0, line: 2, column: 8 }, end: { offset: 0, line: 2, column: 12 } },
    };
    expect(formatDiagnostic(d, text)).toBe(["f.ro:2:8: error: m", "    2 | second line", "      |        ^~~~"].join("\n"));
  });

  test("tabs before the column are kept so the caret lines up", () => {
    const text = "model A {\n\t\tid\tInt @\n}\n";
    const [d] = parse(text, "t.ro").diagnostics;
    const lines = formatDiagnostic(d!, text).split("\n");
    expect(lines[1]).toBe("    2 | \t\tid\tInt @");
    expect(lines[2]).toBe("      | \t\t  \t     ^");
  });

  test("a span over several lines is marked to the end of its first line", () => {
    const text = 'api A {\n  path: "/a\n}\n';
    const d: Diagnostic = {
      severity: "error",
      code: "x",
      message: "m",
      span: { file: "f.ro", start: { offset: 10, line: 2, column: 3 }, end: { offset: 21, line: 3, column: 2 } },
    };
    expect(formatDiagnostic(d, text).split("\n")[2]).toBe("      |   ^~~~~~~~~");
  });

  test("CRLF files show the line without the carriage return", () => {
    const text = "model A {\r\n  name\r\n}\r\n";
    const [d] = parse(text, "m.ro").diagnostics;
    const lines = formatDiagnostic(d!, text).split("\n");
    expect(lines[1]).toBe("    2 |   name");
    expect(lines[2]).toBe("      |       ^");
  });

  test("long lines are shown as a window around the column", () => {
    const text = `api A { note: "${"x".repeat(300)}"  method POST }\n`;
    const [d] = parse(text, "l.ro").diagnostics;
    const [, shown, marker] = formatDiagnostic(d!, text).split("\n");
    expect(shown!.startsWith("    1 | ...")).toBe(true);
    expect(shown!.endsWith("method POST }")).toBe(true);
    expect(shown!.length).toBeLessThan(140);
    // The caret sits under the 'P' of POST in the shown window.
    expect(shown![marker!.indexOf("^")]).toBe("P");
    expect(marker!.endsWith("^~~~")).toBe(true);
  });

  test("wide line numbers widen the gutter", () => {
    const text = "\n".repeat(123456) + "model A {\n";
    const d = parse(text, "w.ro").diagnostics[0]!;
    const lines = formatDiagnostic(d, text).split("\n");
    expect(lines[0]).toBe("w.ro:123457:10: error: expected '}' to close model A");
    expect(lines[1]).toBe(" 123457 | model A {");
    expect(lines[2]).toBe("        |          ^");
  });

  test("colour only when asked for, and the same text underneath", () => {
    const [d] = parse(source, FILE).diagnostics;
    const plain = formatDiagnostic(d!, source);
    const coloured = formatDiagnostic(d!, source, { color: true });
    expect(plain).not.toContain("\x1b[");
    expect(formatDiagnostic(d!, source, { color: false })).toBe(plain);
    expect(coloured).toContain("\x1b[1;31merror\x1b[0m");
    expect(coloured).toContain("\x1b[1;31m^~~~\x1b[0m");
    expect(stripAnsi(coloured)).toBe(plain);
    const warning = formatDiagnostic({ ...d!, severity: "warning" }, source, { color: true });
    expect(warning).toContain("\x1b[1;33mwarning\x1b[0m");
  });
});

describe("formatDiagnostics", () => {
  const a = "model A {\n  id\n}\n";
  const b = "api B { method GET }\n";
  const sources = new Map([
    ["a.ro", a],
    ["b.ro", b],
  ]);
  const errors = [...parse(a, "a.ro").diagnostics, ...parse(b, "b.ro").diagnostics];
  const warning: Diagnostic = { severity: "warning", code: "w", message: "input X is not used", span: spanAt(b, "b.ro", 1, 5, 1) };

  test("golden: every diagnostic a blank line apart, with its own file's source, then the summary", () => {
    expect(formatDiagnostics([...errors, warning], sources)).toBe(
      [
        "a.ro:2:5: error: expected a type after field name",
        "    2 |   id",
        "      |     ^",
        "   = hint: write `id: String` or `id String`",
        "",
        "b.ro:1:16: error: expected ':' after property name",
        "    1 | api B { method GET }",
        "      |                ^~~",
        "   = hint: write `method: GET`",
        "",
        "b.ro:1:5: warning: input X is not used",
        "    1 | api B { method GET }",
        "      |     ^",
        "",
        "2 errors, 1 warning",
      ].join("\n"),
    );
  });

  test("the summary counts each severity, singular or plural, and leaves out a zero", () => {
    const summary = (ds: Diagnostic[]) => formatDiagnostics(ds, sources).split("\n").at(-1);
    expect(summary([errors[0]!])).toBe("1 error");
    expect(summary([warning])).toBe("1 warning");
    expect(summary([warning, warning, warning])).toBe("3 warnings");
    expect(summary([...errors, warning, warning])).toBe("2 errors, 2 warnings");
  });

  test("nothing to report is an empty string", () => {
    expect(formatDiagnostics([], sources)).toBe("");
  });

  test("a diagnostic whose file has no source is still listed", () => {
    const d: Diagnostic = { severity: "error", code: "x", message: "m", span: spanAt("abc", "missing.ro", 1, 1, 1) };
    expect(formatDiagnostics([d], sources)).toBe("missing.ro:1:1: error: m\n\n1 error");
  });
});
