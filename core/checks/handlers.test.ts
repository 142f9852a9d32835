import { describe, expect, test } from "bun:test";
import { brief, check, pos } from "./harness.ts";

describe("handler and middleware names", () => {
  test("names that are not identifiers are errors with a corrected suggestion", () => {
    const src = `event UserCreated { payload: Json  handler: ["send-email", ok_one] }
cron Nightly { schedule: "0 0 * * *"  handler: "1st_job" }
ws Chat { path: "/ws"  onConnect: ["on connect"] }
api A { method: GET  path: "/a"  middlewares: ["auth.check"] }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/bad-handler-name",
        severity: "error",
        message: "middleware name 'auth.check' in middlewares of api A is not a valid identifier",
        at: pos(src, `"auth.check"`),
        length: 12,
        hint: "use letters, digits and '_', not starting with a digit, e.g. 'auth_check'",
      },
      {
        code: "validate/bad-handler-name",
        severity: "error",
        message: "handler name 'send-email' in handlers of event UserCreated is not a valid identifier",
        at: pos(src, `"send-email"`),
        length: 12,
        hint: "use letters, digits and '_', not starting with a digit, e.g. 'send_email'",
      },
      {
        code: "validate/bad-handler-name",
        severity: "error",
        message: "handler name '1st_job' in handler of cron Nightly is not a valid identifier",
        at: pos(src, `"1st_job"`),
        length: 9,
        hint: "use letters, digits and '_', not starting with a digit, e.g. '_1st_job'",
      },
      {
        code: "validate/bad-handler-name",
        severity: "error",
        message: "handler name 'on connect' in onConnect of ws Chat is not a valid identifier",
        at: pos(src, `"on connect"`),
        length: 12,
        hint: "use letters, digits and '_', not starting with a digit, e.g. 'on_connect'",
      },
    ]);
  });

  test("a handler listed twice in one list is an error at the second", () => {
    const src = `event UserCreated {
  payload: Json
  handler: [send_email, index_user, send_email]
}
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/duplicate-handler",
        severity: "error",
        message: "handler 'send_email' is listed twice",
        at: "schema/main.ro:3:37",
        length: 10,
        hint: "already listed in handlers of event UserCreated at schema/main.ro:3; remove one",
      },
    ]);
  });

  test("handler and handlers are one list; ws lists and middlewares are checked too", () => {
    const src = `event E { payload: Json  handler: a  handlers: [b, a] }
ws Chat {
  path: "/ws"
  onConnect: [hello]
  onMessage: [relay, relay]
  onDisconnect: [bye]
  middlewares: [auth, auth]
}
`;
    expect(check(src).map((d) => [d.code, d.message, brief(d).at])).toEqual([
      ["validate/duplicate-handler", "handler 'a' is listed twice", pos(src, "a]")],
      ["validate/duplicate-handler", "handler 'relay' is listed twice", pos(src, "relay]")],
      ["validate/duplicate-handler", "middleware 'auth' is listed twice", pos(src, "auth]")],
    ]);
  });

  test("the same function for two ws lifecycle moments, or in two blocks, is allowed", () => {
    const src = `ws Chat { path: "/ws"  onConnect: [log_it]  onMessage: [log_it]  onDisconnect: [log_it]  middlewares: [auth] }
api A { method: GET  path: "/a"  middlewares: [auth] }
event E { payload: Json  handler: [log_it] }
event F { payload: Json  handler: [log_it] }
cron C { schedule: "0 * * * *"  handler: log_it }
`;
    expect(check(src)).toEqual([]);
  });
});
