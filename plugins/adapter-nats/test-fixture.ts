/**
 * Test helper: the live-server fixture the NATS adapter tests share. One connection and
 * JetStreamManager for the tests that call natsFixture() (opened in beforeAll), uniquely named
 * events whose streams are deleted in afterAll, and adapters that are closed in afterAll.
 * Whether the tests run at all stays with each test file (brokerAvailable in
 * test/adapters/broker.ts: skipped with a message locally, a failure in CI).
 */
import { afterAll, beforeAll } from "bun:test";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import { unique } from "../../test/adapters/broker.ts";
import { NatsAdapter, type NatsAdapterOptions } from "./adapter.ts";

export const URL = "nats://127.0.0.1:4222";

export interface NatsFixture {
  /** The tests' own connection; set once beforeAll ran. */
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  /** A unique event; its stream (ROHAS_<event>) is deleted after the tests. */
  newEvent(label: string): string;
  /** A connected adapter (ack wait 1.5 s unless `options` says otherwise), closed after the tests. */
  adapter(options?: Partial<NatsAdapterOptions>): Promise<NatsAdapter>;
}

/** Registers the hooks in the scope it is called in (a file's top level or a describe). */
export function natsFixture(): NatsFixture {
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;
  const streams: string[] = [];
  const adapters: NatsAdapter[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: URL });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.close().catch(() => undefined)));
    for (const s of streams) await jsm?.streams.delete(s).catch(() => undefined);
    await nc?.close();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the NATS fixture is used before its beforeAll connected");
    return value;
  };
  return {
    get nc() {
      return ready(nc);
    },
    get jsm() {
      return ready(jsm);
    },
    newEvent(label) {
      const event = unique(label);
      streams.push(`ROHAS_${event}`);
      return event;
    },
    async adapter(options = {}) {
      const a = new NatsAdapter({ url: URL, ackWaitMs: 1_500, connectTimeoutMs: 3_000, ...options });
      await a.connect();
      adapters.push(a);
      return a;
    },
  };
}
