/**
 * The rules as the pipeline runs them: registered on the `validate` hook next
 * to plugin rules, and end to end through Rohas.loadSchema on fixture projects.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Diagnostic } from "../../grammar/ast.ts";
import { CORE_CHECKS, registerCoreChecks, runCoreChecks } from "../checks.ts";
import { createHooks } from "../hooks.ts";
import { Rohas } from "../rohas.ts";
import { brief, pos, validate } from "./harness.ts";

const FIXTURES = join(import.meta.dir, "fixtures");

const SAMPLE = `input Unused { a: Int }
model User { id Int @id  name Strng }
api GetUser { method: GET  path: "/users/:id"  body: User  triggers: [Gone] }
cron Bad { schedule: "nope" }
event Ping { payload: Json  triggers: [Ping] }
`;

describe("registration on the validate hook", () => {
  test("every core rule is tapped as core:<name> and the hook reports what the rules report", async () => {
    const hooks = createHooks();
    registerCoreChecks(hooks);
    expect(hooks.validate.taps.map((t) => t.name)).toEqual(Object.keys(CORE_CHECKS).map((name) => `core:${name}`));

    const { schema } = validate(SAMPLE);
    const viaHook: Diagnostic[] = [];
    await hooks.validate.promise(schema, viaHook);
    const direct = runCoreChecks(schema);
    expect(viaHook).toEqual(direct);
    expect(direct.map((d) => d.code).sort()).toEqual(
      [
        "validate/body-on-get",
        "validate/cron-field-count",
        "validate/trigger-cycle",
        "validate/unknown-event",
        "validate/unknown-type",
        "validate/unused-input",
      ].sort(),
    );
  });

  test("a plugin adds a rule the same way and sees the core diagnostics before it", async () => {
    const hooks = createHooks();
    registerCoreChecks(hooks);
    let seenBefore = -1;
    hooks.validate.tap("plugin:no-get-prefix", (schema, diagnostics) => {
      seenBefore = diagnostics.length;
      for (const api of schema.apis) {
        if (api.name.startsWith("Get")) diagnostics.push({ severity: "warning", code: "style/get-prefix", message: `api ${api.name} starts with Get` });
      }
    });
    const { schema } = validate(SAMPLE);
    const diagnostics: Diagnostic[] = [];
    await hooks.validate.promise(schema, diagnostics);
    expect(seenBefore).toBe(runCoreChecks(schema).length);
    expect(diagnostics.at(-1)).toEqual({ severity: "warning", code: "style/get-prefix", message: "api GetUser starts with Get" });
  });

  test("problems buildSchema reports are not reported again by the rules", () => {
    const result = validate(`input Filter { q: String }
api NoPath { method: GET  body: Filter }
api BadMethod { method: FETCH  path: "/x"  body: Filter }
api Same { method: FETCH  path: "/x" }
api PathNumber { method: GET  path: 7 }
ws NoPath { message: Filter }
cron NoSchedule { handler: job }
cron ListSchedule { schedule: ["0 * * * *"] }
event Loose { payload: Json  handler: [a]  hndler: [b] }
`);
    expect(result.parseDiagnostics).toEqual([]);
    expect(result.buildDiagnostics.map((d) => d.code)).toEqual([
      "schema/missing-property",
      "schema/bad-method",
      "schema/bad-method",
      "schema/wrong-value",
      "schema/missing-property",
      "schema/missing-property",
      "schema/wrong-value",
      "schema/unknown-property",
    ]);
    // NoPath is a GET with a body: that one is a real finding, not a repeat.
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["validate/body-on-get api NoPath is a GET request and cannot have a body"]);
  });
});

describe("Rohas.loadSchema end to end", () => {
  test("a project using every construct validates without a single diagnostic", async () => {
    const rohas = await Rohas.create({ projectDir: join(FIXTURES, "valid") });
    const result = await rohas.loadSchema();
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.schema.apis.length).toBe(6);
  });

  test("a broken project reports every rule's finding across files", async () => {
    const dir = join(FIXTURES, "broken");
    const api = relative(process.cwd(), join(dir, "schema/api.ro"));
    const models = relative(process.cwd(), join(dir, "schema/models.ro"));
    const sources = { [api]: readFileSync(join(dir, "schema/api.ro"), "utf8"), [models]: readFileSync(join(dir, "schema/models.ro"), "utf8") };
    const at = (file: string, needle: string, nth = 1) => pos(sources, needle, nth, file);

    const result = await (await Rohas.create({ projectDir: dir })).loadSchema();
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(brief)).toEqual([
      {
        code: "validate/duplicate-name",
        severity: "error",
        message: "model User clashes with input User",
        at: at(models, "User"),
        length: 4,
        hint: `first defined at ${api}:1; models, types and inputs share one namespace`,
      },
      {
        code: "validate/duplicate-field",
        severity: "error",
        message: "field 'name' is defined twice in model User",
        at: `${models}:4:3`,
        length: 4,
        hint: "first defined at line 3; rename or remove one",
      },
      {
        code: "validate/unknown-type",
        severity: "error",
        message: "unknown type 'SignupInpt' in body of api Signup",
        at: `${api}:6:9`,
        length: 10,
        hint: "did you mean 'SignupInput'?",
      },
      {
        code: "validate/unknown-event",
        severity: "error",
        message: "unknown event 'UserSignedUp' in triggers of api Signup",
        at: `${api}:7:14`,
        length: 12,
        hint: "did you mean 'UserSignedup'?",
      },
      {
        code: "validate/duplicate-route",
        severity: "error",
        message: "api FindUser and api GetUser both route GET /users/:userId",
        at: at(api, `"/users/:userId"`),
        length: 16,
        hint: `api GetUser declares GET /users/:id at ${api}:9; parameter names do not tell routes apart`,
      },
      {
        code: "validate/body-on-get",
        severity: "error",
        message: "api Signup is a GET request and cannot have a body",
        at: `${api}:6:9`,
        length: 10,
        hint: "use `query: SignupInpt` for GET parameters, or change the method to POST",
      },
      {
        code: "validate/cron-field-count",
        severity: "error",
        message: `cron schedule "0 0 * *" has 4 fields, expected 5 or 6 (cron Nightly)`,
        at: at(api, `"0 0 * *"`),
        length: 9,
        hint: `e.g. "*/5 * * * *" (every 5 minutes) or "0 */5 * * * *" (the same, with seconds first)`,
      },
      {
        code: "validate/trigger-cycle",
        severity: "warning",
        message: "trigger cycle UserSignedup → Audit → UserSignedup never ends",
        at: at(api, "UserSignedup]"),
        length: 12,
        hint: "none of UserSignedup, Audit has a handler that could stop it; add a handler to one of them or remove a trigger",
      },
      {
        code: "validate/unused-input",
        severity: "warning",
        message: "input SignupInput is not used",
        at: at(models, "SignupInput"),
        length: 11,
        hint: "use it as an api body or query, a ws message or a field type, or remove it",
      },
    ]);
  });
});
