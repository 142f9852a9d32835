/**
 * Who may use /_rohas/: loopback clients always; anyone else only with the
 * `[workbench] api_key` (header `x-rohas-api-key` or the login cookie), and
 * browsers only from `allowed_origins` (or the same origin).
 */
export interface AccessPolicy {
  apiKey: string;
  allowedOrigins: string[];
}

export const KEY_HEADER = "x-rohas-api-key";
export const KEY_COOKIE = "rohas_workbench_key";

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1" || address.startsWith("::ffff:127.");
}

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

/** Compares without leaking the key's length or prefix through timing. */
function sameKey(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export type AccessDecision = { ok: true } | { ok: false; status: number; reason: string; login?: boolean };

export function checkAccess(request: Request, remoteAddress: string | undefined, policy: AccessPolicy): AccessDecision {
  const origin = request.headers.get("origin");
  if (origin) {
    const self = new URL(request.url).origin;
    if (origin !== self && !policy.allowedOrigins.includes(origin) && !policy.allowedOrigins.includes("*")) {
      return { ok: false, status: 403, reason: `origin ${origin} is not in [workbench] allowed_origins` };
    }
  }
  if (isLoopback(remoteAddress)) return { ok: true };
  if (!policy.apiKey) {
    return { ok: false, status: 403, reason: "the Workbench only answers 127.0.0.1; set [workbench] api_key to use it from elsewhere" };
  }
  const given = request.headers.get(KEY_HEADER) ?? cookie(request, KEY_COOKIE);
  if (given && sameKey(given, policy.apiKey)) return { ok: true };
  return { ok: false, status: 401, reason: "an API key is required", login: true };
}
