import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HandlerState } from "../../core/runtime.ts";
import { BunBridge } from "./bridge.ts";

const dir = mkdtempSync(join(tmpdir(), "rohas-bun-bridge-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
};
// Each handler counts its calls in module state: a fresh module instance starts again at 1.
const counting = (version: number) => `let calls = 0;\nexport function handler() {\n  return { version: ${version}, calls: ++calls };\n}\n`;
const state = {} as HandlerState;

test("an edited handler file gets a fresh module; other handlers keep theirs; a shared module refreshes all", async () => {
  write("src/handlers/api/Edited.ts", counting(1));
  write("src/handlers/api/Untouched.ts", counting(1));
  write("src/lib/shared.ts", "export const shared = 1;\n");
  const bridge = new BunBridge(dir, "src");
  const edited = { kind: "api" as const, name: "Edited" };
  const untouched = { kind: "api" as const, name: "Untouched" };
  expect(await bridge.prepare([edited, untouched])).toEqual([]);
  const call = async (ref: typeof edited) => (await bridge.invoke(ref, [{}], state)) as { version: number; calls: number };

  await call(edited);
  await call(untouched);
  await call(untouched);

  write("src/handlers/api/Edited.ts", counting(2));
  await bridge.reload([join(dir, "src/handlers/api/Edited.ts")]);
  expect(await call(edited)).toEqual({ version: 2, calls: 1 });
  expect(await call(untouched)).toEqual({ version: 1, calls: 3 });

  write("src/lib/shared.ts", "export const shared = 2;\n");
  await bridge.reload([join(dir, "src/lib/shared.ts")]);
  expect(await call(untouched)).toEqual({ version: 1, calls: 1 });
  expect(await call(edited)).toEqual({ version: 2, calls: 1 });
});
