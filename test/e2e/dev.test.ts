/**
 * `rohas dev` hot reload, end to end with the compiled binary: while a client
 * sends requests in a loop, edit a handler, add an API to a .ro file, break the
 * .ro file and fix it again, change the config. No request may fail; the new
 * code, route and settings are served; the errors are printed, then reported fixed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, eventually, startRohas, type RunningServer } from "../support.ts";

let dir: string;
let server: RunningServer;
let stopLoop = false;
let loop: Promise<void>;
const failures: string[] = [];
const fail = (why: string) => void failures.push(why);
let sent = 0;

beforeAll(async () => {
  dir = copyFixture("app");
  server = await startRohas(dir, { command: "dev" });
  // The client: GET and POST in a loop for the whole file; every non-2xx or network error is a failure.
  loop = (async () => {
    while (!stopLoop) {
      try {
        const get = await fetch(`${server.url}/orders/7`);
        if (get.status !== 200) fail(`GET /orders/7 → ${get.status} ${await get.text()}`);
        else await get.arrayBuffer();
        const post = await fetch(`${server.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"item":"x","quantity":1}' });
        if (post.status !== 200) fail(`POST /orders → ${post.status} ${await post.text()}`);
        else await post.arrayBuffer();
        sent += 2;
      } catch (error) {
        fail(`network error: ${String(error)}`);
      }
    }
  })();
});

afterAll(async () => {
  stopLoop = true;
  await loop;
  await server?.stop();
});

const edit = (file: string, change: (text: string) => string) => {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
};

describe("rohas dev hot reload under load", () => {
  test("an edited handler serves the new code without a restart", async () => {
    await eventually(() => sent > 20);
    edit("src/handlers/api/GetOrder.ts", (t) => t.replace("return {", "return { version: 2,"));
    await eventually(async () => ((await (await fetch(`${server.url}/orders/1`)).json()) as { version?: number }).version === 2, 10_000);
    await server.waitForOutput("src/handlers/api/GetOrder.ts changed: handlers reloaded");
  });

  test("an API added to a .ro file is routed, with its stub generated", async () => {
    appendFileSync(join(dir, "schema/ops.ro"), '\napi Ping { method: GET  path: "/ping"  response: Json }\n');
    await server.waitForOutput(/schema\/ops\.ro changed: 8 apis/);
    // the generated stub answers (it says it is not implemented); then the user writes the handler
    writeFileSync(join(dir, "src/handlers/api/Ping.ts"), "export async function handler() { return { pong: true }; }\n");
    await eventually(async () => {
      const res = await fetch(`${server.url}/ping`);
      return res.status === 200 && ((await res.json()) as { pong?: boolean }).pong === true;
    }, 10_000);
  });

  test("a broken .ro file prints errors and keeps the last good schema; fixing it clears them", async () => {
    const before = server.output().length;
    appendFileSync(join(dir, "schema/ops.ro"), "\napi Broken { method GET }\n");
    await server.waitForOutput("still serving the last good schema");
    const printed = server.output().slice(before);
    expect(printed).toMatch(/schema\/ops\.ro:\d+:21: error: expected ':' after property name/);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);

    edit("schema/ops.ro", (t) => t.replace("api Broken { method GET }", ""));
    await server.waitForOutput("(errors fixed)");
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
  });

  test("a route whose path changed answers only on its new path", async () => {
    const reloads = server.output().split("schema/ops.ro changed").length;
    edit("schema/ops.ro", (t) => t.replace('path: "/ping"', 'path: "/ping-v2"'));
    await eventually(() => server.output().split("schema/ops.ro changed").length > reloads, 10_000);
    await eventually(async () => (await fetch(`${server.url}/ping-v2`)).status === 200, 10_000);
    // The old path is gone, not still served by the first app's routes.
    expect((await fetch(`${server.url}/ping`)).status).toBe(404);
  });

  test("a burst of 20 saved files is one reload", async () => {
    await server.waitForOutput("(errors fixed)");
    const reloads = () => server.output().split("\n").filter((l) => l.startsWith("↻")).length;
    const before = reloads();
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `src/burst_${i}.ts`), `export const n = ${i};\n`);
    await server.waitForOutput(/src\/burst_\d+\.ts.*changed: handlers reloaded/);
    await Bun.sleep(300);
    expect(reloads()).toBe(before + 1);
    const line = server.output().split("\n").find((l) => l.includes("burst_"))!;
    expect(line.match(/burst_\d+\.ts/g)!.length).toBe(20);
  });

  test("no request failed while all of that happened", async () => {
    await eventually(() => sent > 200, 20_000);
    expect(failures).toEqual([]);
  });

  test("a changed config restarts the engine in the same process with the new settings, refusing no request", async () => {
    const allowed = async () => (await fetch(`${server.url}/orders/1`, { headers: { origin: "http://example.test" } })).headers.get("access-control-allow-origin");
    expect(await allowed()).toBeNull();
    const sentBefore = sent;
    const failedBefore = failures.length;
    edit("config/rohas.toml", (t) => t.replace("[server]\n", '[server]\nenable_cors = true\ncors_origins = ["http://example.test"]\n'));
    await server.waitForOutput("config/rohas.toml changed: engine restarted");
    expect(await allowed()).toBe("http://example.test");
    expect(server.proc.exitCode).toBeNull();
    // The client went on through the restart (the listener was handed to the new engine) and goes on against it.
    await eventually(() => sent > sentBefore + 60);
    expect(failures.slice(failedBefore)).toEqual([]);
  });

  test("a config with errors keeps the engine serving with the previous settings", async () => {
    const failedBefore = failures.length;
    edit("config/rohas.toml", (t) => t.replace("enable_cors = true", 'enable_cors = "maybe"'));
    await server.waitForOutput("still serving with the previous settings");
    expect(server.output()).toContain("enable_cors");
    await eventually(async () => (await fetch(`${server.url}/orders/1`, { headers: { origin: "http://example.test" } })).headers.get("access-control-allow-origin") === "http://example.test");
    expect(failures.length).toBe(failedBefore);
  });
});
