/**
 * The parser on broken input: every error message at its exact column, one
 * diagnostic per mistake (no cascades), and recovery that keeps the rest of
 * the file.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Block, Diagnostic } from "./ast.ts";
import { MAX_DIAGNOSTICS } from "./lexer.ts";
import { brief, spanProblems } from "./fixtures/support.ts";
import { MAX_NESTING, parse } from "./parser.ts";

const FILE = "schema/broken.ro";

function run(text: string) {
  const result = parse(text, FILE);
  expect(spanProblems(result, text)).toEqual([]);
  return result;
}

/** `kind Name[members]` for each block: what survived. */
function outline(blocks: Block[]): string[] {
  return blocks.map((b) => `${b.kind} ${b.name}[${"fields" in b ? b.fields.map((f) => f.name).join(",") : b.properties.map((p) => p.key).join(",")}]`);
}

interface Case {
  name: string;
  text: string;
  /** `line:column code message` of the single diagnostic. */
  error: string;
  hint?: string;
  /** Caret width (end column minus start column). */
  width?: number;
  /** What the AST keeps. */
  blocks?: string[];
}

// Each input has exactly one mistake and must produce exactly one diagnostic.
const CASES: Case[] = [
  // lexical
  {
    name: "unterminated string",
    text: 'api A {\n  path: "/users\n  method: GET\n}\n',
    error: "2:9 parse/unterminated-string unterminated string",
    hint: "close it with '\"' before the end of the line",
    width: 7,
    blocks: ["api A[path,method]"],
  },
  {
    name: "unterminated block comment",
    text: "model A { id Int }\n/* never closed\nmodel B { x Int }\n",
    error: "2:1 parse/unterminated-comment unterminated block comment",
    hint: "close it with */",
    width: 2,
    blocks: ["model A[id]"],
  },
  {
    name: "unterminated block comment inside an open block (no second error for the missing '}')",
    text: "model A {\n  id Int\n  /* oops\n}\n",
    error: "3:3 parse/unterminated-comment unterminated block comment",
    blocks: ["model A[id]"],
  },
  {
    name: "unexpected character",
    text: "model A {\n  id Int $\n  name String\n}",
    error: "2:10 parse/unexpected-character unexpected character '$'",
    blocks: ["model A[id,name]"],
  },
  {
    name: "unexpected character inside a word",
    text: "model A {\n  name Str$ing\n  email String\n}",
    error: "2:11 parse/unexpected-character unexpected character '$'",
    blocks: ["model A[name,email]"],
  },
  {
    name: "semicolon after a field",
    text: "type T {\n  a: String;\n  b: Int\n}",
    error: "2:12 parse/unexpected-character unexpected character ';'",
    hint: "no ';' is needed: fields and properties are separated by spaces or new lines",
    blocks: ["type T[a,b]"],
  },
  {
    name: "'=' instead of ':'",
    text: "model A {\n  name String = \"x\"\n  ok Int\n}",
    error: "2:15 parse/unexpected-character unexpected character '='",
    blocks: ["model A[name,ok]"],
  },
  {
    name: "single-quoted string",
    text: "api A {\n  path: '/a'\n  method: GET\n}",
    error: "2:9 parse/single-quoted-string strings use double quotes",
    hint: 'write "/a"',
    blocks: ["api A[path,method]"],
  },
  {
    name: "name starting with a digit",
    text: "model A {\n  2fa Boolean\n  ok Int\n}",
    error: "2:3 parse/invalid-number invalid number '2fa'",
    hint: "names start with a letter or '_'",
    blocks: ["model A[ok]"],
  },
  // blocks
  {
    name: "unknown block kind with a suggestion (parsed as the suggested kind)",
    text: "modle User {\n  id Int\n}\nevent E { payload: User }\n",
    error: "1:1 parse/unknown-block-kind unknown block kind 'modle'",
    hint: "did you mean 'model'?",
    width: 5,
    blocks: ["model User[id]", "event E[payload]"],
  },
  {
    name: "unknown block kind in the wrong case",
    text: "Api A { method: GET }",
    error: "1:1 parse/unknown-block-kind unknown block kind 'Api'",
    hint: "did you mean 'api'?",
    blocks: ["api A[method]"],
  },
  {
    name: "unknown block kind without a suggestion (skipped whole)",
    text: "table Users {\n  id Int\n  type String\n}\nmodel A { id Int }\n",
    error: "1:1 parse/unknown-block-kind unknown block kind 'table'",
    hint: "a block starts with model, type, input, api, event, cron or ws",
    blocks: ["model A[id]"],
  },
  {
    name: "something that is not a block",
    text: '"str"\nmodel A { id Int }',
    error: "1:1 parse/expected-block expected a block (model, type, input, api, event, cron or ws), found a string",
    blocks: ["model A[id]"],
  },
  {
    name: "a stray word between blocks",
    text: "model A { id Int } extra\nmodel B { id Int }",
    error: "1:20 parse/expected-block expected a block (model, type, input, api, event, cron or ws), found 'extra'",
    blocks: ["model A[id]", "model B[id]"],
  },
  {
    name: "a lone mistyped keyword",
    text: "modle\nmodel A { id Int }",
    error: "1:1 parse/expected-block expected a block (model, type, input, api, event, cron or ws), found 'modle'",
    hint: "did you mean 'model'?",
    blocks: ["model A[id]"],
  },
  {
    name: "an extra closing brace",
    text: "model A { id Int }}\nmodel B { id Int }",
    error: "1:19 parse/unexpected-token unexpected '}'",
    hint: "no block is open here",
    blocks: ["model A[id]", "model B[id]"],
  },
  {
    name: "block without a name",
    text: "model {\n  id Int\n}\nmodel B { id Int }",
    error: "1:7 parse/expected-name expected a name after 'model'",
    hint: "write `model Name { … }`",
    blocks: ["model B[id]"],
  },
  {
    name: "block without '{' (the body is still read)",
    text: "model User\n  id Int\n}\nmodel B { id Int }",
    error: "1:11 parse/expected-brace expected '{' after model User",
    blocks: ["model User[id]", "model B[id]"],
  },
  {
    name: "block not closed before the next block",
    text: "model User {\n  id Int\n\nmodel B {\n  id Int\n}\n",
    error: "2:9 parse/unclosed-block expected '}' to close model User",
    hint: "model User starts at line 1; add '}' where it ends",
    blocks: ["model User[id]", "model B[id]"],
  },
  {
    name: "block not closed at the end of the file",
    text: "api A {\n  method: GET\n",
    error: "2:14 parse/unclosed-block expected '}' to close api A",
    blocks: ["api A[method]"],
  },
  // fields
  {
    name: "not a field",
    text: "model A {\n  123\n  id Int\n}",
    error: "2:3 parse/expected-field expected a field name, found the number 123",
    hint: "a field is written `name Type` or `name: Type`",
    blocks: ["model A[id]"],
  },
  {
    name: "field without a type at the end of a line",
    text: "model A {\n  name\n  email String\n}",
    error: "2:7 parse/expected-type expected a type after field name",
    hint: "write `name: String` or `name String`",
    blocks: ["model A[email]"],
  },
  {
    name: "field without a type, before its attributes",
    text: "model A {\n  id @id\n  ok Int\n}",
    error: "2:6 parse/expected-type expected a type after field name",
    blocks: ["model A[ok]"],
  },
  {
    name: "field with a colon and no type before the next field",
    text: "input I {\n  name:\n  email: String\n}",
    error: "2:8 parse/expected-type expected a type after field name",
    blocks: ["input I[email]"],
  },
  {
    name: "array type without ']'",
    text: "model A {\n  tags String[\n  ok Int\n}",
    error: "2:15 parse/expected-bracket expected ']' after '[' in a type",
    hint: "an array type is written `String[]`",
    blocks: ["model A[tags,ok]"],
  },
  {
    name: "'@' without an attribute name",
    text: "model A {\n  id Int @\n  ok Int\n}",
    error: "2:11 parse/expected-attribute-name expected an attribute name after '@'",
    blocks: ["model A[id,ok]"],
  },
  {
    name: "dotted attribute name cut short",
    text: "model A {\n  id Int @db.\n  ok Int\n}",
    error: "2:14 parse/expected-attribute-name expected a name after '@db.'",
    blocks: ["model A[id,ok]"],
  },
  {
    name: "attribute where a field should be",
    text: "model A {\n  @id\n  ok Int\n}",
    error: "2:3 parse/misplaced-attribute expected a field name, found '@'",
    hint: "a field's attributes follow its type; block attributes start with '@@'",
    blocks: ["model A[ok]"],
  },
  {
    name: "attribute in a property block",
    text: "api A {\n  @@index([a])\n  method: GET\n}",
    error: "2:3 parse/misplaced-attribute attributes are not allowed in api blocks",
    blocks: ["api A[method]"],
  },
  {
    name: "attribute arguments not closed",
    text: "model A {\n  id Int @default(now\n  ok Int\n}",
    error: "2:22 parse/unclosed-arguments expected ')' to close the arguments of @default",
    hint: "the '(' at line 2, column 18 is not closed",
    blocks: ["model A[id,ok]"],
  },
  {
    name: "object in an attribute not closed",
    text: 'model A {\n  u User @relation({ name: "x"\n  ok Int\n}',
    error: "2:31 parse/unclosed-object expected '}' to close the object",
    hint: "the '{' at line 2, column 20 is not closed",
    blocks: ["model A[u,ok]"],
  },
  // properties and values
  {
    name: "property without ':' (the v0.1.0 CLI fixture; the value is kept)",
    text: 'api CreateUser {\n  method POST\n  path: "/users"\n}',
    error: "2:10 parse/expected-colon expected ':' after property name",
    hint: "write `method: POST`",
    width: 4,
    blocks: ["api CreateUser[method,path]"],
  },
  {
    name: "property without ':' or value",
    text: 'api A {\n  method\n  path: "/a"\n}',
    error: "2:9 parse/expected-colon expected ':' after property name",
    hint: "write `method: value`",
    blocks: ["api A[path]"],
  },
  {
    name: "property without a value before the next property",
    text: "api A {\n  path:\n  method: GET\n}",
    error: "2:8 parse/expected-value expected a value after 'path:'",
    blocks: ["api A[method]"],
  },
  {
    name: "property with something that is not a value",
    text: "api A {\n  path: @\n  method: GET\n}",
    error: "2:9 parse/expected-value expected a value after 'path:'",
    blocks: ["api A[method]"],
  },
  {
    name: "quoted property name",
    text: 'api A {\n  "path": "/a"\n  method: GET\n}',
    error: "2:3 parse/expected-property expected a property name, found a string",
    hint: "property names are written without quotes: `key: value`",
    blocks: ["api A[method]"],
  },
  {
    name: "list not closed before the next property",
    text: "api A {\n  triggers: [A, B\n  method: GET\n}",
    error: "2:18 parse/unclosed-list expected ']' to close the list",
    hint: "the '[' at line 2, column 13 is not closed",
    blocks: ["api A[triggers,method]"],
  },
  {
    name: "list not closed before the block's '}'",
    text: "api A {\n  triggers: [A, B\n}\nevent E { payload: Json }",
    error: "2:18 parse/unclosed-list expected ']' to close the list",
    blocks: ["api A[triggers]", "event E[payload]"],
  },
  {
    name: "something that is not a value inside a list",
    text: "api A { triggers: [a : b] }",
    error: "1:22 parse/expected-value expected a value in the list, found ':'",
    blocks: ["api A[triggers]"],
  },
  {
    name: "object key without ':'",
    text: "api A { meta: { a 1 } }",
    error: "1:19 parse/expected-colon expected ':' after key 'a'",
    hint: "write `a: 1`",
    blocks: ["api A[meta]"],
  },
  {
    name: "object entry without a key",
    text: "api A { meta: { : 1 } }",
    error: "1:17 parse/expected-key expected a key in the object, found ':'",
    blocks: ["api A[meta]"],
  },
  {
    name: "a ')' that closes nothing open is skipped, and the list goes on",
    text: "api A { triggers: [a) b] }\nevent E { payload: Json }",
    error: "1:21 parse/unexpected-token unexpected ')'",
    hint: "nothing is open here for it to close",
    blocks: ["api A[triggers]", "event E[payload]"],
  },
  {
    name: "argument list not closed before a block attribute",
    text: "model A {\n  id Int @default(now\n  @@index([id])\n}",
    error: "2:22 parse/unclosed-arguments expected ')' to close the arguments of @default",
    blocks: ["model A[id]"],
  },
  {
    name: "object key followed by junk stays inside the object",
    text: 'model A {\n  u User @relation({\n    name@: "x",\n    fields: [a]\n  })\n  ok Int\n}',
    error: "3:9 parse/expected-colon expected ':' after key 'name'",
    blocks: ["model A[u,ok]"],
  },
  {
    name: "named attribute argument without a value",
    text: "model A {\n  u User @relation(fields: )\n  ok Int\n}",
    error: "2:28 parse/expected-value expected a value after 'fields:'",
    blocks: ["model A[u,ok]"],
  },
  {
    name: "object key without a value",
    text: "api A { meta: { a: } }",
    error: "1:20 parse/expected-value expected a value after 'a:'",
    blocks: ["api A[meta]"],
  },
];

describe("one mistake, one diagnostic", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const { diagnostics, file } = run(c.text);
      expect(diagnostics.map(brief)).toEqual([c.error]);
      const d = diagnostics[0]!;
      expect(d.severity).toBe("error");
      expect(d.span!.file).toBe(FILE);
      if (c.hint !== undefined) expect(d.hint).toBe(c.hint);
      if (c.width !== undefined) expect(d.span!.end.column - d.span!.start.column).toBe(c.width);
      if (c.blocks) expect(outline(file.blocks)).toEqual(c.blocks);
    });
  }

  test("messages are one line without a trailing period", () => {
    for (const c of CASES) {
      for (const d of run(c.text).diagnostics) {
        expect(d.message).not.toContain("\n");
        expect(d.message.endsWith(".")).toBe(false);
      }
    }
  });
});

describe("recovery", () => {
  test("a file with three separate errors reports all three and keeps every block", () => {
    const text = readFileSync(join(import.meta.dir, "fixtures", "errors", "three-errors.ro"), "utf8");
    const { diagnostics, file } = run(text);
    expect(diagnostics.map(brief)).toEqual([
      "3:7 parse/expected-type expected a type after field name",
      "8:10 parse/expected-colon expected ':' after property name",
      "13:1 parse/unknown-block-kind unknown block kind 'modle'",
    ]);
    expect(outline(file.blocks)).toEqual(["model User[id,email]", "api CreateUser[method,path,body]", "model Post[id]", "event UserCreated[payload,handler]"]);
  });

  test("errors in many blocks are each reported once, and valid blocks in between survive", () => {
    const text = `model A {
  id Int @id
  bad
}
api B { method GET  path: "/b" }
event C { payload: Json }
cron D {
  schedule: "0 * * * *
  handler: d
}
ws E { path: "/e"  onMessage: [m }
input F { a: String }
`;
    const { diagnostics, file } = run(text);
    expect(diagnostics.map(brief)).toEqual([
      "3:6 parse/expected-type expected a type after field name",
      "5:16 parse/expected-colon expected ':' after property name",
      "8:13 parse/unterminated-string unterminated string",
      "11:34 parse/unclosed-list expected ']' to close the list",
    ]);
    expect(outline(file.blocks)).toEqual(["model A[id]", "api B[method,path]", "event C[payload]", "cron D[schedule,handler]", "ws E[path,onMessage]", "input F[a]"]);
  });

  test("one error per line: a line that is wrong in several ways is reported once", () => {
    const { diagnostics } = run("api A {\n  method POST path \"/a\" ] ) :\n  response: User\n}");
    expect(diagnostics.map(brief)).toEqual(["2:10 parse/expected-colon expected ':' after property name"]);
  });

  test("a typo in a keyword inside an unclosed block does not swallow the following blocks", () => {
    const { diagnostics, file } = run("model A {\n  id Int\nmodel B {\n  id Int\n}\napi C { method: GET }\n");
    expect(diagnostics.map(brief)).toEqual(["2:9 parse/unclosed-block expected '}' to close model A"]);
    expect(outline(file.blocks)).toEqual(["model A[id]", "model B[id]", "api C[method]"]);
  });

  test("keywords used as field names do not look like new blocks", () => {
    const { diagnostics, file } = run("model A {\n  type String\n  model Int\n}\n");
    expect(diagnostics).toEqual([]);
    expect(outline(file.blocks)).toEqual(["model A[type,model]"]);
  });
});

describe("limits", () => {
  test(`values nested deeper than ${MAX_NESTING} levels are one error, without recursion`, () => {
    const deep = "[".repeat(10_000);
    const { diagnostics, file } = run(`api A { x: ${deep} }\nevent E { payload: Json }\n`);
    expect(diagnostics.map(brief)).toEqual([`1:${12 + MAX_NESTING} parse/too-deep values are nested too deeply (more than ${MAX_NESTING} levels)`]);
    expect(outline(file.blocks)).toEqual(["api A[x]", "event E[payload]"]);
  });

  test("deep nesting in attribute arguments and objects is handled the same way", () => {
    const text = `model M { f Int @a(${"f(".repeat(5000)}) }\napi A { x: ${"{a:".repeat(5000)} }\n`;
    const { diagnostics } = run(text);
    expect(diagnostics.map((d) => d.code)).toEqual(["parse/too-deep", "parse/too-deep"]);
  });

  test(`at most ${MAX_DIAGNOSTICS} diagnostics, then one that counts the rest`, () => {
    const text = Array.from({ length: 150 }, (_, i) => `$ line ${i}`).join("\n");
    const { diagnostics } = run(text);
    expect(diagnostics.length).toBe(MAX_DIAGNOSTICS + 1);
    const last = diagnostics.at(-1) as Diagnostic;
    expect(last.code).toBe("parse/too-many-errors");
    expect(last.message).toBe(`too many errors: ${150 - MAX_DIAGNOSTICS} more not shown`);
    expect(last.span!.start.line).toBe(MAX_DIAGNOSTICS + 1);
  });
});
