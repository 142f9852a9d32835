import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { allScaffoldSources, examples, languageFiles } from "./index.ts";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".eta")) out.push(relative(import.meta.dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

test("every template under templates/init is listed in the manifest (so the binary embeds it), and nothing else", () => {
  expect([...new Set(allScaffoldSources())].sort()).toEqual(filesUnder(import.meta.dir));
});

test("each example has handlers in both languages and each language its package file", () => {
  for (const example of Object.values(examples)) {
    expect(example.schema.length).toBeGreaterThan(0);
    expect(example.handlers.typescript.length).toBeGreaterThan(0);
    expect(example.handlers.python.length).toBe(example.handlers.typescript.length);
  }
  expect(languageFiles.typescript.map((f) => f.path)).toContain("package.json");
  expect(languageFiles.python.map((f) => f.path)).toContain("requirements.txt");
});
