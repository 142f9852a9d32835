import { describe, expect, test } from "bun:test";
import { fromMiddlewareResult, snakeKey, toPythonArgs } from "./shapes.ts";

describe("engine arguments as Python handlers expect them", () => {
  test("snake_case keys", () => {
    expect(["apiName", "queryParams", "traceId", "wsName", "already_snake", "HTTPStatus"].map(snakeKey)).toEqual([
      "api_name",
      "query_params",
      "trace_id",
      "ws_name",
      "already_snake",
      "http_status",
    ]);
  });

  test("an API request: path params as fields, query_params, body, headers", () => {
    const [req] = toPythonArgs("api", [{ params: { id: "7" }, queryParams: { limit: 3 }, body: { a: 1 }, headers: { x: "y" } }]);
    expect(req).toEqual({ id: "7", params: { id: "7" }, query_params: { limit: 3 }, body: { a: 1 }, headers: { x: "y" } });
    const [bare] = toPythonArgs("api", [{ params: {}, headers: {} }]);
    expect(bare).toEqual({ params: {}, headers: {}, query_params: {} });
  });

  test("an event keeps its payload and gains a timestamp; a bare payload is wrapped", () => {
    const [event] = toPythonArgs("event", [{ event: "UserCreated", payload: { id: 1 }, publishedAt: 0 }]) as [Record<string, unknown>];
    expect(event).toEqual({ event: "UserCreated", payload: { id: 1 }, published_at: 0, timestamp: "1970-01-01T00:00:00.000Z" });
    const [wrapped] = toPythonArgs("event", [[1, 2]]) as [Record<string, unknown>];
    expect(wrapped.payload).toEqual([1, 2]);
  });

  test("a middleware context in snake_case with v0.1.0's payload; its result back in camelCase", () => {
    const [context] = toPythonArgs("middleware", [
      { apiName: "CreateUser", params: {}, queryParams: { q: "1" }, headers: {}, body: { name: "Ada" }, traceId: "t1" },
    ]);
    expect(context).toEqual({ api_name: "CreateUser", params: {}, query_params: { q: "1" }, headers: {}, body: { name: "Ada" }, payload: { name: "Ada" }, trace_id: "t1" });
    expect(fromMiddlewareResult({ payload: { n: 1 }, query_params: { q: "2" } })).toEqual({ body: { n: 1 }, queryParams: { q: "2" } });
    expect(fromMiddlewareResult({ body: { n: 2 }, payload: { n: 1 } })).toEqual({ body: { n: 2 } });
    expect(fromMiddlewareResult(null)).toBeUndefined();
  });

  test("a websocket connection loses its send function and gets snake_case keys", () => {
    const [message, connection] = toPythonArgs("websocket", [{ text: "hi" }, { id: "c1", queryParams: {}, send: () => {} }]);
    expect(message).toEqual({ text: "hi" });
    expect(connection).toEqual({ id: "c1", query_params: {} });
    expect(toPythonArgs("websocket", [undefined, { id: "c2" }])).toEqual([null, { id: "c2" }]);
  });
});
