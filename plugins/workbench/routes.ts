/**
 * Everything under /_rohas: the access check first, then the login form, the
 * static pages (/_rohas/workbench/) and the JSON API (/_rohas/api/).
 */
import type { RouteRequestInfo } from "../../core/http-routes.ts";
import { jsonResponse, type WorkbenchApi } from "./api.ts";
import { assetName, type AssetTable } from "./static.ts";
import { checkAccess, corsHeaders, originAllowed, SESSION_COOKIE, sessionToken, type AccessPolicy } from "./security.ts";

export const PREFIX = "/_rohas";
const WORKBENCH = "/_rohas/workbench/";
const API = "/_rohas/api/";
const LOGIN_STYLE = "/_rohas/workbench/style.css";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};
// Everything the Workbench loads comes from this server: it works offline and cannot be made to load scripts from elsewhere.
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

export class WorkbenchRoutes {
  constructor(
    private readonly api: WorkbenchApi,
    private readonly assets: AssetTable,
    private readonly policy: AccessPolicy,
  ) {}

  async fetch(request: Request, info: RouteRequestInfo): Promise<Response> {
    const url = new URL(request.url);
    const rawPath = rawPathname(request.url);
    const path = url.pathname;
    const cors = corsHeaders(request, this.policy);

    if (request.method === "OPTIONS") {
      const origin = request.headers.get("origin");
      if (origin && originAllowed(origin, this.policy)) return new Response(null, { status: 204, headers: { ...cors, "access-control-max-age": "600" } });
      return new Response(null, { status: 403 });
    }
    if (path === "/_rohas/login") return this.login(request);
    // The login page's style sheet: nothing secret in it.
    if (path === LOGIN_STYLE && this.policy.apiKey) return this.asset("style.css", request);
    if (path === "/_rohas/logout") {
      return new Response(null, { status: 303, headers: { location: "/_rohas/login", "set-cookie": this.cookie(request, "", 0) } });
    }

    const access = checkAccess(request, info.remoteAddress, this.policy);
    if (!access.ok) {
      if (access.login && request.method === "GET" && !path.startsWith(API)) {
        return new Response(null, { status: 303, headers: { location: "/_rohas/login" } });
      }
      return jsonResponse({ error: access.reason, code: access.code }, access.status, cors);
    }

    if (path === PREFIX || path === `${PREFIX}/` || path === "/_rohas/workbench") {
      return new Response(null, { status: 302, headers: { location: WORKBENCH } });
    }
    if (rawPath.startsWith(WORKBENCH)) return this.asset(rawPath.slice(WORKBENCH.length), request);
    if (path.startsWith(API)) {
      let parts: string[];
      try {
        parts = rawPath.slice(API.length).split("/").map(decodeURIComponent);
      } catch {
        return jsonResponse({ error: "malformed percent-encoding in the path", code: "workbench/bad-path" }, 400, cors);
      }
      if (parts.at(-1) === "") parts.pop();
      return this.api.handle(request, url, parts, cors);
    }
    return jsonResponse({ error: `not found: ${path}`, code: "workbench/not-found" }, 404, cors);
  }

  private async asset(rest: string, request: Request): Promise<Response> {
    const name = assetName(rest);
    if (!name.ok) return jsonResponse({ error: name.reason, code: "workbench/bad-path" }, 400);
    if (request.method !== "GET" && request.method !== "HEAD") return jsonResponse({ error: "use GET", code: "workbench/method" }, 405);
    let asset;
    try {
      asset = await this.assets.get(name.name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new Response(`The Workbench front end could not be built: ${reason}`, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    if (!asset) {
      if (name.name === "index.html") {
        return new Response("The Workbench front end is missing from this build (run `bun scripts/build-workbench.ts` before `bun run build`).", {
          status: 503,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      return jsonResponse({ error: `not found: ${WORKBENCH}${name.name}`, code: "workbench/not-found" }, 404);
    }
    const headers: Record<string, string> = { ...SECURITY_HEADERS, "content-type": asset.type, "cache-control": "no-cache" };
    if (asset.type.startsWith("text/html")) headers["content-security-policy"] = PAGE_CSP;
    return new Response(request.method === "HEAD" ? null : asset.body, { headers });
  }

  /** GET shows the form; POST checks the key and sets the session cookie. */
  private async login(request: Request): Promise<Response> {
    if (!this.policy.apiKey) return new Response(null, { status: 303, headers: { location: WORKBENCH } });
    const origin = request.headers.get("origin");
    if (origin && origin !== new URL(request.url).origin && !originAllowed(origin, this.policy)) {
      return jsonResponse({ error: `origin ${origin} is not in [workbench] allowed_origins`, code: "workbench/origin" }, 403);
    }
    if (request.method === "GET") return loginPage(200);
    if (request.method !== "POST") return jsonResponse({ error: "use GET or POST", code: "workbench/method" }, 405);
    const form = await request.formData().catch(() => undefined);
    const key = String(form?.get("key") ?? "");
    const expected = sessionToken(this.policy.apiKey);
    if (sessionToken(key) !== expected) {
      // Slows guessing without keeping any state.
      await Bun.sleep(250);
      return loginPage(401, "That key is not right.");
    }
    return new Response(null, { status: 303, headers: { location: WORKBENCH, "set-cookie": this.cookie(request, expected, 7 * 86_400) } });
  }

  private cookie(request: Request, value: string, maxAge: number): string {
    const secure = new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
    return `${SESSION_COOKIE}=${value}; Path=${PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
  }
}

/** The path exactly as sent (still percent-encoded), so `%2e%2e` cannot sneak past the checks. */
function rawPathname(url: string): string {
  const afterScheme = url.indexOf("//");
  const pathStart = url.indexOf("/", afterScheme === -1 ? 0 : afterScheme + 2);
  if (pathStart === -1) return "/";
  const end = url.slice(pathStart).search(/[?#]/);
  return end === -1 ? url.slice(pathStart) : url.slice(pathStart, pathStart + end);
}

function loginPage(status: number, message = ""): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rohas Workbench — sign in</title><link rel="stylesheet" href="/_rohas/workbench/style.css"></head>
<body class="login"><form method="post" action="/_rohas/login" class="card login-card">
<h1>Rohas Workbench</h1>
<p class="dim">This Workbench is protected by <code>[workbench] api_key</code>.</p>
<label>API key <input name="key" type="password" autocomplete="current-password" autofocus required></label>
${message ? `<p class="error" role="alert">${message}</p>` : ""}
<button type="submit">Sign in</button></form></body></html>`;
  return new Response(html, { status, headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP, "cache-control": "no-store" } });
}
