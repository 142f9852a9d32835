import { describe, expect, test } from "bun:test";
import { brief, check, pos, validate } from "./harness.ts";

describe("validate/body-on-get", () => {
  test("GET and HEAD with a body are errors at the body type, hinting at query", () => {
    const src = `input Filter { q: String }
api Search { method: GET  path: "/search"  body: Filter }
api Probe { method: head  path: "/probe"  body: Filter }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/body-on-get",
        severity: "error",
        message: "api Search is a GET request and cannot have a body",
        at: pos(src, "Filter }", 1),
        length: 6,
        hint: "use `query: Filter` for GET parameters, or change the method to POST",
      },
      {
        code: "validate/body-on-get",
        severity: "error",
        message: "api Probe is a HEAD request and cannot have a body",
        at: pos(src, "Filter }", 2),
        length: 6,
        hint: "use `query: Filter` for HEAD parameters, or change the method to POST",
      },
    ]);
  });

  test("GET with query and POST, PUT, PATCH, DELETE with a body are fine", () => {
    const src = `input Filter { q: String }
api Search { method: GET  path: "/search"  query: Filter }
api A { method: POST  path: "/a"  body: Filter }
api B { method: PUT  path: "/b"  body: Filter }
api C { method: PATCH  path: "/c"  body: Filter }
api D { method: DELETE  path: "/d"  body: Filter }
`;
    expect(check(src)).toEqual([]);
  });

  test("an unknown method (which buildSchema reads as GET) is not also a GET with a body", () => {
    const result = validate(`input Filter { q: String }\napi A { method: SEND  path: "/a"  body: Filter }\n`);
    expect(result.buildDiagnostics.map((d) => d.code)).toEqual(["schema/bad-method"]);
    expect(result.schema.apis[0]!.method).toBe("GET");
    expect(result.diagnostics).toEqual([]);
  });
});
