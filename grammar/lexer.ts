/**
 * The .ro scanner: one pass over char codes, one token of state, no regex and
 * no token array. The parser pulls tokens with `next()` and reads the current
 * token's fields directly; `save()`/`restore()` give it cheap lookahead.
 *
 * Trivia (whitespace, `//` and `/* *\/` comments) is skipped here. Lexical
 * problems (unterminated string or comment, stray characters, `2fa`) become
 * diagnostics once; the offending run is handed to the parser as an `Invalid`
 * token so it can recover without reporting the same problem again.
 */
import type { Diagnostic, Position, Span } from "./ast.ts";

export const Tok = {
  EOF: 0,
  Ident: 1,
  String: 2,
  Number: 3,
  LBrace: 4,
  RBrace: 5,
  LBracket: 6,
  RBracket: 7,
  LParen: 8,
  RParen: 9,
  Colon: 10,
  Comma: 11,
  At: 12,
  AtAt: 13,
  Question: 14,
  Dot: 15,
  /** Characters that start no token; already reported by the lexer. */
  Invalid: 16,
} as const;
export type TokenKind = (typeof Tok)[keyof typeof Tok];

const PUNCTUATION: Record<number, string> = {
  [Tok.LBrace]: "{",
  [Tok.RBrace]: "}",
  [Tok.LBracket]: "[",
  [Tok.RBracket]: "]",
  [Tok.LParen]: "(",
  [Tok.RParen]: ")",
  [Tok.Colon]: ":",
  [Tok.Comma]: ",",
  [Tok.At]: "@",
  [Tok.AtAt]: "@@",
  [Tok.Question]: "?",
  [Tok.Dot]: ".",
};

// Character classes, indexed by char code (ASCII only; everything else is "other").
const C_OTHER = 0;
const C_SPACE = 1;
const C_IDENT_START = 2;
const C_DIGIT = 3;
const C_PUNCT = 4;
const CLASS = new Uint8Array(128);
const PUNCT_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) CLASS[c] = C_IDENT_START;
  else if (c >= 48 && c <= 57) CLASS[c] = C_DIGIT;
}
for (const c of [32, 9, 13, 11, 12]) CLASS[c] = C_SPACE;
for (const [kind, text] of Object.entries(PUNCTUATION)) {
  if (text.length !== 1) continue;
  CLASS[text.charCodeAt(0)] = C_PUNCT;
  PUNCT_KIND[text.charCodeAt(0)] = Number(kind);
}
CLASS[64] = C_PUNCT; // '@', kind decided by the next char

const IDENT_PART = new Uint8Array(128);
for (let c = 0; c < 128; c++) IDENT_PART[c] = CLASS[c] === C_IDENT_START || CLASS[c] === C_DIGIT ? 1 : 0;

function isIdentPart(c: number): boolean {
  return c < 128 && IDENT_PART[c] === 1;
}

/** Hints for characters people carry over from other languages. */
const CHARACTER_HINTS: Record<string, string> = {
  "'": "strings use double quotes: \"text\"",
  ";": "no ';' is needed: fields and properties are separated by spaces or new lines",
  "=": "properties are written `key: value`",
  "#": "comments start with // or /*",
  "`": "strings use double quotes: \"text\"",
  "-": "names are made of letters, digits and '_'",
};

/** A lexer snapshot for lookahead; restore() rewinds to it, dropping diagnostics found meanwhile. */
export interface LexerState {
  pos: number;
  line: number;
  lineStart: number;
  kind: TokenKind;
  start: number;
  end: number;
  tokenLine: number;
  tokenLineStart: number;
  value: string;
  number: number;
  newlineBefore: boolean;
  prevEnd: number;
  prevLine: number;
  prevLineStart: number;
  diagnostics: number;
  dropped: number;
  truncatedByError: boolean;
  startPos: Position | undefined;
  endPos: Position | undefined;
  prevEndPos: Position | undefined;
}

/** A file reports at most this many problems; the rest are counted in one final diagnostic. */
export const MAX_DIAGNOSTICS = 100;

export class Lexer {
  readonly text: string;
  readonly file: string;
  readonly diagnostics: Diagnostic[] = [];
  private readonly length: number;
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  // The current token.
  kind: TokenKind = Tok.EOF;
  start = 0;
  /** Exclusive end. A token never spans lines (strings end at their line; comments are not tokens). */
  end = 0;
  /** The token's line, and the offset where that line starts (columns are computed only when needed). */
  private tokenLine = 1;
  private tokenLineStart = 0;
  /** Identifier name, decoded string contents, or the raw text of a number or invalid run. */
  value = "";
  number = 0;
  /** True when a line break (or the start of the file) precedes this token. */
  newlineBefore = true;

  // The end of the token before the current one, where "expected X" errors point.
  prevEnd = 0;
  private prevLine = 1;
  private prevLineStart = 0;

  private dropped = 0;
  private firstDropped: Span | undefined;

  // Position objects are made on demand, once per token, and shared by every span that starts or ends there.
  private startPos: Position | undefined;
  private endPos: Position | undefined;
  private prevEndPos: Position | undefined;

  /** Set when an unterminated comment or string ran into the end of the file (the parser stays quiet then). */
  truncatedByError = false;

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    this.length = text.length;
    this.next();
    this.prevEnd = 0;
    this.prevLine = 1;
    this.prevLineStart = 0;
  }

  /** Advances to the next token. */
  next(): void {
    this.prevEndPos = this.endPos;
    this.startPos = undefined;
    this.endPos = undefined;
    this.prevEnd = this.end;
    this.prevLine = this.tokenLine;
    this.prevLineStart = this.tokenLineStart;
    this.newlineBefore = this.pos === 0;
    this.skipTrivia();
    const text = this.text;
    const start = this.pos;
    this.start = start;
    this.tokenLine = this.line;
    this.tokenLineStart = this.lineStart;
    if (start >= this.length) {
      this.kind = Tok.EOF;
      this.value = "";
      this.finish(start);
      return;
    }
    const c = text.charCodeAt(start);
    const cls = c < 128 ? CLASS[c] : C_OTHER;
    if (cls === C_IDENT_START) {
      const length = this.length;
      let i = start + 1;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d >= 128 || IDENT_PART[d] === 0) break;
        i++;
      }
      this.kind = Tok.Ident;
      this.value = text.slice(start, i);
      this.finish(i);
      return;
    }
    if (cls === C_PUNCT) {
      if (c === 64 /* @ */) {
        if (text.charCodeAt(start + 1) === 64) {
          this.kind = Tok.AtAt;
          this.finish(start + 2);
        } else {
          this.kind = Tok.At;
          this.finish(start + 1);
        }
      } else {
        this.kind = PUNCT_KIND[c] as TokenKind;
        this.finish(start + 1);
      }
      this.value = "";
      return;
    }
    if (c === 34 /* " */) return this.scanString(start);
    if (c === 39 /* ' */) return this.scanSingleQuoted(start);
    if (cls === C_DIGIT || (c === 45 /* - */ && isDigit(text.charCodeAt(start + 1)))) return this.scanNumber(start);
    this.scanInvalid(start);
  }

  /**
   * Whether the current token is of `kind`. The same as comparing `kind`, but a call, so TypeScript does not
   * carry a narrowing of `kind` from before a `next()` to after it.
   */
  is(kind: TokenKind): boolean {
    return this.kind === kind;
  }

  /** A token's own span. */
  tokenSpan(): Span {
    return { file: this.file, start: this.startPosition(), end: this.endPosition() };
  }

  /** Where the current token starts. Spans share position objects: treat them as read-only. */
  startPosition(): Position {
    return (this.startPos ??= { offset: this.start, line: this.tokenLine, column: this.start - this.tokenLineStart + 1 });
  }

  endPosition(): Position {
    return (this.endPos ??= { offset: this.end, line: this.tokenLine, column: this.end - this.tokenLineStart + 1 });
  }

  /** Where the previous token ends. */
  prevEndPosition(): Position {
    return (this.prevEndPos ??= { offset: this.prevEnd, line: this.prevLine, column: this.prevEnd - this.prevLineStart + 1 });
  }

  save(): LexerState {
    return {
      pos: this.pos,
      line: this.line,
      lineStart: this.lineStart,
      kind: this.kind,
      start: this.start,
      end: this.end,
      tokenLine: this.tokenLine,
      tokenLineStart: this.tokenLineStart,
      value: this.value,
      number: this.number,
      newlineBefore: this.newlineBefore,
      prevEnd: this.prevEnd,
      prevLine: this.prevLine,
      prevLineStart: this.prevLineStart,
      diagnostics: this.diagnostics.length,
      dropped: this.dropped,
      truncatedByError: this.truncatedByError,
      startPos: this.startPos,
      endPos: this.endPos,
      prevEndPos: this.prevEndPos,
    };
  }

  restore(s: LexerState): void {
    this.pos = s.pos;
    this.line = s.line;
    this.lineStart = s.lineStart;
    this.kind = s.kind;
    this.start = s.start;
    this.end = s.end;
    this.tokenLine = s.tokenLine;
    this.tokenLineStart = s.tokenLineStart;
    this.value = s.value;
    this.number = s.number;
    this.newlineBefore = s.newlineBefore;
    this.prevEnd = s.prevEnd;
    this.prevLine = s.prevLine;
    this.prevLineStart = s.prevLineStart;
    this.diagnostics.length = s.diagnostics;
    this.dropped = s.dropped;
    this.truncatedByError = s.truncatedByError;
    this.startPos = s.startPos;
    this.endPos = s.endPos;
    this.prevEndPos = s.prevEndPos;
  }

  /** Ends the current token at `end`. */
  private finish(end: number): void {
    this.pos = end;
    this.end = end;
  }

  private skipTrivia(): void {
    const text = this.text;
    const length = this.length;
    let pos = this.pos;
    while (pos < length) {
      const c = text.charCodeAt(pos);
      if (c === 10) {
        pos++;
        this.line++;
        this.lineStart = pos;
        this.newlineBefore = true;
      } else if (c < 128 ? CLASS[c] === C_SPACE : c === 0xfeff) {
        pos++;
      } else if (c === 47 /* / */) {
        const d = text.charCodeAt(pos + 1);
        if (d === 47) {
          const eol = text.indexOf("\n", pos + 2);
          pos = eol < 0 ? length : eol;
        } else if (d === 42 /* * */) {
          pos = this.skipBlockComment(pos);
        } else break;
      } else break;
    }
    this.pos = pos;
  }

  /** Skips `/* ... *\/` (not nested, as in v0.1.0), counting the lines inside. Returns the offset after it. */
  private skipBlockComment(open: number): number {
    const openLine = this.line;
    const openColumn = open - this.lineStart + 1;
    const close = this.text.indexOf("*/", open + 2);
    const stop = close < 0 ? this.length : close + 2;
    let nl = this.text.indexOf("\n", open + 2);
    while (nl >= 0 && nl < stop) {
      this.line++;
      this.lineStart = nl + 1;
      this.newlineBefore = true;
      nl = this.text.indexOf("\n", nl + 1);
    }
    if (close < 0) {
      this.fail("parse/unterminated-comment", "unterminated block comment", this.spanAt(open, open + 2, openLine, openColumn), "close it with */");
      this.truncatedByError = true;
    }
    return stop;
  }

  private scanString(start: number): void {
    const text = this.text;
    const length = this.length;
    let i = start + 1;
    let chunkStart = i;
    let decoded: string | undefined; // built only when the string has escapes
    for (;;) {
      if (i >= length) break;
      const c = text.charCodeAt(i);
      if (c === 34) {
        this.kind = Tok.String;
        this.value = decoded === undefined ? text.slice(chunkStart, i) : decoded + text.slice(chunkStart, i);
        this.finish(i + 1);
        return;
      }
      if (c === 10) break;
      if (c === 92 /* \ */) {
        const escape = decodeEscape(text, i);
        if (escape === undefined) {
          i++; // unknown escape: keep the backslash as written (v0.1.0 strings had no escapes)
          continue;
        }
        decoded = (decoded ?? "") + text.slice(chunkStart, i) + escape.text;
        i += escape.length;
        chunkStart = i;
        continue;
      }
      i++;
    }
    // Unterminated: the string runs to the end of its line; the next line lexes normally.
    let end = i;
    if (end > start + 1 && text.charCodeAt(end - 1) === 13) end--;
    this.kind = Tok.String;
    this.value = (decoded ?? "") + text.slice(chunkStart, Math.max(chunkStart, end));
    this.finish(end);
    this.fail("parse/unterminated-string", "unterminated string", this.tokenSpan(), "close it with '\"' before the end of the line");
    if (i >= length) this.truncatedByError = true;
  }

  /** `'text'`: reported once, then read as the string it was meant to be so nothing else breaks. */
  private scanSingleQuoted(start: number): void {
    const text = this.text;
    let close = start + 1;
    while (close < this.length && text.charCodeAt(close) !== 39 && text.charCodeAt(close) !== 10) close++;
    if (close >= this.length || text.charCodeAt(close) !== 39) return this.scanInvalid(start);
    this.kind = Tok.String;
    this.value = text.slice(start + 1, close);
    this.finish(close + 1);
    this.fail("parse/single-quoted-string", "strings use double quotes", this.tokenSpan(), `write "${this.value}"`);
  }

  private scanNumber(start: number): void {
    const text = this.text;
    let i = start;
    if (text.charCodeAt(i) === 45) i++;
    while (isDigit(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 46 /* . */ && isDigit(text.charCodeAt(i + 1))) {
      i += 2;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 43 || sign === 45) j++;
      if (isDigit(text.charCodeAt(j))) {
        while (isDigit(text.charCodeAt(j))) j++;
        i = j;
      }
    }
    if (i < this.length && isIdentPart(text.charCodeAt(i))) {
      // `2fa`, `12px`: a name cannot start with a digit.
      while (i < this.length && isIdentPart(text.charCodeAt(i))) i++;
      this.kind = Tok.Invalid;
      this.value = text.slice(start, i);
      this.finish(i);
      this.fail("parse/invalid-number", `invalid number '${this.value}'`, this.tokenSpan(), "names start with a letter or '_'");
      return;
    }
    this.kind = Tok.Number;
    this.value = text.slice(start, i);
    this.number = Number(this.value);
    this.finish(i);
  }

  /**
   * A run of characters that start no token, reported once. Inside a word (`Str$ing`) the letters after
   * the run belong to the same mistake and are swallowed with it, so they do not read as a new name.
   */
  private scanInvalid(start: number): void {
    const text = this.text;
    const length = this.length;
    let i = start;
    while (i < length && startsNothing(text, i)) i += codePointLength(text, i);
    const runEnd = i;
    if (start > 0 && isIdentPart(text.charCodeAt(start - 1))) while (i < length && isIdentPart(text.charCodeAt(i))) i++;
    this.kind = Tok.Invalid;
    this.value = text.slice(start, i);
    const shown = describeCharacter(text, start);
    const span = this.spanAt(start, runEnd, this.line, start - this.lineStart + 1);
    this.finish(i);
    this.fail("parse/unexpected-character", `unexpected character ${shown}`, span, CHARACTER_HINTS[text[start]!]);
  }

  private spanAt(start: number, end: number, line: number, column: number): Span {
    return {
      file: this.file,
      start: { offset: start, line, column },
      end: { offset: end, line, column: column + (end - start) },
    };
  }

  private fail(code: string, message: string, span: Span, hint?: string): void {
    const d: Diagnostic = { severity: "error", code, message, span };
    if (hint !== undefined) d.hint = hint;
    this.report(d);
  }

  /** Records a problem (the parser reports through here too, so both share one ordered, capped list). */
  report(d: Diagnostic): void {
    if (this.diagnostics.length < MAX_DIAGNOSTICS) this.diagnostics.push(d);
    else if (this.dropped++ === 0) this.firstDropped = d.span;
  }

  /** The diagnostics, plus a note when some were dropped. Call once, at the end. */
  finishDiagnostics(): Diagnostic[] {
    if (this.dropped > 0) {
      const note: Diagnostic = {
        severity: "error",
        code: "parse/too-many-errors",
        message: `too many errors: ${this.dropped} more not shown`,
        hint: "fix the first errors and run again",
      };
      if (this.firstDropped) note.span = this.firstDropped;
      this.diagnostics.push(note);
    }
    return this.diagnostics;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True when the character at i cannot begin a token or trivia (so it belongs to an invalid run). */
function startsNothing(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 128) return c !== 0xfeff;
  const cls = CLASS[c];
  if (cls !== C_OTHER) return false;
  if (c === 10 || c === 34) return false;
  if (c === 47) {
    const d = text.charCodeAt(i + 1);
    return d !== 47 && d !== 42;
  }
  if (c === 45) return !isDigit(text.charCodeAt(i + 1));
  return true;
}

function codePointLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

const INVISIBLE = /^(?:\p{White_Space}|\p{Cc}|\p{Cf}|\p{Cs}|\p{Co}|\p{Cn})$/u;

/** `'$'` for printable characters, `U+0000` for the rest. */
export function describeCharacter(text: string, i: number): string {
  const code = text.codePointAt(i) ?? 0;
  const char = String.fromCodePoint(code);
  // Spaces, controls, format characters and lone surrogates would be invisible or garbled between quotes.
  if (!INVISIBLE.test(char)) return `'${char}'`;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

function hexValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Decodes the escape at `at` (a backslash): `\n \t \r \" \\ \/ \b \f \0 \uXXXX \u{X…}`. Undefined for anything else. */
function decodeEscape(text: string, at: number): { text: string; length: number } | undefined {
  switch (text.charCodeAt(at + 1)) {
    case 110:
      return { text: "\n", length: 2 };
    case 116:
      return { text: "\t", length: 2 };
    case 114:
      return { text: "\r", length: 2 };
    case 34:
      return { text: '"', length: 2 };
    case 92:
      return { text: "\\", length: 2 };
    case 47:
      return { text: "/", length: 2 };
    case 98:
      return { text: "\b", length: 2 };
    case 102:
      return { text: "\f", length: 2 };
    case 48:
      return { text: "\0", length: 2 };
    case 117 /* u */: {
      if (text.charCodeAt(at + 2) === 123 /* { */) {
        const close = text.indexOf("}", at + 3);
        if (close < 0 || close - (at + 3) > 6 || close === at + 3) return undefined;
        const code = hexValue(text, at + 3, close);
        if (code < 0 || code > 0x10ffff) return undefined;
        return { text: String.fromCodePoint(code), length: close + 1 - at };
      }
      const code = hexValue(text, at + 2, at + 6);
      if (code < 0 || at + 6 > text.length) return undefined;
      return { text: String.fromCharCode(code), length: 6 };
    }
    default:
      return undefined;
  }
}

/** How a token kind is named in messages: `'{'`, `a name`, … */
export function punctuationText(kind: TokenKind): string | undefined {
  return PUNCTUATION[kind];
}

/** All tokens of a text, for tests and tools (the parser pulls them one by one instead). */
export function tokenize(text: string, file = "<input>"): { tokens: { kind: TokenKind; value: string; span: Span }[]; diagnostics: Diagnostic[] } {
  const lexer = new Lexer(text, file);
  const tokens: { kind: TokenKind; value: string; span: Span }[] = [];
  while (lexer.kind !== Tok.EOF) {
    tokens.push({ kind: lexer.kind, value: lexer.value || (punctuationText(lexer.kind) ?? ""), span: lexer.tokenSpan() });
    lexer.next();
  }
  return { tokens, diagnostics: lexer.diagnostics };
}
