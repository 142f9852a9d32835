import { describe, expect, test } from "bun:test";
import { brief, check, pos } from "./harness.ts";

describe("validate/unused-input", () => {
  test("an input nothing refers to is a warning at its name", () => {
    const src = `input Leftover { name: String }\n`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/unused-input",
        severity: "warning",
        message: "input Leftover is not used",
        at: pos(src, "Leftover"),
        length: 8,
        hint: "use it as an api body or query, a ws message or a field type, or remove it",
      },
    ]);
  });

  test("every kind of reference counts as a use", () => {
    const src = `input AsBody { a: Int }
input AsQuery { a: Int }
input AsMessage { a: Int }
input AsField { a: Int }
input AsResponse { a: Int }
input AsPayload { a: Int }
type Holder { inner: AsField[]? }
api A { method: POST  path: "/a"  body: AsBody  response: AsResponse }
api B { method: GET  path: "/b"  query: AsQuery  response: Holder }
ws W { path: "/w"  message: AsMessage }
event E { payload: AsPayload  handler: [h] }
`;
    expect(check(src)).toEqual([]);
  });

  test("an input used only by its own fields is still unused; unused models and types are fine", () => {
    const src = `input Tree { children: Tree[] }\nmodel Orphan { id Int @id }\ntype Lonely { a: Int }\n`;
    expect(check(src).map((d) => [d.code, d.message])).toEqual([["validate/unused-input", "input Tree is not used"]]);
  });
});
