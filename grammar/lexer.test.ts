/** The scanner on its own: tokens, positions, trivia, literals and lexical errors. */
import { describe, expect, test } from "bun:test";
import { Lexer, Tok, tokenize, type TokenKind } from "./lexer.ts";

const KIND_NAMES = Object.fromEntries(Object.entries(Tok).map(([name, kind]) => [kind, name])) as Record<TokenKind, string>;

/** `Kind:value@line:column` per token. */
function tokens(text: string): string[] {
  return tokenize(text).tokens.map((t) => `${KIND_NAMES[t.kind]}:${t.value}@${t.span.start.line}:${t.span.start.column}`);
}

describe("tokens", () => {
  test("names, punctuation and their positions", () => {
    expect(tokens("model User {\n  id Int @id @@x\n}")).toEqual([
      "Ident:model@1:1",
      "Ident:User@1:7",
      "LBrace:{@1:12",
      "Ident:id@2:3",
      "Ident:Int@2:6",
      "At:@@2:10",
      "Ident:id@2:11",
      "AtAt:@@@2:14",
      "Ident:x@2:16",
      "RBrace:}@3:1",
    ]);
    expect(tokens("a[]? ( ) : , . _under_score9")).toEqual([
      "Ident:a@1:1",
      "LBracket:[@1:2",
      "RBracket:]@1:3",
      "Question:?@1:4",
      "LParen:(@1:6",
      "RParen:)@1:8",
      "Colon::@1:10",
      "Comma:,@1:12",
      "Dot:.@1:14",
      "Ident:_under_score9@1:16",
    ]);
  });

  test("spans end after the token (exclusive), also for the last token of a line", () => {
    const [first, second] = tokenize("ab\n  \"x\"").tokens;
    expect(first!.span).toEqual({ file: "<input>", start: { offset: 0, line: 1, column: 1 }, end: { offset: 2, line: 1, column: 3 } });
    expect(second!.span).toEqual({ file: "<input>", start: { offset: 5, line: 2, column: 3 }, end: { offset: 8, line: 2, column: 6 } });
  });

  test("numbers: integers, negatives, decimals and exponents", () => {
    const lexer = new Lexer("0 42 -7 3.25 -0.5 1e3 2.5E-2 1.", "t");
    const values: number[] = [];
    while (lexer.kind !== Tok.EOF) {
      if (lexer.kind === Tok.Number) values.push(lexer.number);
      lexer.next();
    }
    expect(values).toEqual([0, 42, -7, 3.25, -0.5, 1000, 0.025, 1]);
    expect(tokens("1.")).toEqual(["Number:1@1:1", "Dot:.@1:2"]);
  });

  test("strings keep their decoded value; the token spans the quotes", () => {
    const { tokens: [t], diagnostics } = tokenize(String.raw`"a\"b\\c\nd\u00e9\u{1F600}\q"`);
    expect(diagnostics).toEqual([]);
    expect(t!.value).toBe('a"b\\c\nd\u00e9\u{1F600}\\q');
    expect(t!.span.end.offset).toBe(String.raw`"a\"b\\c\nd\u00e9\u{1F600}\q"`.length);
  });

  test("comments and whitespace are skipped, and line numbers follow them", () => {
    expect(tokens("// one\n/* two\nthree */ a /**/ b // c\r\n\tc")).toEqual(["Ident:a@3:10", "Ident:b@3:17", "Ident:c@4:2"]);
  });

  test("newlineBefore marks the first token of each line", () => {
    const lexer = new Lexer("a b\n c /*\n*/ d", "t");
    const marks: string[] = [];
    while (lexer.kind !== Tok.EOF) {
      marks.push(`${lexer.value}:${lexer.newlineBefore}`);
      lexer.next();
    }
    expect(marks).toEqual(["a:true", "b:false", "c:true", "d:true"]);
  });

  test("save and restore rewind the token and any diagnostics found while peeking", () => {
    const lexer = new Lexer('a "open\nb', "t");
    const saved = lexer.save();
    lexer.next();
    lexer.next();
    expect(lexer.value).toBe("b");
    expect(lexer.diagnostics.length).toBe(1);
    lexer.restore(saved);
    expect(lexer.value).toBe("a");
    expect(lexer.diagnostics.length).toBe(0);
    expect(lexer.tokenSpan().start.column).toBe(1);
  });
});

describe("lexical errors", () => {
  test("an unterminated string ends at its line, and the next line lexes normally", () => {
    const { tokens: ts, diagnostics } = tokenize('path: "/users\nmethod: GET');
    expect(ts.map((t) => t.value)).toEqual(["path", ":", "/users", "method", ":", "GET"]);
    expect(diagnostics).toEqual([
      {
        severity: "error",
        code: "parse/unterminated-string",
        message: "unterminated string",
        span: { file: "<input>", start: { offset: 6, line: 1, column: 7 }, end: { offset: 13, line: 1, column: 14 } },
        hint: "close it with '\"' before the end of the line",
      },
    ]);
  });

  test("an unterminated block comment is reported at its opening", () => {
    const { tokens: ts, diagnostics } = tokenize("a\n  /* never\nclosed");
    expect(ts.map((t) => t.value)).toEqual(["a"]);
    expect(diagnostics.map((d) => [d.code, d.message, d.span!.start.line, d.span!.start.column, d.hint])).toEqual([
      ["parse/unterminated-comment", "unterminated block comment", 2, 3, "close it with */"],
    ]);
  });

  test("a run of stray characters is one Invalid token and one diagnostic", () => {
    const { tokens: ts, diagnostics } = tokenize("a $%^ b");
    expect(ts.map((t) => `${KIND_NAMES[t.kind]}:${t.value}`)).toEqual(["Ident:a", "Invalid:$%^", "Ident:b"]);
    expect(diagnostics.map((d) => [d.message, d.span!.start.column, d.span!.end.column])).toEqual([["unexpected character '$'", 3, 6]]);
  });

  test("stray characters inside a word take the rest of the word with them", () => {
    expect(tokenize("Str$ing next").tokens.map((t) => t.value)).toEqual(["Str", "$ing", "next"]);
    expect(tokenize("$model").tokens.map((t) => t.value)).toEqual(["$", "model"]);
  });

  test("familiar characters from other languages come with a hint", () => {
    const hints = (text: string) => tokenize(text).diagnostics.map((d) => [d.message, d.hint]);
    expect(hints("a;")).toEqual([["unexpected character ';'", "no ';' is needed: fields and properties are separated by spaces or new lines"]]);
    expect(hints("it's")).toEqual([["unexpected character '''", 'strings use double quotes: "text"']]);
    expect(hints("a = b")).toEqual([["unexpected character '='", "properties are written `key: value`"]]);
    expect(hints("# note")).toEqual([["unexpected character '#'", "comments start with // or /*"]]);
  });

  test("a single-quoted string is reported once and read as a string", () => {
    const { tokens: ts, diagnostics } = tokenize("a: 'x y' b");
    expect(ts.map((t) => `${KIND_NAMES[t.kind]}:${t.value}`)).toEqual(["Ident:a", "Colon::", "String:x y", "Ident:b"]);
    expect(diagnostics.map((d) => [d.code, d.message, d.span!.start.column, d.span!.end.column, d.hint])).toEqual([
      ["parse/single-quoted-string", "strings use double quotes", 4, 9, 'write "x y"'],
    ]);
  });

  test("invisible and non-ASCII characters are named by code point; emoji stay whole", () => {
    expect(tokenize("\u0000").diagnostics[0]!.message).toBe("unexpected character U+0000");
    expect(tokenize("\u00a0").diagnostics[0]!.message).toBe("unexpected character U+00A0");
    expect(tokenize("😀").diagnostics[0]!.message).toBe("unexpected character '😀'");
    expect(tokenize("é").diagnostics[0]!.message).toBe("unexpected character 'é'");
  });

  test("a name cannot start with a digit", () => {
    const { tokens: ts, diagnostics } = tokenize("2fa Boolean");
    expect(ts.map((t) => `${KIND_NAMES[t.kind]}:${t.value}`)).toEqual(["Invalid:2fa", "Ident:Boolean"]);
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([["parse/invalid-number", "invalid number '2fa'", "names start with a letter or '_'"]]);
  });

  test("a lone '-' or '/' is a stray character", () => {
    expect(tokenize("- /").diagnostics.map((d) => d.message)).toEqual(["unexpected character '-'", "unexpected character '/'"]);
  });
});
