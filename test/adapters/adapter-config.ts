/**
 * Adapter options as `rohas start` reads them: an `[adapter]` table written in TOML, handed to
 * the adapter's plugin through the `createAdapter` hook, or to `rohas start`. For tests of option checking.
 */
import { afterAll, expect } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AdapterError } from "../../core/adapter.ts";
import { parseConfig } from "../../core/config.ts";
import type { RohasPlugin } from "../../core/plugin.ts";
import { Rohas } from "../../core/rohas.ts";
import { copyFixture, runRohas, tempDir } from "../support.ts";

/**
 * `make(lines)` resolves to a function making the `type` adapter from `[adapter]` with `base`
 * and then `lines`; call it inside a `describe` (its project folders are removed after it).
 */
export function adapterFromToml(plugin: RohasPlugin, type: string, base: string): (lines: string) => Promise<() => unknown> {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return async (lines) => {
    const dir = tempDir(`rohas-${type}-options-`);
    dirs.push(dir);
    const { config, diagnostics } = parseConfig(`[adapter]\ntype = "${type}"\n${base}\n${lines}\n`, "rohas.toml");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const rohas = await Rohas.create({ projectDir: dir, config: { config, projectDir: dir, diagnostics } });
    await rohas.use(plugin);
    return () => rohas.hooks.createAdapter.for(type).call({ config, projectDir: dir, options: config.adapter as Record<string, unknown> });
  };
}

/** The AdapterError `make` throws or rejects with; fails the test when it throws none or something else. */
export async function refusal(make: () => unknown): Promise<AdapterError> {
  try {
    await make();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error("no error: it was accepted");
}

/** `rohas start` (from source) on a copy of test/fixtures/app whose `[adapter]` is `adapterLines` instead of memory; the copy is removed after. */
export function startWithAdapter(adapterLines: string): ReturnType<typeof runRohas> {
  const dir = copyFixture("app");
  try {
    const config = join(dir, "config/rohas.toml");
    writeFileSync(config, readFileSync(config, "utf8").replace('type = "memory"', adapterLines));
    return runRohas(["start"], dir, { mode: "source" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
