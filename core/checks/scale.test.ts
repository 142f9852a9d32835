/**
 * A generated 5,000-block schema that is valid must come back clean: the rules
 * must not misfire at scale (long trigger chains, handler-broken loops, many
 * routes and crons). Speed is measured outside the tests.
 */
import { describe, expect, test } from "bun:test";
import { generateValidSchema } from "./fixtures/generate.ts";
import { check } from "./harness.ts";

describe("a valid 5,000-block schema", () => {
  test("produces no diagnostics", () => {
    const sources = generateValidSchema();
    const blocks = Object.values(sources).reduce((n, text) => n + (text.match(/^(model|input|api|event|cron|ws) /gm)?.length ?? 0), 0);
    expect(blocks).toBe(5000);
    expect(check(sources)).toEqual([]);
  });
});
