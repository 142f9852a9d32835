/**
 * The parser on valid input: every construct of the .ro language, Rohas
 * v0.1.0 files unchanged, and exact spans.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Block, FieldNode, PropertyBlock, PropertyNode, ShapeBlock, Value } from "./ast.ts";
import { generateSchema } from "./fixtures/generate.ts";
import { at, covered, spanProblems, withoutSpans } from "./fixtures/support.ts";
import { parse } from "./parser.ts";

const FILE = "schema/test.ro";

/** Parses text that must be free of problems, checking every span on the way. */
function blocks(text: string): Block[] {
  const result = parse(text, FILE);
  expect(result.diagnostics).toEqual([]);
  expect(spanProblems(result, text)).toEqual([]);
  return result.file.blocks;
}

function shape(text: string, index = 0): ShapeBlock {
  const block = blocks(text)[index]!;
  if (!("fields" in block)) throw new Error(`block ${index} is not a shape`);
  return block;
}

function props(text: string, index = 0): PropertyBlock {
  const block = blocks(text)[index]!;
  if (!("properties" in block)) throw new Error(`block ${index} is not a property block`);
  return block;
}

function field(s: ShapeBlock, name: string): FieldNode {
  const f = s.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

function prop(b: PropertyBlock, key: string): PropertyNode {
  const p = b.properties.find((x) => x.key === key);
  if (!p) throw new Error(`no property ${key}`);
  return p;
}

/** A value without spans, for readable expectations. */
function plain(v: Value): unknown {
  return withoutSpans(v);
}

describe("fixtures", () => {
  const dir = join(import.meta.dir, "fixtures", "valid");
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".ro"))) {
    test(`${name} parses without diagnostics and with consistent spans`, () => {
      const text = readFileSync(join(dir, name), "utf8");
      expect(blocks(text).length).toBeGreaterThan(3);
    });
  }

  test("the v0.1.0 e-commerce example yields every block with its kind and name", () => {
    const text = readFileSync(join(dir, "ecommerce.ro"), "utf8");
    expect(blocks(text).map((b) => `${b.kind} ${b.name}`)).toEqual([
      "model Order",
      "model OrderItem",
      "input CreateUserInput",
      "input OrderUpdateMessage",
      "input CreateOrderInput",
      "type OrderList",
      "api CreateOrder",
      "api ListOrders",
      "event OrderCreated",
      "cron DailyCleanup",
      "event CleanupStep1",
      "event CleanupStep2",
      "ws OrderUpdates",
    ]);
  });

  test("the generated benchmark schema parses cleanly, block for block", () => {
    const text = generateSchema(700);
    const result = blocks(text);
    expect(result.length).toBe(700);
    expect(result.filter((b) => b.kind === "ws").length).toBe(100);
  });
});

describe("shapes: model, type, input", () => {
  test("`name Type @attrs` fields (the v0.1.0 model form)", () => {
    const s = shape(`model Order {
  id            Int         @id
  items         OrderItem[]
  status        String      // pending, shipped
  paymentId     String?
  createdAt     DateTime    @default(now)
}`);
    expect(s.kind).toBe("model");
    expect(s.name).toBe("Order");
    expect(s.fields.map((f) => [f.name, f.type.name, f.type.array, f.type.optional, f.attributes.map((a) => a.name)])).toEqual([
      ["id", "Int", false, false, ["id"]],
      ["items", "OrderItem", true, false, []],
      ["status", "String", false, false, []],
      ["paymentId", "String", false, true, []],
      ["createdAt", "DateTime", false, false, ["default"]],
    ]);
  });

  test("`name: Type` fields (the v0.1.0 input form), also in models", () => {
    const s = shape(`input CreateUserInput {\n  name: String\n  email: String\n}`);
    expect(s.kind).toBe("input");
    expect(s.fields.map((f) => `${f.name}:${f.type.name}`)).toEqual(["name:String", "email:String"]);
    const m = shape(`model M { id: Int @id  note String? }`);
    expect(m.fields.map((f) => [f.name, f.type.name, f.type.optional, f.attributes.length])).toEqual([
      ["id", "Int", false, 1],
      ["note", "String", true, 0],
    ]);
  });

  test("several fields on one line, one-line blocks, optional commas", () => {
    const t = shape(`type OrderList { orders: Order[]  total: Int }`);
    expect(t.kind).toBe("type");
    expect(t.fields.map((f) => [f.name, f.type.name, f.type.array])).toEqual([
      ["orders", "Order", true],
      ["total", "Int", false],
    ]);
    const c = shape(`input I { a: Int, b: String, c Boolean, }`);
    expect(c.fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
    expect(shape(`model Empty {}`).fields).toEqual([]);
  });

  test("T, T[], T? and T[]?", () => {
    const s = shape(`type T { a: User  b: User[]  c: User?  d: User[]?  e User []  f User ? }`);
    expect(s.fields.map((f) => [f.name, f.type.name, f.type.array, f.type.optional])).toEqual([
      ["a", "User", false, false],
      ["b", "User", true, false],
      ["c", "User", false, true],
      ["d", "User", true, true],
      ["e", "User", true, false],
      ["f", "User", false, true],
    ]);
  });

  test("attribute arguments of every kind", () => {
    const s = shape(`model M {
  a Int @default(now)
  b String @default("text")
  c Int @default(42)
  d Float @default(-1.5)
  e Float @default(2.5e-3)
  f Boolean @default(false)
  g Json @default([1, "two", three])
  h User @relation({ name: "H", fields: [hId], references: [id], onDelete: Cascade })
  i DateTime @default(now())
  j String @db.VarChar(255)
  k Int @id @auto @map("kk")
  l User @relation(fields: [lId], references: [id])
}`);
    const args = (name: string) => field(s, name).attributes.map((a) => [a.name, a.args.map(plain)]);
    expect(args("a")).toEqual([["default", [{ kind: "ident", value: "now" }]]]);
    expect(args("b")).toEqual([["default", [{ kind: "string", value: "text" }]]]);
    expect(args("c")).toEqual([["default", [{ kind: "number", value: 42 }]]]);
    expect(args("d")).toEqual([["default", [{ kind: "number", value: -1.5 }]]]);
    expect(args("e")).toEqual([["default", [{ kind: "number", value: 0.0025 }]]]);
    expect(args("f")).toEqual([["default", [{ kind: "boolean", value: false }]]]);
    expect(args("g")).toEqual([
      [
        "default",
        [
          {
            kind: "list",
            items: [
              { kind: "number", value: 1 },
              { kind: "string", value: "two" },
              { kind: "ident", value: "three" },
            ],
          },
        ],
      ],
    ]);
    expect(args("h")).toEqual([
      [
        "relation",
        [
          {
            kind: "object",
            entries: [
              { key: "name", value: { kind: "string", value: "H" } },
              { key: "fields", value: { kind: "list", items: [{ kind: "ident", value: "hId" }] } },
              { key: "references", value: { kind: "list", items: [{ kind: "ident", value: "id" }] } },
              { key: "onDelete", value: { kind: "ident", value: "Cascade" } },
            ],
          },
        ],
      ],
    ]);
    expect(args("i")).toEqual([["default", [{ kind: "call", callee: "now", args: [] }]]]);
    expect(args("j")).toEqual([["db.VarChar", [{ kind: "number", value: 255 }]]]);
    expect(args("k")).toEqual([
      ["id", []],
      ["auto", []],
      ["map", [{ kind: "string", value: "kk" }]],
    ]);
    // Prisma-style named arguments collect into one object argument, like the v0.1.0 `({ … })` form.
    expect(args("l")).toEqual([
      [
        "relation",
        [
          {
            kind: "object",
            entries: [
              { key: "fields", value: { kind: "list", items: [{ kind: "ident", value: "lId" }] } },
              { key: "references", value: { kind: "list", items: [{ kind: "ident", value: "id" }] } },
            ],
          },
        ],
      ],
    ]);
    expect(field(s, "k").attributes.every((a) => !a.blockLevel)).toBe(true);
  });

  test("a multi-line @relation({ … }) object as in v0.1.0", () => {
    const s = shape(`model Profile {
    id Int @id @auto
    user User @relation({
        name: "UserProfile",
        fields: [userId],
        references: [id],
        onDelete: Cascade
    })
    published Boolean @default(false)
}`);
    expect(s.fields.map((f) => f.name)).toEqual(["id", "user", "published"]);
    const relation = field(s, "user").attributes[0]!;
    expect(relation.args[0]!.kind).toBe("object");
  });

  test("block attributes @@index and @@unique", () => {
    const s = shape(`model PostTag {
  postId Int
  tagId Int
  @@index([postId])
  @@unique([postId, tagId])
  @@map("post_tags")
}`);
    expect(s.fields.map((f) => f.name)).toEqual(["postId", "tagId"]);
    expect(s.attributes.map((a) => [a.name, a.blockLevel, a.args.map(plain)])).toEqual([
      ["index", true, [{ kind: "list", items: [{ kind: "ident", value: "postId" }] }]],
      [
        "unique",
        true,
        [
          {
            kind: "list",
            items: [
              { kind: "ident", value: "postId" },
              { kind: "ident", value: "tagId" },
            ],
          },
        ],
      ],
      ["map", true, [{ kind: "string", value: "post_tags" }]],
    ]);
  });

  test("newlines are not significant: a type or value may follow on the next line", () => {
    const s = shape(`model M {
  a
    Int @id
  b:
    String[]
  c String
}`);
    expect(s.fields.map((f) => [f.name, f.type.name, f.type.array, f.attributes.length])).toEqual([
      ["a", "Int", false, 1],
      ["b", "String", true, 0],
      ["c", "String", false, 0],
    ]);
    const p = props(`api A {\n  method:\n    GET\n  path:\n    "/a"\n}`);
    expect(p.properties.map((x) => [x.key, plain(x.value)])).toEqual([
      ["method", { kind: "ident", value: "GET" }],
      ["path", { kind: "string", value: "/a" }],
    ]);
  });
});

describe("property blocks: api, event, cron, ws", () => {
  test("api with every v0.1.0 property", () => {
    const a = props(`api CreateOrder {
  method: POST
  path: "/orders"
  body: CreateOrderInput
  response: Order
  triggers: [OrderCreated]
  middlewares: [auth, rate_limit, request_logging]
}`);
    expect(a.kind).toBe("api");
    expect(a.name).toBe("CreateOrder");
    expect(a.properties.map((p) => [p.key, plain(p.value)])).toEqual([
      ["method", { kind: "ident", value: "POST" }],
      ["path", { kind: "string", value: "/orders" }],
      ["body", { kind: "ident", value: "CreateOrderInput" }],
      ["response", { kind: "ident", value: "Order" }],
      ["triggers", { kind: "list", items: [{ kind: "ident", value: "OrderCreated" }] }],
      [
        "middlewares",
        {
          kind: "list",
          items: [
            { kind: "ident", value: "auth" },
            { kind: "ident", value: "rate_limit" },
            { kind: "ident", value: "request_logging" },
          ],
        },
      ],
    ]);
  });

  test("User[] and User? values are types; a bare name stays an ident", () => {
    const a = props(`api L { response: User[]  body: Filter?  query: Page[]?  other: Plain }`);
    expect(a.properties.map((p) => plain(p.value))).toEqual([
      { kind: "type", type: { name: "User", array: true, optional: false } },
      { kind: "type", type: { name: "Filter", array: false, optional: true } },
      { kind: "type", type: { name: "Page", array: true, optional: true } },
      { kind: "ident", value: "Plain" },
    ]);
  });

  test("event with a handler list and the `type` keyword as a property name", () => {
    const e = props(`event OrderCreated {
  payload: Json
  handler: [process_payment, reserve_inventory]
  type: sqs
}`);
    expect(e.kind).toBe("event");
    expect(e.properties.map((p) => p.key)).toEqual(["payload", "handler", "type"]);
    expect(plain(prop(e, "type").value)).toEqual({ kind: "ident", value: "sqs" });
  });

  test("cron with a schedule string and a bare handler name", () => {
    const c = props(`cron DailyCleanup {
 schedule: "0 */5 * * * *"
 handler: daily_cleanup
 triggers: [CleanupStep1, CleanupStep2]
}`);
    expect(c.kind).toBe("cron");
    expect(plain(prop(c, "schedule").value)).toEqual({ kind: "string", value: "0 */5 * * * *" });
    expect(plain(prop(c, "handler").value)).toEqual({ kind: "ident", value: "daily_cleanup" });
  });

  test("ws with handler lists and a boolean", () => {
    const w = props(`ws OrderUpdates {
  path: "/ws/orders"
  message: OrderUpdateMessage
  onConnect: [on_connect_handler]
  onMessage: [on_message_handler]
  onDisconnect: [on_disconnect_handler]
  broadcast: true
  middlewares: [auth]
}`);
    expect(w.kind).toBe("ws");
    expect(w.properties.map((p) => p.key)).toEqual(["path", "message", "onConnect", "onMessage", "onDisconnect", "broadcast", "middlewares"]);
    expect(plain(prop(w, "broadcast").value)).toEqual({ kind: "boolean", value: true });
  });

  test("one-line blocks, commas, numbers, objects and empty lists as values", () => {
    const a = props(`api A { method: GET, path: "/a", retries: 3, ratio: -0.5, meta: { owner: "team", tags: [x, "y"] }, triggers: [] }`);
    expect(a.properties.map((p) => [p.key, plain(p.value)])).toEqual([
      ["method", { kind: "ident", value: "GET" }],
      ["path", { kind: "string", value: "/a" }],
      ["retries", { kind: "number", value: 3 }],
      ["ratio", { kind: "number", value: -0.5 }],
      [
        "meta",
        {
          kind: "object",
          entries: [
            { key: "owner", value: { kind: "string", value: "team" } },
            {
              key: "tags",
              value: {
                kind: "list",
                items: [
                  { kind: "ident", value: "x" },
                  { kind: "string", value: "y" },
                ],
              },
            },
          ],
        },
      ],
      ["triggers", { kind: "list", items: [] }],
    ]);
  });

  test("lists spread over lines, with and without commas", () => {
    const e = props(`event E {
  handler: [
    first,
    second
    third
  ]
  triggers: ["Quoted", Bare]
}`);
    expect(prop(e, "handler").value).toMatchObject({ kind: "list", items: [{ value: "first" }, { value: "second" }, { value: "third" }] });
    expect(prop(e, "triggers").value).toMatchObject({ kind: "list", items: [{ kind: "string", value: "Quoted" }, { kind: "ident", value: "Bare" }] });
  });
});

describe("names, comments and strings", () => {
  test("block keywords are valid block, field and property names", () => {
    const text = `model model { type String  input Int  api Boolean  event Json  cron DateTime  ws Float  model String }
input OrderUpdateMessage {
  type: String  // 'type' is a keyword elsewhere but a valid field name here
  orderId: Int?
}
type type { model: String }
api api { type: x  model: y  api: z  event: e  cron: c  ws: w  input: i }`;
    const [m, i, t, a] = blocks(text) as [ShapeBlock, ShapeBlock, ShapeBlock, PropertyBlock];
    expect(m.name).toBe("model");
    expect(m.fields.map((f) => f.name)).toEqual(["type", "input", "api", "event", "cron", "ws", "model"]);
    expect(i.fields.map((f) => [f.name, f.type.name, f.type.optional])).toEqual([
      ["type", "String", false],
      ["orderId", "Int", true],
    ]);
    expect(t.kind).toBe("type");
    expect(t.name).toBe("type");
    expect(a.properties.map((p) => p.key)).toEqual(["type", "model", "api", "event", "cron", "ws", "input"]);
  });

  test("line and block comments anywhere, including between tokens and across lines", () => {
    const text = `// header
/* a block
   comment */ model /* inline */ User /* x */ { // after brace
  id /* between */ Int // trailing
  /* alone */
  name String /* multi
  line */ email String
} // done
/* final */`;
    const s = shape(text);
    expect(s.name).toBe("User");
    expect(s.fields.map((f) => f.name)).toEqual(["id", "name", "email"]);
    expect(field(s, "email").nameSpan.start).toEqual(at(text, "email"));
  });

  test("an empty file, or one with only comments, has no blocks and no problems", () => {
    expect(blocks("")).toEqual([]);
    expect(blocks("  \n\n\t// nothing\n/* at all */\n")).toEqual([]);
  });

  test("string escapes are decoded; unknown escapes are kept as written (v0.1.0 had none)", () => {
    const a = props(String.raw`api A { a: "q\"q"  b: "back\\slash"  c: "n\nt\tr\r"  d: "\u0041\u{1F600}"  e: "C:\path\x"  f: "a/\/b"  g: "" }`);
    expect(a.properties.map((p) => (p.value.kind === "string" ? p.value.value : null))).toEqual([
      'q"q',
      "back\\slash",
      "n\nt\tr\r",
      "A😀",
      "C:\\path\\x",
      "a//b",
      "",
    ]);
  });

  test("non-ASCII text inside strings and comments is fine", () => {
    const a = props(`// café ☕\napi A { path: "/grüße/日本"  note: "emoji 😀" }`);
    expect(plain(prop(a, "path").value)).toEqual({ kind: "string", value: "/grüße/日本" });
  });

  test("CRLF line endings, tabs and a byte-order mark", () => {
    const text = "\uFEFFmodel User {\r\n\tid\tInt\t@id\r\n\tname String\r\n}\r\n";
    const s = shape(text);
    expect(s.fields.map((f) => f.name)).toEqual(["id", "name"]);
    expect(field(s, "name").nameSpan.start).toEqual({ offset: text.indexOf("name"), line: 3, column: 2 });
  });
});

describe("spans", () => {
  const text = `model User {
  id    Int    @id @default(autoincrement())
  tags  String[]?
  @@index([id])
}

api CreateUser {
  method: POST
  path: "/users"
  response: User[]
  triggers: [UserCreated, "Other"]
  meta: { owner: team }
}
`;
  const parsed = parse(text, FILE);
  const [user, api] = parsed.file.blocks as [ShapeBlock, PropertyBlock];

  test("are all consistent with the text", () => {
    expect(parsed.diagnostics).toEqual([]);
    expect(spanProblems(parsed, text)).toEqual([]);
  });

  test("blocks run from the keyword to the closing brace; names cover the name", () => {
    expect(user.span.start).toEqual({ offset: 0, line: 1, column: 1 });
    expect(user.span.end).toEqual({ ...at(text, "}\n\napi"), offset: text.indexOf("}\n\napi") + 1, column: 2 });
    expect(user.nameSpan.start).toEqual(at(text, "User"));
    expect(covered(text, user.nameSpan)).toBe("User");
    expect(covered(text, api.span)).toBe(text.slice(text.indexOf("api"), text.lastIndexOf("}") + 1));
    expect(api.span.end.line).toBe(13);
  });

  test("fields cover name, type and attributes; types cover their suffixes", () => {
    const id = field(user, "id");
    expect(covered(text, id.span)).toBe("id    Int    @id @default(autoincrement())");
    expect(covered(text, id.type.span)).toBe("Int");
    expect(id.attributes.map((a) => covered(text, a.span))).toEqual(["@id", "@default(autoincrement())"]);
    expect(covered(text, id.attributes[1]!.args[0]!.span)).toBe("autoincrement()");
    const tags = field(user, "tags");
    expect(covered(text, tags.type.span)).toBe("String[]?");
    expect(tags.type.span.start).toEqual(at(text, "String[]?"));
    expect(tags.type.span.end.column).toBe(at(text, "String[]?").column + "String[]?".length);
    expect(covered(text, user.attributes[0]!.span)).toBe("@@index([id])");
  });

  test("properties cover key and value; strings include their quotes; lists and objects their brackets", () => {
    expect(prop(api, "method").keySpan.start).toEqual(at(text, "method"));
    expect(covered(text, prop(api, "method").span)).toBe("method: POST");
    expect(covered(text, prop(api, "path").value.span)).toBe('"/users"');
    expect(covered(text, prop(api, "response").value.span)).toBe("User[]");
    const triggers = prop(api, "triggers").value;
    expect(covered(text, triggers.span)).toBe('[UserCreated, "Other"]');
    if (triggers.kind !== "list") throw new Error("not a list");
    expect(triggers.items.map((i) => covered(text, i.span))).toEqual(["UserCreated", '"Other"']);
    expect(triggers.items[0]!.span.start).toEqual(at(text, "UserCreated"));
    const meta = prop(api, "meta").value;
    expect(covered(text, meta.span)).toBe("{ owner: team }");
    if (meta.kind !== "object") throw new Error("not an object");
    expect(covered(text, meta.entries[0]!.span)).toBe("owner: team");
  });

  test("the file path is on every span and the source file keeps path and text", () => {
    expect(parsed.file.path).toBe(FILE);
    expect(parsed.file.text).toBe(text);
    expect(user.span.file).toBe(FILE);
    expect(prop(api, "path").value.span.file).toBe(FILE);
  });

  test("positions after a multi-line block comment and a multi-line string of lines", () => {
    const t = `/* one\ntwo\nthree */ model A {\n  x Int\n}\n`;
    const a = shape(t);
    expect(a.span.start).toEqual({ offset: t.indexOf("model"), line: 3, column: 10 });
    expect(field(a, "x").span.start).toEqual({ offset: t.indexOf("x Int"), line: 4, column: 3 });
  });

  test("columns count UTF-16 code units, as JavaScript strings do", () => {
    const t = `api A { note: "😀"  path: "/p" }`;
    const p = prop(props(t), "path");
    expect(p.keySpan.start.column).toBe(t.indexOf("path") + 1);
  });
});
