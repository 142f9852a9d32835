import { expect, test } from "bun:test";
import { fulfilledValue, NOT_YET } from "./platform.ts";

test("fulfilledValue reads a fulfilled promise now and waits for anything else", async () => {
  const done = (async () => ({ id: 1 }))();
  expect(fulfilledValue(done)).toEqual({ id: 1 });
  expect(fulfilledValue(Promise.resolve(undefined))).toBeUndefined();

  let release!: () => void;
  const pending = new Promise<void>((resolve) => (release = resolve));
  expect(fulfilledValue(pending)).toBe(NOT_YET);
  release();
  await pending;
  expect(fulfilledValue(pending)).toBeUndefined();

  // A rejection is left to the caller's handlers (nothing is swallowed or reported here).
  const failed = Promise.reject(new Error("boom"));
  expect(fulfilledValue(failed)).toBe(NOT_YET);
  await expect(failed).rejects.toThrow("boom");

  // A promise resolved with a pending one is pending; a foreign thenable is never trusted.
  expect(fulfilledValue(Promise.resolve(new Promise(() => {})))).toBe(NOT_YET);
  expect(fulfilledValue({ then: (ok: (v: number) => void) => ok(1) })).toBe(NOT_YET);
});
