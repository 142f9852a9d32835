/**
 * Test helper: what a test made (adapters, amqpProxy proxies, connections of its own, queues to
 * delete), undone after it in the reverse order it was made. A test registers each part as it
 * makes it and states nothing else about its teardown:
 *
 *   test("…", () => withTeardown(async (t) => {
 *     t.defer(() => cleanup(event, "fx"));   // last: the queues
 *     const proxy = t.add(await amqpProxy());
 *     const a = t.add(adapter({ url: proxy.url }));
 *     …
 *   }), 30_000);
 */

/** Steps run last-registered first; every step runs even when an earlier one failed. */
export class Teardown {
  private readonly steps: { run: () => unknown; quiet: boolean }[] = [];

  /**
   * Closes `resource` at teardown and returns it. Its close's error is ignored: the test may have
   * closed it itself (or cut it through the proxy), and amqplib refuses to close a connection twice.
   */
  add<T extends { close(): unknown }>(resource: T): T {
    this.steps.push({ run: () => resource.close(), quiet: true });
    return resource;
  }

  /** Runs `step` at teardown; its error fails the test once every other step has run. */
  defer(step: () => unknown): void {
    this.steps.push({ run: step, quiet: false });
  }

  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const { run, quiet } of this.steps.splice(0).reverse()) {
      try {
        await run();
      } catch (error) {
        if (!quiet) failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

/** Runs `body` with a Teardown that is closed when it returns or throws, as a `finally` would. */
export async function withTeardown(body: (t: Teardown) => Promise<void>): Promise<void> {
  const t = new Teardown();
  try {
    await body(t);
  } finally {
    await t.close();
  }
}
