/**
 * Who may use /_rohas/:
 * - without `[workbench] api_key`, loopback clients only (the Workbench can
 *   call APIs and replay events: it must not be open to the network by accident);
 * - with an api_key, every client must present it (header `x-rohas-api-key`, or
 *   the cookie the login form sets), loopback included, so a reverse proxy on
 *   the same machine does not open it to everyone.
 * Browsers from another origin are refused unless listed in `allowed_origins`
 * (this also stops a web page from posting to a local Workbench), and without a
 * key the Host header must name this machine (no DNS rebinding).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface AccessPolicy {
  apiKey: string;
  allowedOrigins: string[];
  /** `[server] host`: a request naming it in its Host header is not a rebinding attempt. */
  serverHost?: string;
}

export const KEY_HEADER = "x-rohas-api-key";
export const SESSION_COOKIE = "rohas_workbench";

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: string; code: string; login?: boolean };

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === "::1" || a === "localhost" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

/** The cookie value for a key: derived, so the key itself never sits in a browser's cookie jar. */
export function sessionToken(apiKey: string): string {
  return createHmac("sha256", apiKey).update("rohas-workbench-session-v1").digest("hex");
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHmac("sha256", "compare").update(given).digest();
  const b = createHmac("sha256", "compare").update(expected).digest();
  return timingSafeEqual(a, b);
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function originAllowed(origin: string, policy: AccessPolicy): boolean {
  return policy.allowedOrigins.includes("*") || policy.allowedOrigins.includes(origin);
}

/** Host names that mean "this machine" when no key protects the Workbench. */
function hostAllowed(host: string, policy: AccessPolicy): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost") || isLoopback(name)) return true;
  if (policy.serverHost && name === policy.serverHost.toLowerCase()) return true;
  return policy.allowedOrigins.some((o) => {
    try {
      return new URL(o).hostname.toLowerCase() === name;
    } catch {
      return false;
    }
  });
}

export function hasValidKey(request: Request, policy: AccessPolicy): boolean {
  if (!policy.apiKey) return false;
  const header = request.headers.get(KEY_HEADER);
  if (header !== null) return sameSecret(header, policy.apiKey);
  const cookie = readCookie(request, SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionToken(policy.apiKey));
}

export function checkAccess(request: Request, remoteAddress: string | undefined, policy: AccessPolicy): AccessDecision {
  const origin = request.headers.get("origin");
  if (origin && origin !== new URL(request.url).origin && !originAllowed(origin, policy)) {
    return { ok: false, status: 403, code: "workbench/origin", reason: `origin ${origin} is not in [workbench] allowed_origins` };
  }
  if (policy.apiKey) {
    if (hasValidKey(request, policy)) return { ok: true };
    return { ok: false, status: 401, code: "workbench/key-required", reason: `an API key is required (header ${KEY_HEADER} or sign in)`, login: true };
  }
  if (!isLoopback(remoteAddress)) {
    return {
      ok: false,
      status: 403,
      code: "workbench/not-loopback",
      reason: "the Workbench only answers this machine (127.0.0.1); set [workbench] api_key to use it from elsewhere",
    };
  }
  const host = request.headers.get("host");
  if (host && !hostAllowed(host, policy)) {
    return {
      ok: false,
      status: 403,
      code: "workbench/host",
      reason: `unexpected Host '${host}': open the Workbench through 127.0.0.1 or localhost, or set [workbench] api_key`,
    };
  }
  return { ok: true };
}

/** CORS headers for an allowed cross-origin browser (the same origin needs none). */
export function corsHeaders(request: Request, policy: AccessPolicy): Record<string, string> {
  const origin = request.headers.get("origin");
  if (!origin || origin === new URL(request.url).origin || !originAllowed(origin, policy)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": `content-type, ${KEY_HEADER}`,
    vary: "origin",
  };
}
