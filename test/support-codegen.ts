/**
 * Helpers shared by the code generation tests: load a fixture's schema, compare
 * generated files with a golden folder (UPDATE_GOLDEN=1 rewrites it), and
 * write generated files into a temporary project.
 */
import { expect } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Rohas } from "../core/rohas.ts";
import type { Schema } from "../core/schema.ts";

export interface OutputFile {
  path: string;
  content: string;
}

/** Parses and validates a project's schema; fails the test on any error. */
export async function loadFixtureSchema(projectDir: string): Promise<{ schema: Schema; label: (file: string) => string }> {
  const rohas = await Rohas.create({ projectDir });
  const result = await rohas.loadSchema();
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { schema: result.schema, label: (file) => relative(projectDir, resolve(file)) };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Every output file must equal its golden copy, and the golden folder must
 * hold nothing else. With UPDATE_GOLDEN=1 the folder is rewritten instead.
 */
export function expectGolden(goldenDir: string, files: OutputFile[]): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    rmSync(goldenDir, { recursive: true, force: true });
    writeFiles(goldenDir, files);
  }
  const expected = listFiles(goldenDir);
  expect(expected.length).toBeGreaterThan(0);
  expect([...files.map((f) => f.path)].sort()).toEqual(expected);
  for (const file of files) {
    const golden = readFileSync(join(goldenDir, file.path), "utf8");
    if (golden !== file.content) {
      // Name the file: a bare string diff would not say which of fifty it is.
      expect({ path: file.path, content: file.content }).toEqual({ path: file.path, content: golden });
    }
  }
}

export function writeFiles(dir: string, files: OutputFile[]): void {
  for (const file of files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

/** A schema with names that collide with keywords, builtins and generated names, for robustness checks. */
export const ODD_NAMES_SCHEMA = `
model model { type String  input Int  api Boolean  event Json  cron DateTime  ws Float }
type type { model: String, event: Int, }
input input { api: String  cron: String  ws: String  class: String?  def: Int?  model_name: String? }
model datetime { datetime DateTime  Any Json  Optional String?  str String  list String[] }
model State { id Int  json Json  dict String  copy Boolean?  _private String? }
model Node { id Int  parent Node?  children Node[] }
model A { b B? }
model B { c C? }
model C { a A? }
api api { method: GET  path: "/api/:class/:from"  response: type  middlewares: [] }
api Commas { method: POST, path: "/commas", body: input, response: model[], triggers: [event,] }
api Everything { method: GET  path: "/nodes"  response: Node[] }
event event { payload: model  handler: [on_event]  type: sqs }
event StateChanged { payload: State  handler: [on_event] }
cron cron { schedule: "*/1 * * * *"  handler: run_cron }
ws ws { path: "/ws"  message: input  onConnect: [on_ws]  onMessage: [on_ws]  broadcast: false }
ws datetimeWs { path: "/ws/time"  message: datetime  onMessage: [on_time] }
`;
