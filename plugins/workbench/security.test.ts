import { describe, expect, test } from "bun:test";
import { checkAccess, corsHeaders, hasValidKey, isLoopback, sessionToken } from "./security.ts";

const req = (headers: Record<string, string> = {}, url = "http://127.0.0.1:3000/_rohas/api/schema") => new Request(url, { headers });
const open = { apiKey: "", allowedOrigins: [] };

describe("Workbench access policy", () => {
  test("loopback addresses are recognised, others are not", () => {
    for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.3.4.5"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["10.0.0.7", "::ffff:10.0.0.7", "192.168.1.2", "128.0.0.1", "", undefined]) expect(isLoopback(a)).toBe(false);
  });

  test("without a key: loopback clients only", () => {
    expect(checkAccess(req(), "127.0.0.1", open)).toEqual({ ok: true });
    expect(checkAccess(req(), "10.0.0.7", open)).toMatchObject({ ok: false, status: 403, code: "workbench/not-loopback" });
    // An unknown peer address is not trusted.
    expect(checkAccess(req(), undefined, open)).toMatchObject({ ok: false, status: 403 });
  });

  test("without a key, the Host must name this machine (no DNS rebinding)", () => {
    expect(checkAccess(req({ host: "evil.example:3000" }), "127.0.0.1", open)).toMatchObject({ ok: false, code: "workbench/host" });
    for (const host of ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "app.localhost"]) expect(checkAccess(req({ host }), "127.0.0.1", open)).toEqual({ ok: true });
    expect(checkAccess(req({ host: "devbox:3000" }), "127.0.0.1", { ...open, serverHost: "devbox" })).toEqual({ ok: true });
  });

  test("with a key, every client needs it (loopback too: a local proxy must not open it)", () => {
    const policy = { apiKey: "s3cret", allowedOrigins: [] };
    expect(checkAccess(req(), "127.0.0.1", policy)).toMatchObject({ ok: false, status: 401, login: true });
    expect(checkAccess(req({ "x-rohas-api-key": "wrong" }), "10.0.0.7", policy)).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess(req({ "x-rohas-api-key": "s3cret" }), "10.0.0.7", policy)).toEqual({ ok: true });
    expect(checkAccess(req({ cookie: `a=b; rohas_workbench=${sessionToken("s3cret")}` }), "10.0.0.7", policy)).toEqual({ ok: true });
    // The raw key in the cookie is not a session.
    expect(hasValidKey(req({ cookie: "rohas_workbench=s3cret" }), policy)).toBe(false);
    expect(sessionToken("s3cret")).not.toBe(sessionToken("other"));
  });

  test("browsers on other origins are refused unless listed in allowed_origins", () => {
    const policy = { apiKey: "", allowedOrigins: ["http://dash.example"] };
    expect(checkAccess(req({ origin: "http://evil.example" }), "127.0.0.1", policy)).toMatchObject({ ok: false, status: 403, code: "workbench/origin" });
    expect(checkAccess(req({ origin: "http://dash.example" }), "127.0.0.1", policy)).toEqual({ ok: true });
    expect(checkAccess(req({ origin: "http://127.0.0.1:3000" }), "127.0.0.1", policy)).toEqual({ ok: true });
    expect(checkAccess(req({ origin: "null" }), "127.0.0.1", policy)).toMatchObject({ ok: false });
    expect(corsHeaders(req({ origin: "http://dash.example" }), policy)["access-control-allow-origin"]).toBe("http://dash.example");
    expect(corsHeaders(req({ origin: "http://evil.example" }), policy)).toEqual({});
    expect(corsHeaders(req({ origin: "http://evil.example" }), { apiKey: "", allowedOrigins: ["*"] })["access-control-allow-origin"]).toBe("http://evil.example");
  });
});
