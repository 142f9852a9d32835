import { describe, expect, test } from "bun:test";
import { routeShape } from "./routes.ts";
import { brief, check, pos, validate } from "./harness.ts";

describe("validate/duplicate-route", () => {
  test("parameter names do not distinguish routes; both APIs are named", () => {
    const src = `api GetUser { method: GET  path: "/users/:id" }
api GetUserById { method: GET  path: "/users/:userId" }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/duplicate-route",
        severity: "error",
        message: "api GetUserById and api GetUser both route GET /users/:userId",
        at: pos(src, `"/users/:userId"`),
        length: 16,
        hint: "api GetUser declares GET /users/:id at schema/main.ro:1; parameter names do not tell routes apart",
      },
    ]);
  });

  test("methods are compared case-insensitively and a trailing slash does not make a new route", () => {
    const src = `api A { method: post  path: "/users" }
api B { method: POST  path: "/users/" }
`;
    expect(check(src).map((d) => d.message)).toEqual(["api B and api A both route POST /users/"]);
  });

  test("the same path under different methods, and different shapes, are fine", () => {
    const src = `api List { method: GET  path: "/users" }
api Create { method: POST  path: "/users" }
api Get { method: GET  path: "/users/:id" }
api Posts { method: GET  path: "/users/:id/posts" }
api Me { method: GET  path: "/users/me/x" }
`;
    expect(check(src)).toEqual([]);
  });

  test("an unknown method or a broken path is not also a duplicate route", () => {
    const result = validate(`api A { method: GET  path: "/a" }
api B { method: FETCH  path: "/a" }
api C { method: GET  path: "a" }
api D { method: GET  path: "a" }
`);
    expect(result.buildDiagnostics.map((d) => d.code)).toEqual(["schema/bad-method"]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["validate/path-no-leading-slash", "validate/path-no-leading-slash"]);
  });
});

describe("websocket paths", () => {
  test("two ws on one path collide", () => {
    const src = `ws Chat { path: "/ws/chat" }\nws Chat2 { path: "/ws/chat/" }\n`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/duplicate-ws-path",
        severity: "error",
        message: "ws Chat2 and ws Chat both use path /ws/chat/",
        at: pos(src, `"/ws/chat/"`),
        length: 11,
        hint: "ws Chat declares /ws/chat at schema/main.ro:1",
      },
    ]);
  });

  test("a ws path collides with a GET api on the same route, not with other methods", () => {
    const src = `api Room { method: GET  path: "/rooms/:id" }
api PostRoom { method: POST  path: "/live/:id" }
ws Live { path: "/rooms/:roomId" }
ws Other { path: "/live/:id" }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/ws-path-conflict",
        severity: "error",
        message: "ws Live path /rooms/:roomId collides with GET /rooms/:id of api Room",
        at: pos(src, `"/rooms/:roomId"`),
        length: 16,
        hint: "a WebSocket upgrade is a GET request; give one of them another path (api Room is at schema/main.ro:1)",
      },
    ]);
  });

  test("a ws path and a GET api of different shapes matching one request: a warning naming which answers it", () => {
    const src = `api Room { method: GET  path: "/ws/:room" }
ws Chat { path: "/ws/chat" }
api Stats { method: GET  path: "/live/stats" }
ws Live { path: "/live/:channel" }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/ws-path-overlap",
        severity: "warning",
        message: "ws Chat path /ws/chat and GET /ws/:room of api Room both match /ws/chat: ws Chat answers it, so api Room never gets a plain GET /ws/chat",
        at: pos(src, `"/ws/chat"`),
        length: 10,
        hint: "the more specific path answers a request both match; give one of them another path if both should answer it (api Room is at schema/main.ro:1)",
      },
      {
        code: "validate/ws-path-overlap",
        severity: "warning",
        message:
          "ws Live path /live/:channel and GET /live/stats of api Stats both match /live/stats: api Stats answers it, so a WebSocket upgrade to /live/stats never reaches ws Live",
        at: pos(src, `"/live/:channel"`),
        length: 16,
        hint: "the more specific path answers a request both match; give one of them another path if both should answer it (api Stats is at schema/main.ro:3)",
      },
    ]);
  });

  test("paths that cannot match one request do not overlap: other lengths, other statics, other methods, the root", () => {
    const src = `api A { method: GET  path: "/ws/:room/history" }
api B { method: GET  path: "/chat/:room" }
api C { method: POST  path: "/ws/:room" }
api D { method: GET  path: "/:slug" }
ws Chat { path: "/ws/chat" }
ws Root { path: "/" }
`;
    expect(check(src)).toEqual([]);
  });

  test("the first segment where one path is static decides, as the router does", () => {
    const src = `api A { method: GET  path: "/a/:x/c" }
ws W { path: "/a/b/:y" }
`;
    expect(check(src).map((d) => d.message)).toEqual([
      "ws W path /a/b/:y and GET /a/:x/c of api A both match /a/b/c: ws W answers it, so api A never gets a plain GET /a/b/c",
    ]);
  });

  test("routeShape ignores parameter names and a trailing slash", () => {
    expect(routeShape("/users/:id/")).toBe("/users/:");
    expect(routeShape("/")).toBe("/");
    expect(routeShape("/a/:x/b/:y")).toBe(routeShape("/a/:p/b/:q"));
    expect(routeShape("/a/:x")).not.toBe(routeShape("/a/x"));
  });
});
