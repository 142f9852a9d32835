import { describe, expect, test } from "bun:test";
import { shape, t } from "./test-helpers.ts";
import { Validator } from "./validation.ts";

const shapes = new Map(
  [
    shape("CreateUserInput", { name: "String", email: "String", age: "Int?", score: "Float", admin: "Boolean", tags: "String[]?", born: "DateTime?", meta: "Json?", address: "Address?" }),
    shape("Address", { city: "String", zip: "Int" }),
    shape("User", { id: "Int", name: "String", posts: "Post[]?", createdAt: "DateTime" }, { id: ["id", "auto"], createdAt: ["default"] }),
    shape("Post", { title: "String", author: "User" }),
  ].map((s) => [s.name, s]),
);

const good = { name: "Ada", email: "ada@example.com", score: 1.5, admin: false };

describe("TypeBox from schema shapes", () => {
  test("scalars, optionals, arrays and nested shapes", () => {
    const v = new Validator(t("CreateUserInput"), shapes);
    expect(v.test(good)).toBe(true);
    expect(v.test({ ...good, age: 3, tags: ["a"], born: "2024-01-02T03:04:05.000Z", meta: { any: [1] }, address: { city: "X", zip: 1 } })).toBe(true);
    // optional fields accept null, as clients send for "absent"
    expect(v.test({ ...good, age: null, address: null })).toBe(true);
    expect(v.test({ ...good, age: 1.5 })).toBe(false);
    expect(v.test({ ...good, tags: "a" })).toBe(false);
    expect(v.test({ ...good, born: "yesterday" })).toBe(false);
    expect(v.test({ ...good, address: { city: "X", zip: "1" } })).toBe(false);
  });

  test("errors name each offending field once", () => {
    const v = new Validator(t("CreateUserInput"), shapes);
    const errors = v.errors({ name: 5, score: "high", admin: false, address: { city: 1, zip: 2 } });
    expect(errors.map((e) => e.path).sort()).toEqual(["/address/city", "/email", "/name", "/score"]);
    expect(errors.find((e) => e.path === "/name")?.message).toBe("Expected string");
    expect(errors.find((e) => e.path === "/email")?.message).toBe("Expected required property");
  });

  test("recursive shapes compile through references", () => {
    const v = new Validator(t("User"), shapes);
    const user = { id: 1, name: "a", createdAt: "2024-01-01T00:00:00Z", posts: [{ title: "p", author: { id: 2, name: "b", createdAt: "2024-01-01T00:00:00Z" } }] };
    expect(v.test(user)).toBe(true);
    const bad = { ...user, posts: [{ title: "p", author: { id: 2, name: 3, createdAt: "2024-01-01T00:00:00Z" } }] };
    expect(v.errors(bad).map((e) => e.path)).toEqual(["/posts/0/author/name"]);
  });

  test("generated model fields may be omitted from request bodies when relaxed", () => {
    expect(new Validator(t("User"), shapes).test({ name: "a" })).toBe(false);
    expect(new Validator(t("User"), shapes, { relaxGenerated: true }).test({ name: "a" })).toBe(true);
  });

  test("array and optional roots, scalars and unknown names", () => {
    expect(new Validator(t("Address[]"), shapes).test([{ city: "a", zip: 1 }])).toBe(true);
    expect(new Validator(t("Address[]"), shapes).test({ city: "a", zip: 1 })).toBe(false);
    expect(new Validator(t("Address?"), shapes).test(undefined)).toBe(true);
    expect(new Validator(t("Int"), shapes).test(2)).toBe(true);
    expect(new Validator(t("Int"), shapes).test("2")).toBe(false);
    expect(new Validator(t("Nope"), shapes).test({ whatever: 1 })).toBe(true);
  });
});
