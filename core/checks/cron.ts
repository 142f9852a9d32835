/**
 * Rule 6: cron schedules are what the scheduler (croner) will accept: five
 * fields (minute first) or six (second first), or a croner nickname such as
 * "@daily". Croner's own reason is passed on. A valid schedule that can never
 * fire ("0 0 30 2 *") is a warning.
 *
 * Constructing a croner job costs tens of microseconds, so plain schedules
 * (numbers, ranges, steps, lists, all in range) are accepted by a small
 * recogniser that only ever says yes to what croner accepts (a test checks
 * this on thousands of random schedules); anything else goes to croner.
 */
import { Cron } from "croner";
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, warning, type Schema } from "../schema.ts";
import { writtenSchedule } from "./properties.ts";

const EXAMPLES = `e.g. "*/5 * * * *" (every 5 minutes) or "0 */5 * * * *" (the same, with seconds first)`;

export interface ScheduleVerdict {
  code: string;
  severity: "error" | "warning";
  message: string;
}

/** Problems with one schedule, or undefined when it is fine. */
export function judgeSchedule(schedule: string): ScheduleVerdict | undefined {
  const trimmed = schedule.trim();
  if (!trimmed.startsWith("@")) {
    const fields = trimmed === "" ? [] : trimmed.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      return {
        code: "validate/cron-field-count",
        severity: "error",
        message: `cron schedule "${schedule}" has ${fields.length} field${fields.length === 1 ? "" : "s"}, expected 5 or 6`,
      };
    }
    if (plainlyValid(fields)) return undefined;
  }
  let job: Cron | undefined;
  try {
    job = new Cron(trimmed, { paused: true });
    if (job.nextRun() === null) {
      return { code: "validate/cron-never-fires", severity: "warning", message: `cron schedule "${schedule}" never fires` };
    }
    return undefined;
  } catch (caught) {
    return { code: "validate/bad-cron", severity: "error", message: `invalid cron schedule "${schedule}": ${croneReason(caught)}` };
  } finally {
    job?.stop();
  }
}

/** Allowed values as written in a schedule, by croner's name for the part. */
const PART_RANGES: Record<string, string> = {
  second: "0-59",
  minute: "0-59",
  hour: "0-23",
  day: "1-31",
  month: "1-12",
  dayOfWeek: "0-7",
};

function croneReason(caught: unknown): string {
  const reason = (caught instanceof Error ? caught.message : String(caught)).replace(/^CronPattern:\s*/, "");
  // Croner counts days and months from 0 in this message ("month: 12" for a written 13): give the range instead.
  return reason.replace(/^Invalid value for (\w+): -?\d+$/, (whole, part: string) =>
    PART_RANGES[part] ? `Invalid value for ${part} (allowed ${PART_RANGES[part]})` : whole,
  );
}

// [min, max] per field, seconds first; weekday 7 (also Sunday) is left to croner.
const SECOND: [number, number] = [0, 59];
const FIVE_FIELDS: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
const ITEM = /^(?:(\*)|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;

/** True only for schedules croner accepts and that fire at some point. */
export function plainlyValid(fields: string[]): boolean {
  const ranges = fields.length === 6 ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
  for (let i = 0; i < fields.length; i++) {
    const [min, max] = ranges[i]!;
    for (const item of fields[i]!.split(",")) if (!plainItem(item, min, max)) return false;
  }
  // A restricted day of month in restricted months may never happen (Feb 30): croner decides.
  const day = fields[fields.length - 3];
  const month = fields[fields.length - 2];
  return day === "*" || month === "*";
}

function plainItem(item: string, min: number, max: number): boolean {
  const match = ITEM.exec(item);
  if (!match) return false;
  const [, star, from, to, step] = match;
  if (step !== undefined) {
    const by = Number(step);
    if (by < 1 || by > max) return false;
    if (!star && to === undefined) return false; // croner rejects "5/5"
  }
  if (star) return true;
  const a = Number(from);
  if (a < min || a > max) return false;
  if (to === undefined) return true;
  const b = Number(to);
  return b >= a && b <= max;
}

export function checkCronSchedules(schema: Schema, diagnostics: Diagnostic[]): void {
  // Large schemas repeat the same few schedules; judge each once.
  const verdicts = new Map<string, ScheduleVerdict | undefined>();
  for (const cron of schema.crons) {
    const schedule = writtenSchedule(cron);
    if (!schedule) continue; // missing or not a string: buildSchema reported it
    let verdict = verdicts.get(schedule.value);
    if (!verdicts.has(schedule.value)) verdicts.set(schedule.value, (verdict = judgeSchedule(schedule.value)));
    if (!verdict) continue;
    const make = verdict.severity === "error" ? error : warning;
    const hint = verdict.severity === "error" ? EXAMPLES : "check the day of month against the month";
    diagnostics.push(make(verdict.code, `${verdict.message} (cron ${cron.name})`, schedule.span, hint));
  }
}
