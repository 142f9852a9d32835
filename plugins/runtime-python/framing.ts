/**
 * Length-prefixed JSON frames, the wire format between the bridge and its
 * Python workers: a 4-byte big-endian byte count, then that many bytes of
 * UTF-8 JSON. The worker module (worker/rohas_worker.py) implements the same.
 */

/** A frame larger than this means the stream is out of step, not a big request. */
export const MAX_FRAME = 1 << 30;

const encoder = new TextEncoder();

export function encodeFrame(message: unknown): Uint8Array {
  const json = JSON.stringify(message);
  // Writing the string straight after a 4-byte gap avoids a second copy of the body.
  const out = new Uint8Array(4 + json.length * 3);
  const { written } = encoder.encodeInto(json, out.subarray(4));
  new DataView(out.buffer).setUint32(0, written, false);
  return out.subarray(0, 4 + written);
}

/**
 * Frames queued during one tick, encoded straight into one buffer so they
 * leave in a single write (one syscall, and one wake-up of the reader).
 */
export class FrameBatch {
  private buffer = new Uint8Array(64 * 1024);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  get isEmpty(): boolean {
    return this.length === 0;
  }

  add(message: unknown): void {
    const json = JSON.stringify(message);
    const needed = this.length + 4 + json.length * 3;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const { written } = encoder.encodeInto(json, this.buffer.subarray(this.length + 4));
    this.view.setUint32(this.length, written, false);
    this.length += 4 + written;
  }

  /** A copy of the queued bytes; the batch starts over empty, reusing its buffer. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    if (this.buffer.length > 1 << 20) {
      // One huge frame should not pin a huge buffer for the life of the worker.
      this.buffer = new Uint8Array(64 * 1024);
      this.view = new DataView(this.buffer.buffer);
    }
    return out;
  }
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

/** Splits a byte stream into parsed frames whatever the chunk boundaries. */
export class FrameDecoder {
  private buffer = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  /** Returns every frame completed by `chunk`; throws FrameError when the stream is corrupt. */
  push(chunk: Uint8Array): unknown[] {
    let data: Uint8Array;
    if (this.buffer.length === 0) {
      data = chunk;
    } else {
      data = new Uint8Array(this.buffer.length + chunk.length);
      data.set(this.buffer, 0);
      data.set(chunk, this.buffer.length);
    }
    const frames: unknown[] = [];
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = view.getUint32(offset, false);
      if (size > MAX_FRAME) throw new FrameError(`frame of ${size} bytes announced: the stream is out of step`);
      if (data.length - offset - 4 < size) break;
      const text = this.decoder.decode(data.subarray(offset + 4, offset + 4 + size));
      offset += 4 + size;
      try {
        frames.push(JSON.parse(text));
      } catch (error) {
        throw new FrameError(`frame is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Keep the unfinished tail; copy it so the caller's chunk can be reused.
    this.buffer = offset === data.length ? new Uint8Array(0) : data.slice(offset);
    return frames;
  }

  get pendingBytes(): number {
    return this.buffer.length;
  }
}
