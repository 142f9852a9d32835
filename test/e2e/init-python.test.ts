/**
 * `rohas init --lang python` then `rohas dev` and a call to the example API.
 *
 * Depends on the Python runtime (plugins/runtime-python) and the engine: it
 * fails until both serve Python handlers, by design — it is the acceptance
 * test for running a fresh Python project without edits.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BINARY, runRohas, startRohas, tempDir } from "../support.ts";

const modes = existsSync(BINARY) || process.env.CI ? (["binary", "source"] as const) : (["source"] as const);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

for (const mode of modes) {
  describe(`rohas init --lang python, then dev (${mode})`, () => {
    test("the example project starts without edits and answers its APIs", async () => {
      const parent = tempDir();
      const init = runRohas(["init", "pyapp", "--lang", "python"], parent, { mode });
      expect(init.stderr).toBe("");
      expect(init.code).toBe(0);
      const dir = join(parent, "pyapp");

      const server = await startRohas(dir, { command: "dev", mode, timeoutMs: 90_000 });
      try {
        // Python handlers return <Name>Response; its `data` is the body, typed as the schema's `response`
        // (docs/decisions/005-python-response-body.md).
        const hello = await fetch(`${server.url}/hello/ada`);
        expect(hello.status).toBe(200);
        const body = (await hello.json()) as { message: string; name: string; at: string };
        expect(body).toMatchObject({ message: "Hello, ada!", name: "ada" });
        expect(body.at).toMatch(ISO);

        const greet = await fetch(`${server.url}/greetings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "ada", greeting: "Hi" }),
        });
        expect(greet.status).toBe(200);
        expect(await greet.json()).toMatchObject({ message: "Hi, ada!", name: "ada" });
      } finally {
        await server.stop();
      }
    }, 240_000);
  });
}
