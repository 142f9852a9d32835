import { describe, expect, test } from "bun:test";
import { brief, check, pos } from "./harness.ts";

describe("validate/duplicate-name", () => {
  test("a model and an input with one name collide across files; the second points at the first", () => {
    const sources = {
      "schema/models.ro": `// users\nmodel User { id Int @id }\n`,
      "schema/inputs.ro": `input User { name: String }\napi CreateUser { method: POST  path: "/users"  body: User }\n`,
    };
    expect(check(sources).map(brief)).toEqual([
      {
        code: "validate/duplicate-name",
        severity: "error",
        message: "input User clashes with model User",
        at: pos(sources, "User", 1, "schema/inputs.ro"),
        length: 4,
        hint: "first defined at schema/models.ro:2; models, types and inputs share one namespace",
      },
    ]);
  });

  test("the same name in different namespaces is allowed", () => {
    const src = `model Order { id Int @id }
api Order { method: GET  path: "/orders"  response: Order }
event Order { payload: Order  handler: [h] }
cron Order { schedule: "0 * * * *" }
ws Order { path: "/ws/orders" }
`;
    expect(check(src)).toEqual([]);
  });

  test("apis, events, crons and ws each report their own duplicates, every repeat against the first", () => {
    const src = `api A { method: GET  path: "/a" }
api A { method: GET  path: "/b" }
api A { method: GET  path: "/c" }
event E { payload: Json  handler: [h] }
event E { payload: Json  handler: [h] }
cron C { schedule: "0 * * * *" }
cron C { schedule: "0 * * * *" }
ws W { path: "/w1" }
ws W { path: "/w2" }
type T { a: Int }
type T { a: Int }
`;
    expect(check(src).map((d) => [d.code, d.message, brief(d).at, d.hint])).toEqual([
      ["validate/duplicate-name", "type T is defined twice", "schema/main.ro:11:6", "first defined at schema/main.ro:10; models, types and inputs share one namespace"],
      ["validate/duplicate-name", "api A is defined twice", "schema/main.ro:2:5", "first defined at schema/main.ro:1"],
      ["validate/duplicate-name", "api A is defined twice", "schema/main.ro:3:5", "first defined at schema/main.ro:1"],
      ["validate/duplicate-name", "event E is defined twice", "schema/main.ro:5:7", "first defined at schema/main.ro:4"],
      ["validate/duplicate-name", "cron C is defined twice", "schema/main.ro:7:6", "first defined at schema/main.ro:6"],
      ["validate/duplicate-name", "ws W is defined twice", "schema/main.ro:9:4", "first defined at schema/main.ro:8"],
    ]);
  });
});

describe("validate/duplicate-field", () => {
  test("a field defined twice is reported at the second, in models, types and inputs", () => {
    const src = `model User {
  id   Int @id
  name String
  name String?
}
type Point { x: Int  y: Int  x: Float }
input Login { user: String  user: String }
api SignIn { method: POST  path: "/login"  body: Login }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/duplicate-field",
        severity: "error",
        message: "field 'name' is defined twice in model User",
        at: "schema/main.ro:4:3",
        length: 4,
        hint: "first defined at line 3; rename or remove one",
      },
      {
        code: "validate/duplicate-field",
        severity: "error",
        message: "field 'x' is defined twice in type Point",
        at: pos(src, "x: Float"),
        length: 1,
        hint: "first defined at line 6; rename or remove one",
      },
      {
        code: "validate/duplicate-field",
        severity: "error",
        message: "field 'user' is defined twice in input Login",
        at: pos(src, "user", 2),
        length: 4,
        hint: "first defined at line 7; rename or remove one",
      },
    ]);
  });
});
