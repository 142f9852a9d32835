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
  expect(fulfilledValue({ then: (ok: (v: number) => void) => ok(1) } as unknown as PromiseLike<number>)).toBe(NOT_YET);
  // A subclass may change what `then` delivers: it is waited for like any promise.
  class Wrapping<T> extends Promise<T> {
    override then<A = T, B = never>(ok?: ((v: T) => A | PromiseLike<A>) | null, no?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      return super.then((v) => ok!({ wrapped: v } as T), no);
    }
  }
  const wrapped = Wrapping.resolve(1);
  expect(fulfilledValue(wrapped)).toBe(NOT_YET);
  expect((await wrapped) as unknown).toEqual({ wrapped: 1 });
});
