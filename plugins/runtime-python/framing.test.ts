import { describe, expect, test } from "bun:test";
import { encodeFrame, FrameBatch, FrameDecoder, FrameError, MAX_FRAME } from "./framing.ts";

const messages = Array.from({ length: 40 }, (_, i) => ({ t: "call", id: i, text: "héllo ✓ ".repeat(i), n: [1, 2.5, null, true] }));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe("framing", () => {
  test("a frame is a 4-byte big-endian length and UTF-8 JSON", () => {
    const frame = encodeFrame({ a: "é" });
    const size = new DataView(frame.buffer, frame.byteOffset).getUint32(0, false);
    expect(size).toBe(frame.length - 4);
    expect(JSON.parse(new TextDecoder().decode(frame.subarray(4)))).toEqual({ a: "é" });
  });

  test("decodes whatever the chunk boundaries", () => {
    const stream = concat(messages.map(encodeFrame));
    for (const size of [1, 3, 7, 64, stream.length]) {
      const decoder = new FrameDecoder();
      const out: unknown[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...decoder.push(stream.subarray(i, i + size)));
      expect(out).toEqual(messages);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  test("a batch holds several frames in one buffer, and grows past its first size", () => {
    const batch = new FrameBatch();
    expect(batch.isEmpty).toBe(true);
    const big = { blob: "x".repeat(200_000) };
    for (const m of [...messages, big]) batch.add(m);
    const bytes = batch.take();
    expect(batch.isEmpty).toBe(true);
    expect(new FrameDecoder().push(bytes)).toEqual([...messages, big]);
    batch.add({ again: 1 });
    expect(new FrameDecoder().push(batch.take())).toEqual([{ again: 1 }]);
  });

  test("a corrupt stream is a FrameError", () => {
    const bad = new Uint8Array([0, 0, 0, 3, 123, 120, 125]);
    expect(() => new FrameDecoder().push(bad)).toThrow(FrameError);
    const huge = new Uint8Array(4);
    new DataView(huge.buffer).setUint32(0, MAX_FRAME + 1, false);
    expect(() => new FrameDecoder().push(huge)).toThrow(/out of step/);
  });
});
