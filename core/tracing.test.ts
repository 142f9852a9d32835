import { describe, expect, test } from "bun:test";
import { ActiveSpan, formatTraceparent, newSpanId, newTraceId, parseTraceparent, traceHash } from "./tracing.ts";

describe("W3C trace context", () => {
  test("parses a valid traceparent and round-trips it", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const ctx = parseTraceparent(header);
    expect(ctx).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true });
    expect(formatTraceparent(ctx!)).toBe(header);
    expect(parseTraceparent(` ${header.toUpperCase()} `)?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  test("rejects malformed and all-zero ids", () => {
    for (const bad of [
      "",
      "garbage",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  test("ids have W3C sizes and do not repeat", () => {
    const traces = new Set(Array.from({ length: 10_000 }, newTraceId));
    const spans = new Set(Array.from({ length: 10_000 }, newSpanId));
    expect(traces.size).toBe(10_000);
    expect(spans.size).toBe(10_000);
    for (const t of [...traces].slice(0, 5)) expect(t).toMatch(/^[0-9a-f]{32}$/);
    for (const s of [...spans].slice(0, 5)) expect(s).toMatch(/^[0-9a-f]{16}$/);
  });

  test("a child span continues its parent's trace", () => {
    const parent = new ActiveSpan("http POST /users", "http");
    const child = new ActiveSpan("api CreateUser", "handler", parent.context);
    const record = child.end(new Error("boom"));
    expect(record.traceId).toBe(parent.traceId);
    expect(record.parentSpanId).toBe(parent.spanId);
    expect(record.status).toBe("error");
    expect(record.error).toMatchObject({ type: "Error", message: "boom" });
    expect(record.error!.stack).toContain("tracing.test.ts");
  });
});

describe("shared span attributes", () => {
  test("a span starts from a shared frozen set and copies it before adding its own", () => {
    const shared = Object.freeze({ "event.name": "UserCreated" });
    const a = new ActiveSpan("event UserCreated", "consume").share(shared);
    const b = new ActiveSpan("event UserCreated", "consume").share(shared).set("message.attempt", 2);
    b.attributes["extra"] = true;
    expect(a.end().attributes).toBe(shared);
    expect(b.end().attributes).toEqual({ "event.name": "UserCreated", "message.attempt": 2, extra: true });
    expect(shared).toEqual({ "event.name": "UserCreated" });
  });

  test("traceHash: the fresh id's shortcut gives what its characters give, and ids spread evenly", () => {
    // FNV-1a + murmur3 finaliser of the last 16 characters (the value samplers and other processes compute).
    expect(traceHash("4bf92f3577b34da6a3ce929d0e0e4736")).toBe(traceHash("ffffffffffffffffa3ce929d0e0e4736"));
    expect(traceHash("4bf92f3577b34da6a3ce929d0e0e4736")).not.toBe(traceHash("4bf92f3577b34da6a3ce929d0e0e4737"));
    const fresh: [string, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const id = newTraceId();
      fresh.push([id, traceHash(id)]); // the shortcut: the id just made
    }
    newTraceId();
    let below = 0;
    for (const [id, hash] of fresh) {
      expect(traceHash(id.split("").join(""))).toBe(hash); // the same id, read character by character
      if (hash < 0x8000_0000) below++;
    }
    expect(below).toBeGreaterThan(2300);
    expect(below).toBeLessThan(2700);
  });
});
