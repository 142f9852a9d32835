import { describe, expect, test } from "bun:test";
import { brief, check, pos } from "./harness.ts";

describe("validate/unknown-type", () => {
  test("a misspelt field type is an error pointing at the type, suggesting the scalar", () => {
    const src = `model User {
  id   Int @id
  name Strng
}
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/unknown-type",
        severity: "error",
        message: "unknown type 'Strng' in field 'name' of model User",
        at: "schema/main.ro:3:8",
        length: 5,
        hint: "did you mean 'String'?",
      },
    ]);
  });

  test("array and optional references are resolved by their element name and suggest shapes", () => {
    const src = `model User { id Int @id }
type Post { title: String  author: Usr?  readers: Uzer[] }
`;
    const found = check(src).map(brief);
    expect(found.map((d) => [d.message, d.at, d.hint])).toEqual([
      ["unknown type 'Usr' in field 'author' of type Post", pos(src, "Usr?"), "did you mean 'User'?"],
      ["unknown type 'Uzer' in field 'readers' of type Post", pos(src, "Uzer[]"), "did you mean 'User'?"],
    ]);
  });

  test("lower-case scalars suggest the right spelling", () => {
    const src = `type Health { status: string }\n`;
    expect(check(src).map((d) => [d.message, d.hint])).toEqual([["unknown type 'string' in field 'status' of type Health", "did you mean 'String'?"]]);
  });

  test("api body, query and response, event payload and ws message are all checked", () => {
    const src = `api CreateOrder { method: POST  path: "/orders"  body: OrderInput  response: Receipt }
api ListOrders { method: GET  path: "/orders"  query: Filter }
event OrderPlaced { payload: Placement  handler: [notify] }
ws Feed { path: "/ws/feed"  message: FeedMessage }
`;
    const fallback = "declare it as a model, type or input, or use a scalar: String, Int, Float, Boolean, DateTime, Json";
    expect(check(src).map(brief)).toEqual([
      { code: "validate/unknown-type", severity: "error", message: "unknown type 'OrderInput' in body of api CreateOrder", at: pos(src, "OrderInput"), length: 10, hint: fallback },
      { code: "validate/unknown-type", severity: "error", message: "unknown type 'Receipt' in response of api CreateOrder", at: pos(src, "Receipt"), length: 7, hint: fallback },
      { code: "validate/unknown-type", severity: "error", message: "unknown type 'Filter' in query of api ListOrders", at: pos(src, "Filter"), length: 6, hint: fallback },
      { code: "validate/unknown-type", severity: "error", message: "unknown type 'Placement' in payload of event OrderPlaced", at: pos(src, "Placement"), length: 9, hint: fallback },
      { code: "validate/unknown-type", severity: "error", message: "unknown type 'FeedMessage' in message of ws Feed", at: pos(src, "FeedMessage"), length: 11, hint: fallback },
    ]);
  });

  test("scalars, arrays, optionals and every kind of shape resolve", () => {
    const src = `model User {
  id Int @id
  name String
  score Float?
  active Boolean
  at DateTime
  meta Json
  posts Post[]
  settings Settings?
}
type Post { title: String  tags: String[]? }
input Settings { theme: String }
api GetUser { method: GET  path: "/users/:id"  response: User }
api Users { method: GET  path: "/users"  response: User[] }
event UserSeen { payload: User  handler: [track] }
`;
    expect(check(src)).toEqual([]);
  });
});

describe("validate/unknown-event", () => {
  test("unknown triggers in api, event, cron and ws are errors with a did-you-mean", () => {
    const src = `event UserCreated { payload: Json  handler: [h]  triggers: [UserCreatd] }
api CreateUser { method: POST  path: "/users"  triggers: [UserCreatd] }
cron Nightly { schedule: "0 0 * * *"  triggers: [usercreated] }
ws Chat { path: "/ws"  onMessage: [m]  triggers: [MessageSent] }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/unknown-event",
        severity: "error",
        message: "unknown event 'UserCreatd' in triggers of api CreateUser",
        at: pos(src, "UserCreatd", 2),
        length: 10,
        hint: "did you mean 'UserCreated'?",
      },
      {
        code: "validate/unknown-event",
        severity: "error",
        message: "unknown event 'UserCreatd' in triggers of event UserCreated",
        at: pos(src, "UserCreatd", 1),
        length: 10,
        hint: "did you mean 'UserCreated'?",
      },
      {
        code: "validate/unknown-event",
        severity: "error",
        message: "unknown event 'usercreated' in triggers of cron Nightly",
        at: pos(src, "usercreated"),
        length: 11,
        hint: "did you mean 'UserCreated'?",
      },
      {
        code: "validate/unknown-event",
        severity: "error",
        message: "unknown event 'MessageSent' in triggers of ws Chat",
        at: pos(src, "MessageSent"),
        length: 11,
        hint: "declare it: event MessageSent { payload: Json }",
      },
    ]);
  });

  test("triggers naming declared events, in any file, are fine", () => {
    const found = check({
      "schema/api.ro": `api CreateUser { method: POST  path: "/users"  triggers: [UserCreated] }\n`,
      "schema/events.ro": `event UserCreated { payload: Json  handler: [h] }\n`,
    });
    expect(found).toEqual([]);
  });
});
