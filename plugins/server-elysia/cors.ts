/**
 * CORS: which origin a response may be shared with, the preflight answer, and
 * the built-in `cors` middleware that rejects disallowed origins for the APIs
 * that list it. Origins come from `[server] cors_origins` ("*" allows any).
 */
import type { MiddlewareFn } from "./engine-port.ts";

const DEFAULT_ALLOWED_HEADERS = "content-type, authorization, traceparent";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: string[]) {
    this.any = origins.includes("*");
    this.origins = new Set(origins.map((o) => o.replace(/\/+$/, "")));
  }

  /** The value for Access-Control-Allow-Origin, or undefined when this origin is not allowed. */
  allowOrigin(origin: string | null | undefined): string | undefined {
    if (this.any) return "*";
    if (origin && this.origins.has(origin)) return origin;
    return undefined;
  }

  isAllowed(origin: string | null | undefined): boolean {
    return !origin || this.allowOrigin(origin) !== undefined;
  }

  /** Adds the response headers for a request from `origin` (nothing when it is not allowed). */
  decorate(headers: Record<string, string>, origin: string | null | undefined): void {
    const allow = this.allowOrigin(origin);
    if (!allow) return;
    headers["access-control-allow-origin"] = allow;
    headers["access-control-expose-headers"] = "traceparent, retry-after";
    if (allow !== "*") headers.vary = "Origin";
  }

  /** The answer to an OPTIONS preflight: 204 with the allowed methods and headers, or 403. */
  preflight(request: Request, methods: string): Response {
    const origin = request.headers.get("origin");
    const headers: Record<string, string> = {};
    this.decorate(headers, origin);
    if (!headers["access-control-allow-origin"]) {
      return Response.json({ error: "origin not allowed", origin }, { status: 403 });
    }
    headers["access-control-allow-methods"] = methods;
    headers["access-control-allow-headers"] = request.headers.get("access-control-request-headers") ?? DEFAULT_ALLOWED_HEADERS;
    headers["access-control-max-age"] = PREFLIGHT_MAX_AGE_SECONDS;
    return new Response(null, { status: 204, headers });
  }
}

/** A rejection the server turns into an HTTP status (and, for WebSockets, a close). */
export class RejectionError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "RejectionError";
  }
}

/** Built-in `cors` middleware: a request with an Origin outside `cors_origins` is rejected with 403. */
export function corsMiddleware(policy: CorsPolicy): MiddlewareFn {
  return (context) => {
    const origin = context.headers.origin;
    if (!policy.isAllowed(origin)) throw new RejectionError(`origin ${origin} is not allowed`, 403);
    return undefined;
  };
}
