import { describe, expect, test } from "bun:test";
import { findProblems, pathProblems, plainShape, routeShapeOf } from "./paths.ts";
import { brief, check, pos, validate } from "./harness.ts";

describe("path rules", () => {
  test("each problem has its own code and points at the offending characters", () => {
    const src = `api A { method: GET  path: "users" }
api B { method: GET  path: "/users/:" }
api C { method: GET  path: "/orgs/:id/users/:id" }
api D { method: GET  path: "/files/:1st" }
api E { method: GET  path: "/search?q=x" }
api F { method: GET  path: "/a b" }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/path-no-leading-slash",
        severity: "error",
        message: `path "users" must start with '/'`,
        at: pos(src, `users"`),
        length: 5,
        hint: `write "/users"`,
      },
      {
        code: "validate/path-empty-param",
        severity: "error",
        message: `path "/users/:" has a ':' with no parameter name`,
        at: pos(src, `:"`),
        length: 1,
        hint: "write ':id' or remove the ':'",
      },
      {
        code: "validate/path-duplicate-param",
        severity: "error",
        message: `path parameter ':id' appears twice in "/orgs/:id/users/:id"`,
        at: pos(src, `:id"`),
        length: 3,
        hint: "give each parameter its own name",
      },
      {
        code: "validate/path-bad-param",
        severity: "error",
        message: "path parameter ':1st' is not a valid identifier",
        at: pos(src, ":1st"),
        length: 4,
        hint: "use letters, digits and '_', not starting with a digit, e.g. ':_1st'",
      },
      {
        code: "validate/path-invalid-char",
        severity: "error",
        message: `path "/search?q=x" contains '?'`,
        at: pos(src, "?q"),
        length: 1,
        hint: "declare query parameters with `query: SomeInput` instead of in the path",
      },
      {
        code: "validate/path-invalid-char",
        severity: "error",
        message: `path "/a b" contains a space`,
        at: pos(src, " b\""),
        length: 1,
        hint: "a path cannot contain whitespace, '?' or '#'",
      },
    ]);
  });

  test("ws paths follow the same rules", () => {
    const src = `ws Chat { path: "ws/chat" }\n`;
    expect(check(src).map((d) => [d.code, brief(d).at])).toEqual([["validate/path-no-leading-slash", pos(src, `ws/chat`)]]);
  });

  test("an optional-looking ':id?' is one problem, not two", () => {
    expect(pathProblems("/users/:id?").map((p) => p.code)).toEqual(["validate/path-invalid-char"]);
  });

  test("valid paths pass", () => {
    for (const path of ["/", "/users", "/users/:id", "/orgs/:orgId/users/:user_id", "/v1/items/:_x/raw", "/files/a:b"]) {
      expect({ path, problems: pathProblems(path) }).toEqual({ path, problems: [] });
    }
  });

  test("the one-scan fast path agrees with the full analysis on random paths", () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const pieces = ["/", "/", "/", ":", "id", "x", "1", "_", "-", " ", "?", "#", "a:b", "users"];
    let plain = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 20000; i++) {
      let path = "";
      for (let k = next(8); k > 0; k--) path += pieces[next(pieces.length)];
      const fast = plainShape(path);
      const problems = findProblems(path);
      if ((fast !== undefined) !== (problems.length === 0)) disagreements.push(`${JSON.stringify(path)}: fast ${fast}, full ${problems.map((p) => p.code)}`);
      else if (fast !== undefined && fast !== routeShapeOf(path)) disagreements.push(`${JSON.stringify(path)}: shape ${fast} vs ${routeShapeOf(path)}`);
      if (fast !== undefined) plain++;
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(plain).toBeGreaterThan(1000);
  });

  test("a missing or non-string path is left to buildSchema", () => {
    const result = validate(`api A { method: GET }\napi B { method: GET  path: 42 }\nws W { }\n`);
    expect(result.parseDiagnostics).toEqual([]);
    expect(result.buildDiagnostics.map((d) => d.code)).toEqual(["schema/missing-property", "schema/wrong-value", "schema/missing-property"]);
    expect(result.diagnostics).toEqual([]);
  });
});
