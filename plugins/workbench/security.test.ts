import { describe, expect, test } from "bun:test";
import { checkAccess, isLoopback } from "./security.ts";

const req = (headers: Record<string, string> = {}) => new Request("http://10.0.0.5:3000/_rohas/api/schema", { headers });

describe("Workbench access policy", () => {
  test("loopback clients are let in without a key", () => {
    for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.3.4.5"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["10.0.0.7", "::ffff:10.0.0.7", "192.168.1.2", undefined]) expect(isLoopback(a)).toBe(false);
    expect(checkAccess(req(), "127.0.0.1", { apiKey: "", allowedOrigins: [] })).toEqual({ ok: true });
  });

  test("other clients are refused when no api_key is set", () => {
    const d = checkAccess(req(), "10.0.0.7", { apiKey: "", allowedOrigins: [] });
    expect(d).toMatchObject({ ok: false, status: 403 });
  });

  test("other clients need the key, by header or login cookie", () => {
    const policy = { apiKey: "s3cret", allowedOrigins: [] };
    expect(checkAccess(req(), "10.0.0.7", policy)).toMatchObject({ ok: false, status: 401, login: true });
    expect(checkAccess(req({ "x-rohas-api-key": "wrong" }), "10.0.0.7", policy)).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess(req({ "x-rohas-api-key": "s3cret" }), "10.0.0.7", policy)).toEqual({ ok: true });
    expect(checkAccess(req({ cookie: "a=b; rohas_workbench_key=s3cret" }), "10.0.0.7", policy)).toEqual({ ok: true });
  });

  test("browsers on other origins are refused unless listed in allowed_origins", () => {
    const policy = { apiKey: "", allowedOrigins: ["http://dash.example"] };
    expect(checkAccess(req({ origin: "http://evil.example" }), "127.0.0.1", policy)).toMatchObject({ ok: false, status: 403 });
    expect(checkAccess(req({ origin: "http://dash.example" }), "127.0.0.1", policy)).toEqual({ ok: true });
    expect(checkAccess(req({ origin: "http://10.0.0.5:3000" }), "127.0.0.1", policy)).toEqual({ ok: true });
  });
});
