/**
 * Stream retention (limits.ts): the `[adapter]` keys max_age_hours, dlq_max_age_hours and
 * max_bytes, checked at start-up, set on the streams the adapter creates and brought up to
 * date on streams that exist, read back from the live server. Each test makes its own
 * uniquely named event streams and deletes them; ROHAS_DLQ is shared and left in place.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { nanos, StorageType } from "nats";
import { AdapterError } from "../../core/adapter.ts";
import { adapterFromToml, refusal, startWithAdapter } from "../../test/adapters/adapter-config.ts";
import { brokerAvailable, until } from "../../test/adapters/broker.ts";
import { eventually } from "../../test/support.ts";
import { NatsAdapter } from "./adapter.ts";
import adapterNats from "./index.ts";
import { natsFixture } from "./test-fixture.ts";

const HOUR_MS = 3_600_000;
/** JetStream's own duplicate window when none is given. */
const TWO_MINUTES = nanos(120_000);

describe("nats retention options", () => {
  const fromToml = adapterFromToml(adapterNats, "nats", 'url = "nats://127.0.0.1:1"');

  test("a bad value of each key is an adapter/config error naming the key and the value, before any connection", async () => {
    const cases: [string, string][] = [
      ['max_age_hours = "7d"', '[adapter] max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not "7d"'],
      ["max_age_hours = -1", "[adapter] max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not -1"],
      ["max_age_hours = nan", "[adapter] max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not NaN"],
      ["max_age_hours = 0.00001", "[adapter] max_age_hours for nats must be 0 (unlimited) or at least 100 ms (0.0000278 hours), JetStream's shortest max_age, not 0.00001"],
      ["max_age_hours = 3000000", "[adapter] max_age_hours for nats must be at most 2562047 hours (JetStream counts nanoseconds in 64 bits), not 3000000"],
      ["dlq_max_age_hours = -0.5", "[adapter] dlq_max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not -0.5"],
      ['dlq_max_age_hours = ""', '[adapter] dlq_max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not ""'],
      ["max_bytes = 1.5", "[adapter] max_bytes for nats must be a whole number of bytes, 0 (unlimited) or more, not 1.5"],
      ["max_bytes = -1", "[adapter] max_bytes for nats must be a whole number of bytes, 0 (unlimited) or more, not -1"],
      ['max_bytes = "1GB"', '[adapter] max_bytes for nats must be a whole number of bytes, 0 (unlimited) or more, not "1GB"'],
    ];
    for (const [line, message] of cases) {
      const error = await refusal(await fromToml(line));
      expect({ line, code: error.code, message: error.message }).toEqual({ line, code: "adapter/config", message });
    }
  });

  test("good values are accepted: whole and fractional hours, 0 for unlimited, bytes", async () => {
    for (const line of ["", "max_age_hours = 168", "max_age_hours = 0.0005\ndlq_max_age_hours = 0", "max_age_hours = 0\nmax_bytes = 0", "max_bytes = 1073741824"]) {
      expect((await fromToml(line))()).toBeInstanceOf(NatsAdapter);
    }
  });

  test("rohas start with a bad max_age_hours stops with the error naming the key", async () => {
    // An unreachable url: were the value accepted, start-up would fail later for another reason, not hang on a live broker.
    const result = startWithAdapter('type = "nats"\nurl = "nats://127.0.0.1:1"\nmax_age_hours = "7d"');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('[adapter] max_age_hours for nats must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5, not "7d"');
    expect(result.stderr).not.toContain("cannot connect");
  }, 30_000);
});

const available = await brokerAvailable("nats", 4222);

if (available) {
  // One connection for the file; each test's streams are deleted and its adapters closed after the tests.
  const nats = natsFixture();
  const { adapter } = nats;
  let warnings: string[] = [];
  let warn: ReturnType<typeof spyOn> | undefined;

  afterEach(() => {
    warn?.mockRestore();
    warn = undefined;
    warnings = [];
  });

  /** A unique event and its stream's name; the stream is deleted after the tests. */
  const newEvent = (label: string) => {
    const event = nats.newEvent(label);
    return { event, stream: `ROHAS_${event}` };
  };
  const config = async (stream: string) => (await nats.jsm.streams.info(stream)).config;
  const messages = async (stream: string) => (await nats.jsm.streams.info(stream)).state.messages;
  const captureWarnings = () => {
    warn = spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args.join(" ")));
  };
  /** A stream as an operator (or an older Rohas) made it: no limits, plus settings of their own. */
  const operatorStream = async (stream: string, event: string) => {
    await nats.jsm.streams.add({ name: stream, subjects: [`rohas.${event}`], description: "made by ops", max_msgs: 1_000, storage: StorageType.Memory });
    await nats.nc.jetstream().publish(`rohas.${event}`, new TextEncoder().encode("0"));
  };

  describe("nats stream limits on create", () => {
    test("a new event stream gets the configured max_age, max_bytes and duplicate_window; ROHAS_DLQ its own max_age", async () => {
      const { event, stream } = newEvent("Limits");
      const a = await adapter({ maxAgeHours: 2, dlqMaxAgeHours: 5, maxBytes: 50_000_000 });
      await expect(nats.jsm.streams.info(stream)).rejects.toThrow(); // it is new
      const dead: unknown[] = [];
      await a.subscribe(
        event,
        async () => {
          throw new Error("to the DLQ");
        },
        { group: "g", retry: { maxAttempts: 1, backoffMs: 10, maxBackoffMs: 10 }, onDeadLetter: (m) => dead.push(m.payload) },
      );
      const c = await config(stream);
      expect({ max_age: c.max_age, max_bytes: c.max_bytes, duplicate_window: c.duplicate_window }).toEqual({
        max_age: nanos(2 * HOUR_MS),
        max_bytes: 50_000_000,
        duplicate_window: TWO_MINUTES,
      });
      await a.publish(event, 1);
      await until(() => dead.length === 1, 10_000, "dead letter");
      const dlq = await config("ROHAS_DLQ");
      expect({ max_age: dlq.max_age, max_bytes: dlq.max_bytes, duplicate_window: dlq.duplicate_window }).toEqual({
        max_age: nanos(5 * HOUR_MS),
        max_bytes: 50_000_000,
        duplicate_window: TWO_MINUTES,
      });
    }, 30_000);

    test("the defaults: 168 hours for event streams, 720 for ROHAS_DLQ, no size limit", async () => {
      const { event, stream } = newEvent("Defaults");
      const a = await adapter();
      await a.subscribe(
        event,
        async () => {
          throw new Error("to the DLQ");
        },
        { group: "g", retry: { maxAttempts: 1, backoffMs: 10, maxBackoffMs: 10 } },
      );
      await a.publish(event, 1);
      const c = await config(stream);
      expect([c.max_age, c.max_bytes, c.duplicate_window]).toEqual([nanos(168 * HOUR_MS), -1, TWO_MINUTES]);
      await eventually(async () => (await config("ROHAS_DLQ")).max_age === nanos(720 * HOUR_MS), 10_000);
      expect((await config("ROHAS_DLQ")).max_bytes).toBe(-1);
    }, 30_000);

    test("max_age_hours = 0 leaves a new stream unlimited, with JetStream's own duplicate window", async () => {
      const { event, stream } = newEvent("Unlimited");
      const a = await adapter({ maxAgeHours: 0 });
      await a.publish(event, 1);
      const c = await config(stream);
      expect([c.max_age, c.max_bytes, c.duplicate_window]).toEqual([0, -1, TWO_MINUTES]);
    });

    test("a stream JetStream refuses to create with the limits fails the publish with adapter/stream-failed naming it", async () => {
      const { event, stream } = newEvent("TooBig");
      // 1 PiB: more than any test machine's disk, so the server refuses to reserve it.
      const a = await adapter({ maxBytes: 2 ** 50 });
      const error = await a.publish(event, 1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as AdapterError).code).toBe("adapter/stream-failed");
      expect((error as AdapterError).message).toContain(`cannot create JetStream stream ${stream} (max_age 168 h, max_bytes ${2 ** 50} bytes)`);
    });
  });

  describe("nats stream limits on an existing stream", () => {
    test("a stream made without limits is updated when the adapter first publishes to it; its other settings and messages stay", async () => {
      const { event, stream } = newEvent("Existing");
      await operatorStream(stream, event);
      const before = await config(stream);
      const a = await adapter({ maxAgeHours: 2, maxBytes: 10_000_000 });
      await a.publish(event, 1);
      const after = await config(stream);
      expect([after.max_age, after.max_bytes, after.duplicate_window]).toEqual([nanos(2 * HOUR_MS), 10_000_000, TWO_MINUTES]);
      // Everything but the three limits is as the operator left it.
      const rest = (c: typeof before) => ({ ...c, max_age: 0, max_bytes: 0, duplicate_window: 0 });
      expect(rest(after)).toEqual(rest(before));
      expect([after.description, after.max_msgs, after.storage]).toEqual(["made by ops", 1_000, StorageType.Memory]);
      expect(await messages(stream)).toBe(2);
    });

    test("a stream made without limits is updated when the adapter first subscribes to it", async () => {
      const { event, stream } = newEvent("ExistingSub");
      await operatorStream(stream, event);
      const a = await adapter({ maxAgeHours: 3 });
      const got: unknown[] = [];
      await a.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      expect((await config(stream)).max_age).toBe(nanos(3 * HOUR_MS));
      await until(() => got.length === 1, 5_000, "the message stored before");
      expect(got).toEqual([0]);
    });

    test("a changed max_age_hours takes effect on the next start: shortened (the duplicate window with it), then unlimited", async () => {
      const { event, stream } = newEvent("Changed");
      const first = await adapter();
      await first.publish(event, 1);
      expect((await config(stream)).max_age).toBe(nanos(168 * HOUR_MS));
      await first.close();

      // 1.8 s: under JetStream's 2-minute window, which must shrink or the update is refused.
      captureWarnings();
      const second = await adapter({ maxAgeHours: 0.0005 });
      await second.publish(event, 2);
      let c = await config(stream);
      expect([c.max_age, c.duplicate_window]).toEqual([nanos(1_800), nanos(1_800)]);
      await second.close();

      const third = await adapter({ maxAgeHours: 0 });
      await third.publish(event, 3);
      c = await config(stream);
      expect([c.max_age, c.max_bytes, c.duplicate_window]).toEqual([0, -1, TWO_MINUTES]);
      expect(warnings).toEqual([]);
    });

    test("max_age_hours = 0 leaves an existing unlimited stream as it is, operator's duplicate window included", async () => {
      const { event, stream } = newEvent("StaysUnlimited");
      await nats.jsm.streams.add({ name: stream, subjects: [`rohas.${event}`], duplicate_window: nanos(600_000) });
      const a = await adapter({ maxAgeHours: 0 });
      await a.publish(event, 1);
      const c = await config(stream);
      expect([c.max_age, c.max_bytes, c.duplicate_window]).toEqual([0, -1, nanos(600_000)]);
    });

    test("an update JetStream refuses is a warning: the stream keeps its limits, publishing and consuming go on", async () => {
      const { event, stream } = newEvent("Refused");
      await operatorStream(stream, event);
      captureWarnings();
      // 1 PiB: more than the server can reserve, so the update is refused.
      const a = await adapter({ maxBytes: 2 ** 50 });
      await a.publish(event, 1);
      const got: unknown[] = [];
      await a.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      await until(() => got.length === 2, 5_000, "both messages");
      expect(got.sort()).toEqual([0, 1]);
      const c = await config(stream);
      expect([c.max_age, c.max_bytes]).toEqual([0, -1]);
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toStartWith(
        `rohas nats: stream ${stream} keeps its current limits (max_age unlimited, max_bytes unlimited): JetStream refused the configured max_age 168 h, max_bytes ${2 ** 50} bytes: `,
      );
    });
  });

  describe("nats messages past max_age", () => {
    test("messages older than max_age are gone, consumed or not: a durable that was down never gets them", async () => {
      const { event, stream } = newEvent("Expire");
      const a = await adapter({ maxAgeHours: 0.001 }); // 3.6 s
      // The group's durable exists, then its consumer goes down.
      const down = await a.subscribe(event, async () => {}, { group: "g" });
      await down.close();
      const published = Date.now();
      for (const n of [1, 2, 3]) await a.publish(event, n);
      expect(await messages(stream)).toBe(3);
      await eventually(async () => (await messages(stream)) === 0, 20_000);
      // Not before their age: JetStream dropped them for max_age, not for anything else.
      expect(Date.now() - published).toBeGreaterThanOrEqual(3_000);
      expect((await nats.jsm.consumers.info(stream, "g")).num_pending).toBe(0);

      const got: unknown[] = [];
      await a.subscribe(event, async (m) => void got.push(m.payload), { group: "g" });
      await a.publish(event, 4);
      await until(() => got.length > 0, 5_000, "the message published after");
      expect(got).toEqual([4]);
    }, 40_000);
  });
}
