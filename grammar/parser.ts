/**
 * The .ro parser: hand-written recursive descent over the lexer's token
 * stream, producing the AST of ast.ts with a span on every node.
 *
 * It never throws. Problems are diagnostics; after one the parser
 * resynchronises (next line, next field or property, the closing brace, or the
 * next block at the start of a line) so later errors are reported too and
 * valid blocks after a mistake still reach the AST. Two rules keep one typo
 * from producing a cascade: a token the lexer already reported is never
 * reported again, and the parser reports at most one error per source line.
 *
 * Grammar (newlines are not significant except where noted):
 *   file        = block*
 *   block       = shapeKind Name "{" (field | "@@" attribute | ",")* "}"
 *               | propKind Name "{" (property | ",")* "}"
 *   field       = Name ":"? type attribute*      (without ':' the type starts on the name's line, or is
 *                                                 unmistakably a type: not followed by ':' or a name)
 *   type        = Name ("[" "]")? "?"?
 *   attribute   = "@" Name ("." Name)* ("(" args ")")?
 *   property    = Name ":" value
 *   value       = Name | Name "(" args ")" | Name "[" "]" "?"? | Name "?" | String | Number | true | false
 *               | "[" (value ","?)* "]" | "{" ((Name | String) ":" value ","?)* "}"
 *   args        = (value | Name ":" value) separated by optional ","   (named args collect into one object)
 */
import type {
  Attribute,
  Block,
  BlockKind,
  Diagnostic,
  FieldNode,
  ObjectEntry,
  ParseResult,
  Position,
  PropertyBlockKind,
  PropertyNode,
  ShapeKind,
  Span,
  TypeRef,
  Value,
} from "./ast.ts";
import { Lexer, punctuationText, Tok, type TokenKind } from "./lexer.ts";

/** Values nest at most this deep; deeper input is reported once and skipped without recursion. */
export const MAX_NESTING = 100;

const BLOCK_KEYWORDS = ["model", "type", "input", "api", "event", "cron", "ws"] as const;
const BLOCK_LIST = "model, type, input, api, event, cron or ws";

function blockKind(word: string): BlockKind | undefined {
  switch (word) {
    case "model":
    case "type":
    case "input":
    case "api":
    case "event":
    case "cron":
    case "ws":
      return word;
    default:
      return undefined;
  }
}

function isShapeKind(kind: BlockKind): kind is ShapeKind {
  return kind === "model" || kind === "type" || kind === "input";
}

export function parse(text: string, path: string): ParseResult {
  try {
    return new Parser(text, path).parseFile();
  } catch (error) {
    // A parser bug must not take the whole pipeline down; report it like any other problem.
    const message = error instanceof Error ? error.message : String(error);
    return {
      file: { path, text, blocks: [] },
      diagnostics: [{ severity: "error", code: "parse/internal", message: `internal parser error: ${message}` }],
    };
  }
}

class Parser {
  private readonly lex: Lexer;
  private readonly file: string;
  private readonly text: string;
  private readonly blocks: Block[] = [];
  private depth = 0;
  // Open value-level brackets, so a closer that matches none of them is skipped as stray instead of ending a group.
  private openRound = 0;
  private openSquare = 0;

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    this.lex = new Lexer(text, file);
  }

  parseFile(): ParseResult {
    const l = this.lex;
    while (l.kind !== Tok.EOF) this.parseTopLevel();
    return { file: { path: this.file, text: this.text, blocks: this.blocks }, diagnostics: l.finishDiagnostics() };
  }

  // ---------------------------------------------------------------- blocks

  private parseTopLevel(): void {
    const l = this.lex;
    switch (l.kind) {
      case Tok.Ident: {
        const kind = blockKind(l.value);
        if (kind) this.parseBlock(kind);
        else this.parseUnknownBlock();
        return;
      }
      case Tok.Invalid: // already reported by the lexer
        l.next();
        return;
      case Tok.RBrace:
        this.error("parse/unexpected-token", "unexpected '}'", l.tokenSpan(), "no block is open here");
        l.next();
        return;
      default:
        this.unexpected("parse/expected-block", `expected a block (${BLOCK_LIST}), found ${this.describe()}`);
        this.skipToBlockStart();
    }
  }

  /** `modle User { … }`: report it, and when the word is a plausible typo parse the block as the intended kind. */
  private parseUnknownBlock(): void {
    const l = this.lex;
    const word = l.value;
    const span = l.tokenSpan();
    const [next, afterNext, sameLine] = this.peek2();
    const suggestion = suggestKeyword(word);
    if (next !== Tok.Ident || !sameLine) {
      this.error(
        "parse/expected-block",
        `expected a block (${BLOCK_LIST}), found '${word}'`,
        span,
        suggestion ? `did you mean '${suggestion}'?` : undefined,
      );
      this.skipToBlockStart();
      return;
    }
    this.error(
      "parse/unknown-block-kind",
      `unknown block kind '${word}'`,
      span,
      suggestion ? `did you mean '${suggestion}'?` : `a block starts with ${BLOCK_LIST}`,
    );
    if (suggestion && afterNext === Tok.LBrace) {
      // Parsing it as the intended block keeps its name resolvable, so the typo causes no further errors.
      this.parseBlock(suggestion);
      return;
    }
    l.next(); // the kind
    l.next(); // the name
    if (l.kind === Tok.LBrace) this.skipBalanced();
    else this.skipToBlockStart(false);
  }

  private parseBlock(kind: BlockKind): void {
    const l = this.lex;
    const start = l.startPosition();
    l.next();
    if (l.kind !== Tok.Ident) {
      this.expected("parse/expected-name", `expected a name after '${kind}'`, `write \`${kind} Name { … }\``);
      if (l.kind === Tok.LBrace && !l.newlineBefore) this.skipBalanced();
      else this.skipToBlockStart();
      return;
    }
    const name = l.value;
    const nameSpan = l.tokenSpan();
    l.next();
    let implicitOpen = false;
    if (l.is(Tok.LBrace)) {
      l.next();
    } else {
      this.expected("parse/expected-brace", `expected '{' after ${kind} ${name}`);
      while (!l.is(Tok.EOF) && !l.is(Tok.LBrace) && !l.newlineBefore) l.next(); // junk on the header line
      if (l.is(Tok.LBrace)) {
        l.next();
      } else if (l.kind === Tok.Ident || l.kind === Tok.AtAt) {
        implicitOpen = true; // the body follows without its '{': parse it so its fields count
      } else {
        this.skipToBlockStart();
        return;
      }
    }
    const header = { kind, name, start, implicitOpen };
    if (isShapeKind(kind)) {
      const fields: FieldNode[] = [];
      const attributes: Attribute[] = [];
      this.parseShapeBody(header, fields, attributes);
      this.blocks.push({ kind, name, nameSpan, fields, attributes, span: this.spanFrom(start) });
    } else {
      const properties: PropertyNode[] = [];
      this.parsePropertyBody(header, properties);
      this.blocks.push({ kind: kind as PropertyBlockKind, name, nameSpan, properties, span: this.spanFrom(start) });
    }
  }

  private parseShapeBody(block: BlockHeader, fields: FieldNode[], attributes: Attribute[]): void {
    const l = this.lex;
    for (;;) {
      switch (l.kind) {
        case Tok.Ident:
          if (l.newlineBefore && blockKind(l.value) && this.blockStartsHere()) return this.unclosed(block);
          this.parseField(fields);
          break;
        case Tok.RBrace:
          l.next();
          return;
        case Tok.AtAt: {
          const attribute = this.parseAttribute(true);
          if (attribute) attributes.push(attribute);
          break;
        }
        case Tok.Comma:
        case Tok.Invalid:
          l.next();
          break;
        case Tok.EOF:
          return this.unclosed(block);
        case Tok.At:
          this.error(
            "parse/misplaced-attribute",
            "expected a field name, found '@'",
            l.tokenSpan(),
            "a field's attributes follow its type; block attributes start with '@@'",
          );
          this.parseAttribute(false);
          break;
        default:
          this.unexpected("parse/expected-field", `expected a field name, found ${this.describe()}`, "a field is written `name Type` or `name: Type`");
          this.skipLine();
      }
    }
  }

  private parsePropertyBody(block: BlockHeader, properties: PropertyNode[]): void {
    const l = this.lex;
    for (;;) {
      switch (l.kind) {
        case Tok.Ident:
          if (l.newlineBefore && blockKind(l.value) && this.blockStartsHere()) return this.unclosed(block);
          this.parseProperty(properties);
          break;
        case Tok.RBrace:
          l.next();
          return;
        case Tok.Comma:
        case Tok.Invalid:
          l.next();
          break;
        case Tok.EOF:
          return this.unclosed(block);
        case Tok.At:
        case Tok.AtAt:
          this.error(
            "parse/misplaced-attribute",
            `attributes are not allowed in ${block.kind} blocks`,
            l.tokenSpan(),
            "attributes belong to fields of model, type and input blocks",
          );
          this.parseAttribute(l.kind === Tok.AtAt);
          break;
        default:
          this.unexpected(
            "parse/expected-property",
            `expected a property name, found ${this.describe()}`,
            l.kind === Tok.String ? "property names are written without quotes: `key: value`" : "a property is written `key: value`",
          );
          this.skipLine();
      }
    }
  }

  private unclosed(block: BlockHeader): void {
    if (block.implicitOpen) return; // its missing '{' was reported already
    this.expected(
      "parse/unclosed-block",
      `expected '}' to close ${block.kind} ${block.name}`,
      `${block.kind} ${block.name} starts at line ${block.start.line}; add '}' where it ends`,
    );
  }

  // ---------------------------------------------------------------- fields

  private parseField(fields: FieldNode[]): void {
    const l = this.lex;
    const name = l.value;
    const nameSpan = l.tokenSpan();
    l.next();
    let colon = false;
    if (l.kind === Tok.Colon) {
      colon = true;
      l.next();
    }
    if (l.kind !== Tok.Ident || (l.newlineBefore && !this.typeOnNextLine())) {
      this.expected("parse/expected-type", "expected a type after field name", `write \`${name}: String\` or \`${name} String\``);
      if (!l.newlineBefore) this.skipLine();
      return;
    }
    const start = l.startPosition();
    const typeName = l.value;
    l.next();
    const type = this.typeSuffix(typeName, start);
    const attributes: Attribute[] = [];
    while (l.is(Tok.At)) {
      const attribute = this.parseAttribute(false);
      if (attribute) attributes.push(attribute);
    }
    fields.push({ name, nameSpan, type, attributes, span: this.spanFrom(nameSpan.start) });
  }

  /**
   * The current name starts a new line after a field name: is it that field's type? It is unless it reads
   * as the next field (`email: …` or `email String`), so a missing type does not swallow the next field.
   */
  private typeOnNextLine(): boolean {
    const [next, , sameLine] = this.peek2();
    return !(next === Tok.Colon || (next === Tok.Ident && sameLine));
  }

  /** The rest of `Name`, `Name[]`, `Name?`, `Name[]?` once the name (which started at `start`) is consumed. */
  private typeSuffix(name: string, start: Position): TypeRef {
    const l = this.lex;
    let array = false;
    let optional = false;
    if (l.kind === Tok.LBracket && !l.newlineBefore) {
      array = true;
      l.next();
      if (l.is(Tok.RBracket)) l.next();
      else this.expected("parse/expected-bracket", "expected ']' after '[' in a type", `an array type is written \`${name}[]\``);
    }
    if (l.kind === Tok.Question && !l.newlineBefore) {
      optional = true;
      l.next();
    }
    return { name, array, optional, span: this.spanFrom(start) };
  }

  /** `@name(args)` or `@@name(args)`; the current token is '@' or '@@'. Undefined when no name follows. */
  private parseAttribute(blockLevel: boolean): Attribute | undefined {
    const l = this.lex;
    const start = l.startPosition();
    const at = blockLevel ? "@@" : "@";
    l.next();
    if (l.kind !== Tok.Ident || l.newlineBefore) {
      this.expected("parse/expected-attribute-name", `expected an attribute name after '${at}'`, `write \`${at}unique\`, \`${at}default(…)\`, …`);
      return undefined;
    }
    let name = l.value;
    l.next();
    while (l.is(Tok.Dot) && !l.newlineBefore) {
      // `@db.VarChar(255)`: dotted names, as in Prisma
      l.next();
      if (l.kind !== Tok.Ident || l.newlineBefore) {
        this.expected("parse/expected-attribute-name", `expected a name after '${at}${name}.'`);
        break;
      }
      name += "." + l.value;
      l.next();
    }
    const args: Value[] = [];
    if (l.is(Tok.LParen) && !l.newlineBefore) {
      const open = l.tokenSpan();
      if (this.enter()) {
        l.next();
        this.parseSequence(Tok.RParen, args, open, `the arguments of ${at}${name}`);
        this.depth--;
      }
    }
    return { name, blockLevel, args, span: this.spanFrom(start) };
  }

  // ---------------------------------------------------------------- properties and values

  private parseProperty(properties: PropertyNode[]): void {
    const l = this.lex;
    const key = l.value;
    const keySpan = l.tokenSpan();
    l.next();
    if (l.kind === Tok.Colon) {
      l.next();
    } else {
      const valueFollows = !l.newlineBefore && isValueStart(l.kind);
      this.expected(
        "parse/expected-colon",
        "expected ':' after property name",
        `write \`${key}: ${valueFollows ? this.tokenText() : "value"}\``,
      );
      if (!valueFollows) {
        if (!l.newlineBefore) this.skipLine();
        return;
      }
      // `method POST`: read the value as if the ':' were there, so the property is not lost.
    }
    const missing =
      !isValueStart(l.kind) || (l.kind === Tok.Ident && l.newlineBefore && this.peek2()[0] === Tok.Colon); // `key:` then `next: …`
    if (missing) {
      this.expected("parse/expected-value", `expected a value after '${key}:'`, 'a value is a name, a "string", a number, true, false, a [list] or an {object}');
      if (!l.newlineBefore) this.skipLine();
      return;
    }
    const value = this.parseValue();
    properties.push({ key, keySpan, value, span: this.spanFrom(keySpan.start) });
  }

  /** A value starting at the current token (the caller checked isValueStart). */
  private parseValue(): Value {
    const l = this.lex;
    switch (l.kind) {
      case Tok.String: {
        const value: Value = { kind: "string", value: l.value, span: l.tokenSpan() };
        l.next();
        return value;
      }
      case Tok.Number: {
        const value: Value = { kind: "number", value: l.number, span: l.tokenSpan() };
        l.next();
        return value;
      }
      case Tok.LBracket:
        return this.parseList();
      case Tok.LBrace:
        return this.parseObject();
      default:
        return this.parseNameValue();
    }
  }

  /** `now`, `true`, `now()`, `User[]`, `User?`. */
  private parseNameValue(): Value {
    const l = this.lex;
    const name = l.value;
    const span = l.tokenSpan();
    if (name === "true" || name === "false") {
      l.next();
      return { kind: "boolean", value: name === "true", span };
    }
    l.next();
    if (l.newlineBefore) return { kind: "ident", value: name, span };
    if (l.kind === Tok.LParen) {
      const args: Value[] = [];
      if (this.enter()) {
        const open = l.tokenSpan();
        l.next();
        this.parseSequence(Tok.RParen, args, open, `the arguments of ${name}()`);
        this.depth--;
      }
      return { kind: "call", callee: name, args, span: this.spanFrom(span.start) };
    }
    if (l.kind === Tok.LBracket || l.kind === Tok.Question) {
      const type = this.typeSuffix(name, span.start);
      return { kind: "type", type, span: type.span };
    }
    return { kind: "ident", value: name, span };
  }

  private parseList(): Value {
    const l = this.lex;
    const open = l.tokenSpan();
    const items: Value[] = [];
    if (this.enter()) {
      l.next();
      this.parseSequence(Tok.RBracket, items, open, "the list");
      this.depth--;
    }
    return { kind: "list", items, span: this.spanFrom(open.start) };
  }

  /**
   * Items up to `closer` (consumed), commas optional. A sequence left open is reported at the point where the
   * closer is missing, and the parser carries on at the property or block that follows.
   */
  private parseSequence(closer: TokenKind, items: Value[], open: Span, what: string): void {
    if (closer === Tok.RParen) this.openRound++;
    else this.openSquare++;
    this.parseItems(closer, items, open, what);
    if (closer === Tok.RParen) this.openRound--;
    else this.openSquare--;
  }

  private parseItems(closer: TokenKind, items: Value[], open: Span, what: string): void {
    const l = this.lex;
    let named: { entries: ObjectEntry[]; span: Span } | undefined; // `@relation(fields: [a], references: [b])`
    for (;;) {
      const k = l.kind;
      if (k === closer) {
        l.next();
        return;
      }
      if (k === Tok.Comma || k === Tok.Invalid) {
        l.next();
        continue;
      }
      if (this.strayCloser()) continue;
      if (k === Tok.EOF || k === Tok.RBrace || k === Tok.RBracket || k === Tok.RParen || k === Tok.AtAt || (k === Tok.At && l.newlineBefore)) {
        // A closer of an outer group, or the next attribute: this one was never closed.
        return this.unclosedSequence(closer, open, what);
      }
      if (!isValueStart(k)) {
        this.unexpected("parse/expected-value", `expected a value in ${what}, found ${this.describe()}`);
        l.next();
        continue;
      }
      if (k === Tok.Ident && l.newlineBefore && this.startsStatement(closer === Tok.RBracket)) {
        // The next field, property or block begins: the sequence was never closed.
        return this.unclosedSequence(closer, open, what);
      }
      const value = this.parseValue();
      if (l.kind !== Tok.Colon || value.kind !== "ident" || closer !== Tok.RParen) {
        items.push(value);
        named = undefined;
        continue;
      }
      l.next(); // ':'
      if (!isValueStart(l.kind)) {
        this.expected("parse/expected-value", `expected a value after '${value.value}:'`);
        continue;
      }
      const entryValue = this.parseValue();
      const entry: ObjectEntry = { key: value.value, value: entryValue, span: this.spanFrom(value.span.start) };
      if (named) {
        named.entries.push(entry);
        named.span.end = entry.span.end;
      } else {
        named = { entries: [entry], span: this.spanFrom(value.span.start) };
        items.push({ kind: "object", entries: named.entries, span: named.span });
      }
    }
  }

  private unclosedSequence(closer: TokenKind, open: Span, what: string): void {
    const c = punctuationText(closer)!;
    this.expected(
      closer === Tok.RParen ? "parse/unclosed-arguments" : "parse/unclosed-list",
      `expected '${c}' to close ${what}`,
      `the '${punctuationText(closer === Tok.RParen ? Tok.LParen : Tok.LBracket)}' at line ${open.start.line}, column ${open.start.column} is not closed`,
    );
  }

  private parseObject(): Value {
    const l = this.lex;
    const open = l.tokenSpan();
    const entries: ObjectEntry[] = [];
    if (!this.enter()) return { kind: "object", entries, span: this.spanFrom(open.start) };
    l.next();
    for (;;) {
      const k = l.kind;
      if (k === Tok.RBrace) {
        l.next();
        break;
      }
      if (k === Tok.Comma || k === Tok.Invalid) {
        l.next();
        continue;
      }
      if (this.strayCloser()) continue;
      if (k === Tok.EOF || k === Tok.RBracket || k === Tok.RParen || k === Tok.AtAt) {
        this.expectedUnclosedObject(open);
        break;
      }
      if (k !== Tok.Ident && k !== Tok.String) {
        this.unexpected("parse/expected-key", `expected a key in the object, found ${this.describe()}`, "an object is written `{ key: value }`");
        if (k === Tok.LBrace || k === Tok.LBracket || k === Tok.LParen) this.skipBalanced();
        else l.next();
        continue;
      }
      if (k === Tok.Ident && l.newlineBefore && this.startsField()) {
        this.expectedUnclosedObject(open);
        break;
      }
      const key = l.value;
      const keySpan = l.tokenSpan();
      l.next();
      if (l.kind === Tok.Colon) {
        l.next();
      } else {
        const valueFollows = !l.newlineBefore && isValueStart(l.kind);
        this.expected("parse/expected-colon", `expected ':' after key '${key}'`, `write \`${key}: ${valueFollows ? this.tokenText() : "value"}\``);
        if (!valueFollows) continue;
      }
      if (!isValueStart(l.kind)) {
        this.expected("parse/expected-value", `expected a value after '${key}:'`);
        continue;
      }
      const value = this.parseValue();
      entries.push({ key, value, span: this.spanFrom(keySpan.start) });
    }
    this.depth--;
    return { kind: "object", entries, span: this.spanFrom(open.start) };
  }

  private expectedUnclosedObject(open: Span): void {
    this.expected(
      "parse/unclosed-object",
      "expected '}' to close the object",
      `the '{' at line ${open.start.line}, column ${open.start.column} is not closed`,
    );
  }

  /**
   * Steps one level deeper into a value. Past MAX_NESTING it reports once, skips the whole nested group
   * without recursing, and returns false (the caller then produces an empty value).
   */
  private enter(): boolean {
    if (this.depth < MAX_NESTING) {
      this.depth++;
      return true;
    }
    this.error("parse/too-deep", `values are nested too deeply (more than ${MAX_NESTING} levels)`, this.lex.tokenSpan());
    this.skipBalanced();
    return false;
  }

  // ---------------------------------------------------------------- recovery

  /** Skips the rest of the current line (whole bracketed groups at a time), stopping before '}' or the next line. */
  private skipLine(): void {
    const l = this.lex;
    while (l.kind !== Tok.EOF && l.kind !== Tok.RBrace) {
      if (isOpener(l.kind)) this.skipBalanced();
      else l.next();
      if (l.newlineBefore) return;
    }
  }

  /** Skips a bracketed group from its opener to the matching closer, or up to a block starting a line inside it. */
  private skipBalanced(): void {
    const l = this.lex;
    let depth = 0;
    do {
      const k = l.kind;
      if (k === Tok.EOF) return;
      if (isOpener(k)) depth++;
      else if (k === Tok.RBrace || k === Tok.RBracket || k === Tok.RParen) depth--;
      else if (k === Tok.Ident && l.newlineBefore && blockKind(l.value) && this.blockStartsHere()) return;
      l.next();
    } while (depth > 0);
  }

  /** After an error between blocks: skips (at least one token when told to) up to the next block at the start of a line. */
  private skipToBlockStart(mustAdvance = true): void {
    const l = this.lex;
    let first = mustAdvance;
    while (l.kind !== Tok.EOF) {
      if (!first && l.kind === Tok.Ident && l.newlineBefore) {
        const [next, afterNext] = this.peek2();
        if (next === Tok.Ident && (blockKind(l.value) || afterNext === Tok.LBrace)) return;
      }
      first = false;
      if (isOpener(l.kind)) this.skipBalanced();
      else l.next();
    }
  }

  /**
   * Inside an open list, argument list or object, does the name starting this line begin a field
   * (`name Type`, `name @attr`), a block (`model User {`), or, when `colonToo`, a property (`key:`)?
   * None of those can appear there, so the bracket before it was never closed.
   */
  private startsStatement(colonToo: boolean): boolean {
    const [next, , sameLine] = this.peek2();
    return (sameLine && (next === Tok.Ident || next === Tok.At)) || (colonToo && next === Tok.Colon);
  }

  /** Inside an open object: does the name starting this line read as a field (`name Type`) or a block? */
  private startsField(): boolean {
    const [next, , sameLine] = this.peek2();
    return sameLine && next === Tok.Ident;
  }

  /** A ')' or ']' that closes nothing open is reported and skipped; true when the current token was one. */
  private strayCloser(): boolean {
    const l = this.lex;
    if ((l.kind === Tok.RParen && this.openRound === 0) || (l.kind === Tok.RBracket && this.openSquare === 0)) {
      this.unexpected("parse/unexpected-token", `unexpected '${punctuationText(l.kind)}'`, "nothing is open here for it to close");
      l.next();
      return true;
    }
    return false;
  }

  /** `Word Name {`: the current name begins a block. */
  private blockStartsHere(): boolean {
    const [next, afterNext] = this.peek2();
    return next === Tok.Ident && afterNext === Tok.LBrace;
  }

  /** The kinds of the next two tokens, and whether the first is on the current line. */
  private peek2(): [TokenKind, TokenKind, boolean] {
    const l = this.lex;
    const saved = l.save();
    l.next();
    const first = l.kind;
    const sameLine = !l.newlineBefore;
    l.next();
    const second = l.kind;
    l.restore(saved);
    return [first, second, sameLine];
  }

  // ---------------------------------------------------------------- diagnostics

  /**
   * "expected X" at the current token: pointed at the token when it is on the line of the previous one,
   * otherwise just after the previous token (where the missing piece belongs). Silent when the current
   * token is one the lexer already reported.
   */
  private expected(code: string, message: string, hint?: string): void {
    const l = this.lex;
    if (l.kind === Tok.Invalid) return;
    if (l.kind === Tok.EOF && l.truncatedByError) return; // an unterminated comment or string ate the rest
    if (l.kind !== Tok.EOF && (!l.newlineBefore || l.prevEnd === 0)) {
      this.error(code, message, l.tokenSpan(), hint);
    } else {
      const at = l.prevEndPosition();
      this.error(code, message, { file: this.file, start: at, end: { ...at } }, hint);
    }
  }

  /** "expected X, found Y" where Y itself is the problem: always pointed at the current token. */
  private unexpected(code: string, message: string, hint?: string): void {
    const l = this.lex;
    if (l.kind === Tok.Invalid) return;
    if (l.kind === Tok.EOF) return this.expected(code, message, hint);
    this.error(code, message, l.tokenSpan(), hint);
  }

  /** Reports unless an error was already reported on the same line (the one-error-per-line rule against cascades). */
  private error(code: string, message: string, span: Span, hint?: string): void {
    const reported = this.lex.diagnostics;
    for (let i = reported.length - 1; i >= 0 && i >= reported.length - 2; i--) {
      if (reported[i]!.span?.start.line === span.start.line) return;
    }
    const d: Diagnostic = { severity: "error", code, message, span };
    if (hint !== undefined) d.hint = hint;
    this.lex.report(d);
  }

  private spanFrom(start: Position): Span {
    return { file: this.file, start, end: this.lex.prevEndPosition() };
  }

  private describe(): string {
    const l = this.lex;
    switch (l.kind) {
      case Tok.EOF:
        return "end of file";
      case Tok.Ident:
      case Tok.Invalid:
        return `'${l.value}'`;
      case Tok.String:
        return "a string";
      case Tok.Number:
        return `the number ${l.value}`;
      default:
        return `'${punctuationText(l.kind)}'`;
    }
  }

  /** The current token as written, shortened for hints. */
  private tokenText(): string {
    const l = this.lex;
    const text = this.text.slice(l.start, l.end);
    return text.length > 40 ? text.slice(0, 37) + "..." : text;
  }
}

interface BlockHeader {
  kind: BlockKind;
  name: string;
  start: Position;
  /** The '{' was missing and the body was parsed anyway; its '}' is not demanded. */
  implicitOpen: boolean;
}

function isOpener(kind: TokenKind): boolean {
  return kind === Tok.LBrace || kind === Tok.LBracket || kind === Tok.LParen;
}

function isValueStart(kind: TokenKind): boolean {
  return kind === Tok.Ident || kind === Tok.String || kind === Tok.Number || kind === Tok.LBracket || kind === Tok.LBrace;
}

/** The block keyword a mistyped word was probably meant to be: same letters in another case, or one or two edits away. */
export function suggestKeyword(word: string): BlockKind | undefined {
  const lower = word.toLowerCase();
  let best: BlockKind | undefined;
  let bestDistance = Infinity;
  for (const keyword of BLOCK_KEYWORDS) {
    const limit = keyword.length <= 3 ? 1 : 2;
    const distance = editDistance(lower, keyword);
    if (distance <= limit && distance < bestDistance && distance < word.length) {
      best = keyword;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return Infinity;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
