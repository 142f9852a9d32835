import { expect, test } from "bun:test";
import { lazyHeaders } from "./lazy-headers.ts";

test("lazy headers behave like the plain object of the request's headers", () => {
  const source = new Headers({ "Content-Type": "application/json", "X-Request-Id": "r1" });
  const headers = lazyHeaders(source);
  expect(headers["x-request-id"]).toBe("r1");
  expect("content-type" in headers).toBe(true);
  expect("authorization" in headers).toBe(false);
  expect({ ...headers }).toEqual({ "content-type": "application/json", "x-request-id": "r1" });
  expect(JSON.parse(JSON.stringify(headers))).toEqual({ "content-type": "application/json", "x-request-id": "r1" });
  const keys: string[] = [];
  for (const key in headers) keys.push(key);
  expect(keys.sort()).toEqual(["content-type", "x-request-id"]);
  expect(Object.entries(headers).length).toBe(2);
  expect(Object.hasOwn(headers, "x-request-id")).toBe(true);
  // Middlewares may enrich them.
  headers["x-user"] = "ada";
  expect(headers["x-user"]).toBe("ada");
  delete headers["x-request-id"];
  expect(Object.keys(headers).sort()).toEqual(["content-type", "x-user"]);
  const byRequest = new WeakMap<object, string>([[headers, "127.0.0.1"]]);
  expect(byRequest.get(headers)).toBe("127.0.0.1");
  expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  // Symbol keys, freezing.
  const mark = Symbol("mark");
  (headers as Record<symbol, unknown>)[mark] = 1;
  expect((headers as Record<symbol, unknown>)[mark]).toBe(1);
  const frozen = Object.freeze(lazyHeaders(new Headers({ a: "1" })));
  expect(Object.isFrozen(frozen)).toBe(true);
  expect(Object.keys(frozen)).toEqual(["a"]);
  expect(frozen.a).toBe("1");
  // console.log shows the headers, not the machinery.
  expect(Bun.inspect(lazyHeaders(new Headers({ a: "1" })))).not.toContain("source");
  expect(Bun.inspect(lazyHeaders(new Headers({ a: "1" })))).toContain("a");
});
