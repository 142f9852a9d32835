import { describe, expect, test } from "bun:test";
import { Cron } from "croner";
import { judgeSchedule, plainlyValid } from "./cron.ts";
import { brief, check, pos, validate } from "./harness.ts";

const EXAMPLES = `e.g. "*/5 * * * *" (every 5 minutes) or "0 */5 * * * *" (the same, with seconds first)`;

describe("cron schedules", () => {
  test("five and six fields and croner nicknames are accepted", () => {
    const src = `cron A { schedule: "*/5 * * * *" }
cron B { schedule: "0 */5 * * * *" }
cron C { schedule: "0 9 * * MON-FRI" }
cron D { schedule: "@daily" }
`;
    expect(check(src)).toEqual([]);
  });

  test("a wrong number of fields is an error at the schedule string", () => {
    const src = `cron Daily {\n  schedule: "every day"\n}\ncron Year { schedule: "0 0 0 1 1 * 2030" }\n`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/cron-field-count",
        severity: "error",
        message: `cron schedule "every day" has 2 fields, expected 5 or 6 (cron Daily)`,
        at: "schema/main.ro:2:13",
        length: 11,
        hint: EXAMPLES,
      },
      {
        code: "validate/cron-field-count",
        severity: "error",
        message: `cron schedule "0 0 0 1 1 * 2030" has 7 fields, expected 5 or 6 (cron Year)`,
        at: pos(src, `"0 0 0 1 1 * 2030"`),
        length: 18,
        hint: EXAMPLES,
      },
    ]);
  });

  test("croner's reason is passed on for out-of-range values and bad syntax", () => {
    const src = `cron Minute { schedule: "61 * * * *" }\ncron Step { schedule: "*/0 * * * *" }\ncron Junk { schedule: "x * * * *" }\n`;
    const found = check(src).map(brief);
    expect(found.map((d) => [d.code, d.severity, d.at, d.hint])).toEqual([
      ["validate/bad-cron", "error", pos(src, `"61`), EXAMPLES],
      ["validate/bad-cron", "error", pos(src, `"*/0`), EXAMPLES],
      ["validate/bad-cron", "error", pos(src, `"x`), EXAMPLES],
    ]);
    expect(found[0]!.message).toBe(`invalid cron schedule "61 * * * *": Invalid value for minute (allowed 0-59) (cron Minute)`);
    expect(found[1]!.message).toMatch(/^invalid cron schedule "\*\/0 \* \* \* \*": .*stepping.* \(cron Step\)$/);
    expect(found[2]!.message).toMatch(/^invalid cron schedule "x \* \* \* \*": .*illegal characters.* \(cron Junk\)$/);
  });

  test("a schedule that can never fire is a warning", () => {
    const src = `cron Feb30 { schedule: "0 0 30 2 *" }\n`;
    expect(check(src).map(brief)).toEqual([
      {
        code: "validate/cron-never-fires",
        severity: "warning",
        message: `cron schedule "0 0 30 2 *" never fires (cron Feb30)`,
        at: pos(src, `"0 0 30 2 *"`),
        length: 12,
        hint: "check the day of month against the month",
      },
    ]);
  });

  test("an empty schedule is judged; a missing one is left to buildSchema", () => {
    expect(check(`cron Empty { schedule: "" }\n`).map((d) => d.code)).toEqual(["validate/cron-field-count"]);
    const missing = validate(`cron Missing { triggers: [] }\ncron Number { schedule: 5 }\n`);
    expect(missing.buildDiagnostics.map((d) => d.code)).toEqual(["schema/missing-property", "schema/wrong-value"]);
    expect(missing.diagnostics).toEqual([]);
  });

  test("croner's day and month values are replaced by the allowed range (croner counts them from 0)", () => {
    expect(judgeSchedule("0 0 * 13 *")?.message).toBe(`invalid cron schedule "0 0 * 13 *": Invalid value for month (allowed 1-12)`);
    expect(judgeSchedule("0 0 0 * *")?.message).toBe(`invalid cron schedule "0 0 0 * *": Invalid value for day (allowed 1-31)`);
  });

  test("the fast recogniser only accepts what croner accepts and can fire", () => {
    // Deterministic pseudo-random schedules mixing valid and invalid pieces.
    let seed = 42;
    const next = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    // Mostly plausible values, with out-of-range numbers, zero and huge steps mixed in.
    const number = () => String(next(4) === 0 ? next(70) : next(24));
    const step = () => String(next(4) === 0 ? next(70) : 1 + next(11));
    const item = () => {
      switch (next(6)) {
        case 0:
          return "*";
        case 1:
          return `*/${step()}`;
        case 2:
          return number();
        case 3:
          return `${number()}-${number()}`;
        case 4:
          return `${number()}-${number()}/${step()}`;
        default:
          return `${number()}/${step()}`;
      }
    };
    const field = () => (next(2) === 0 ? "*" : next(4) === 0 ? `${item()},${item()}` : item());
    let accepted = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const fields = Array.from({ length: next(2) === 0 ? 5 : 6 }, field);
      if (!plainlyValid(fields)) continue;
      accepted++;
      const schedule = fields.join(" ");
      try {
        const job = new Cron(schedule, { paused: true });
        if (job.nextRun() === null) wrong.push(`${schedule} (never fires)`);
        job.stop();
      } catch (caught) {
        wrong.push(`${schedule} (${(caught as Error).message})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(500);
    // and it does serve the common cases
    for (const plain of ["*/5 * * * *", "0 */5 * * * *", "0 0 * * *", "30 9 * * 1-5", "0 0 1 * *", "0,30 * * * *"]) {
      expect({ plain, fast: plainlyValid(plain.split(" ")) }).toEqual({ plain, fast: true });
    }
  });

  test("judgeSchedule on its own", () => {
    expect(judgeSchedule("0 0 * * *")).toBeUndefined();
    expect(judgeSchedule("0 0 * * 8")).toMatchObject({ code: "validate/bad-cron", message: expect.stringContaining("dayOfWeek") });
    expect(judgeSchedule("* *")).toMatchObject({ code: "validate/cron-field-count" });
  });
});
