import { describe, expect, test } from "bun:test";
import { stronglyConnected } from "./cycles.ts";
import { brief, check, pos } from "./harness.ts";

describe("validate/trigger-cycle", () => {
  test("two handler-less events triggering each other: one warning at the trigger that closes the loop", () => {
    const src = `event A { payload: Json  triggers: [B] }
event B { payload: Json  triggers: [A] }
`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/trigger-cycle",
        severity: "warning",
        message: "trigger cycle A → B → A never ends",
        at: pos(src, "A]"),
        length: 1,
        hint: "none of A, B has a handler that could stop it; add a handler to one of them or remove a trigger",
      },
    ]);
  });

  test("an event triggering itself", () => {
    const src = `event Tick { payload: Json  triggers: [Tick] }\n`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/trigger-cycle",
        severity: "warning",
        message: "trigger cycle Tick → Tick never ends",
        at: pos(src, "Tick]"),
        length: 4,
        hint: "event Tick triggers itself and has no handler to stop it; add a handler or remove the trigger",
      },
    ]);
  });

  test("a handler anywhere on the cycle can break it: no warning", () => {
    const src = `event A { payload: Json  triggers: [B] }
event B { payload: Json  handler: [decide]  triggers: [C] }
event C { payload: Json  triggers: [A] }
event Self { payload: Json  handler: [maybe_again]  triggers: [Self] }
`;
    expect(check(src)).toEqual([]);
  });

  test("the cycle is reported once, without the path leading into it", () => {
    const src = `api Start { method: POST  path: "/start"  triggers: [Entry] }
event Entry { payload: Json  triggers: [Loop1] }
event Loop1 { payload: Json  triggers: [Loop2] }
event Loop2 { payload: Json  triggers: [Loop3] }
event Loop3 { payload: Json  triggers: [Loop1, Done] }
event Done { payload: Json  handler: [finish] }
`;
    expect(check(src).map((d) => [d.message, brief(d).at])).toEqual([["trigger cycle Loop1 → Loop2 → Loop3 → Loop1 never ends", pos(src, "Loop1, Done")]]);
  });

  test("separate cycles are reported separately; loops sharing events are one finding", () => {
    const src = `event A { payload: Json  triggers: [B, C] }
event B { payload: Json  triggers: [A] }
event C { payload: Json  triggers: [A] }
event X { payload: Json  triggers: [Y] }
event Y { payload: Json  triggers: [X] }
`;
    expect(check(src).map((d) => [d.message, d.hint])).toEqual([
      ["trigger cycle A → B → A never ends", "none of A, B, C has a handler that could stop it; add a handler to one of them or remove a trigger"],
      ["trigger cycle X → Y → X never ends", "none of X, Y has a handler that could stop it; add a handler to one of them or remove a trigger"],
    ]);
  });

  test("a loop through a handler-less pair is found even when a handled event is also in the component", () => {
    // B has a handler, but A → C → A loops without touching it.
    const src = `event A { payload: Json  triggers: [B, C] }
event B { payload: Json  handler: [h]  triggers: [A] }
event C { payload: Json  triggers: [A] }
`;
    expect(check(src).map((d) => d.message)).toEqual(["trigger cycle A → C → A never ends"]);
  });

  test("a 5,000-event loop is found without recursion", () => {
    const n = 5000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`event E${i} { payload: Json  triggers: [E${(i + 1) % n}] }`);
    const found = check(lines.join("\n") + "\n");
    expect(found.length).toBe(1);
    expect(found[0]!.message).toBe("trigger cycle E0 → E1 → E2 → E3 → … → E4998 → E4999 → E0 never ends");
    expect(found[0]!.hint).toBe("none of E0, E1, E2, E3, E4 and 4995 more has a handler that could stop it; add a handler to one of them or remove a trigger");
  });

  test("stronglyConnected groups nodes by mutual reachability", () => {
    const edges = [[{ to: 1 }], [{ to: 2 }], [{ to: 0 }, { to: 3 }], [], [{ to: 4 }]];
    const groups = stronglyConnected(edges).map((c) => [...c].sort((a, b) => a - b));
    expect(groups.sort((a, b) => a[0]! - b[0]!)).toEqual([[0, 1, 2], [3], [4]]);
  });
});
