import { describe, expect, test } from "bun:test";
import { assetName, AssetTable, contentType } from "./static.ts";

describe("Workbench static files", () => {
  test("asset names: decoded, and anything that could leave the table is refused", () => {
    expect(assetName("")).toEqual({ ok: true, name: "index.html" });
    expect(assetName("app.js")).toEqual({ ok: true, name: "app.js" });
    expect(assetName("assets%2Flogo.svg")).toEqual({ ok: true, name: "assets/logo.svg" });
    for (const raw of ["..", "../x", "a/../../x", "%2e%2e/x", "..%2fx", "a%5cb", "x%00.js", "/etc/passwd", "%2fetc", "a//b", "./a", "%E0%A4%A"]) {
      expect(assetName(raw).ok).toBe(false);
    }
  });

  test("content types by extension", () => {
    expect(contentType("index.html")).toContain("text/html");
    expect(contentType("app.js")).toContain("javascript");
    expect(contentType("style.css")).toContain("text/css");
    expect(contentType("favicon.svg")).toBe("image/svg+xml");
    expect(contentType("blob.bin")).toBe("application/octet-stream");
  });

  test("the table loads once, and retries after a failed load", async () => {
    let loads = 0;
    const table = new AssetTable(async () => {
      loads++;
      if (loads === 1) throw new Error("build failed");
      return new Map([["app.js", { body: new Blob(["x"]), type: "text/javascript" }]]);
    });
    await expect(table.get("app.js")).rejects.toThrow("build failed");
    expect((await table.get("app.js"))?.type).toBe("text/javascript");
    expect(await table.get("other.js")).toBeUndefined();
    expect(loads).toBe(2);
  });

  test("the real table serves the built front end (manifest, or an in-memory build from source)", async () => {
    const table = new AssetTable();
    const index = await table.get("index.html");
    expect(index?.type).toContain("text/html");
    expect(await index!.body.text()).toContain('src="./app.js"');
    const app = await table.get("app.js");
    expect((await app!.body.text()).length).toBeGreaterThan(1000);
    expect(await table.get("style.css")).toBeDefined();
  });
});
