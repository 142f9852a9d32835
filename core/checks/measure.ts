/**
 * How long the core rules take on a generated 5,000-block schema (the goal:
 * well under 50 ms). Not a test: timings depend on the machine. Prints the
 * first (cold) run and the median of later runs, each on a freshly built
 * schema so no per-schema cache carries over, next to parse and build times of
 * the same schema in the same process as the baseline.
 *
 *   bun core/checks/measure.ts [groups=1000]     (1,000 groups = 5,000 blocks)
 */
import type { SourceFile } from "../../grammar/ast.ts";
import { parse } from "../../grammar/parser.ts";
import { runCoreChecks } from "../checks.ts";
import { buildSchema } from "../schema.ts";
import { generateValidSchema } from "./fixtures/generate.ts";

const groups = Number(process.argv[2] ?? 1000);
const sources = generateValidSchema(groups);

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

const parsed = time(() => Object.entries(sources).map(([path, text]) => parse(text, path).file as SourceFile));
const built = time(() => buildSchema(parsed.value));
const blocks = parsed.value.reduce((n, f) => n + f.blocks.length, 0);

const runs: number[] = [];
for (let round = 0; round < 15; round++) {
  const schema = round === 0 ? built.value.schema : buildSchema(parsed.value).schema;
  const checked = time(() => runCoreChecks(schema));
  if (checked.value.length > 0) throw new Error(`expected a clean schema, got ${checked.value.length} diagnostics`);
  runs.push(checked.ms);
}
const later = runs.slice(1).sort((a, b) => a - b);
const median = later[Math.floor(later.length / 2)]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;
console.log(`${blocks} blocks: parse ${ms(parsed.ms)}, buildSchema ${ms(built.ms)}`);
console.log(`core checks: first run ${ms(runs[0]!)}, median of later runs ${ms(median)}`);
console.log(`ratio checks/parse: first ${(runs[0]! / parsed.ms).toFixed(2)}, median ${(median / parsed.ms).toFixed(2)}`);
