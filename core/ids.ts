/**
 * Cheap unique ids for the hot path: a prefix plus a counter rendered as hex
 * through a byte table (Number#toString and string concatenation of a
 * growing number dominated profiles of span and message creation).
 */
const HEX = "0123456789abcdef";

export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

/** The 8 lowercase hex digits of a 32-bit number. */
export const hex8 = (n: number): string => BYTE_HEX[(n >>> 24) & 255]! + BYTE_HEX[(n >>> 16) & 255]! + BYTE_HEX[(n >>> 8) & 255]! + BYTE_HEX[n & 255]!;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (let i = 0; i < buf.length; i++) out += BYTE_HEX[buf[i]!]!;
  return out;
}

/**
 * `prefix` + 8 hex digits of a counter: unique within the generator (for 2^32
 * ids, then it wraps). Only the last byte changes between consecutive ids, so
 * the rest is cached per 256.
 */
export function counterIds(prefix: string): () => string {
  let counter = 0;
  let head = "";
  return () => {
    const n = ++counter >>> 0;
    if ((n & 255) === 0 || head === "") head = prefix + hex8(n).slice(0, 6);
    return head + BYTE_HEX[n & 255]!;
  };
}
