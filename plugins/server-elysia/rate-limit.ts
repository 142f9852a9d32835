/**
 * The built-in `rate_limit` middleware: a token bucket per client, refilled at
 * `[server] rate_limit_per_minute`, rejecting with 429 and a Retry-After.
 *
 * The client is the first `x-forwarded-for` address, else `x-real-ip`, else
 * the socket address the server noted for the request's headers object (the
 * middleware context carries headers, not the socket).
 */
import { RejectionError } from "./cors.ts";
import type { MiddlewareFn } from "./engine-port.ts";

interface Bucket {
  tokens: number;
  updated: number;
}

/** Buckets idle long enough to be full again are dropped once the table grows past this. */
const PRUNE_THRESHOLD = 10_000;

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_THRESHOLD) this.prune(now);
      bucket = { tokens: this.perMinute, updated: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * this.perMs);
      bucket.updated = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updated) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

/** Socket addresses by request headers object, noted by the server for the middleware. */
export const clientAddresses = new WeakMap<object, string>();

export function clientKey(headers: Record<string, string>): string {
  const forwarded = headers["x-forwarded-for"];
  if (forwarded) {
    const comma = forwarded.indexOf(",");
    return (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim();
  }
  return headers["x-real-ip"] ?? clientAddresses.get(headers) ?? "unknown";
}

export function rateLimitMiddleware(limiter: TokenBucketLimiter): MiddlewareFn {
  return (context) => {
    const retryAfter = limiter.take(clientKey(context.headers));
    if (retryAfter > 0) throw new RejectionError(`rate limit exceeded: retry after ${retryAfter} s`, 429, retryAfter);
    return undefined;
  };
}

/** Seconds to put in Retry-After for a 429: from the error when it survived, else parsed from its message. */
export function retryAfterOf(error: unknown): number | undefined {
  const direct = (error as { retryAfter?: unknown } | null)?.retryAfter;
  if (typeof direct === "number") return direct;
  const cause = (error as { cause?: { retryAfter?: unknown } } | null)?.cause?.retryAfter;
  if (typeof cause === "number") return cause;
  const m = /retry after (\d+) s/.exec(error instanceof Error ? error.message : String(error));
  return m ? Number(m[1]) : undefined;
}
