/**
 * Whether a broker's port answers on 127.0.0.1. In CI (CI=true) an adapter
 * test whose broker is down fails; on a laptop it is skipped with a message
 * naming the command that starts it.
 */
import { connect } from "node:net";

export async function reachable(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(timeoutMs, () => done(false));
  });
}

/** True when the tests should run; throws in CI when the broker is down. */
export async function brokerAvailable(name: string, port: number): Promise<boolean> {
  if (await reachable(port)) return true;
  const message = `${name} is not reachable on 127.0.0.1:${port}: start it with 'scripts/brokers up ${name}'`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping the ${name} adapter tests: ${message}`);
  return false;
}

/** Polls `fn` until it holds; fails naming `what` after `ms`. */
export async function until(fn: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await Bun.sleep(5);
  }
}

let counter = 0;
/** A name no other test run uses (brokers keep streams, queues and topics between runs). */
export const unique = (label: string): string => `${label}_${Date.now().toString(36)}_${++counter}`;
