/**
 * Code generation for both languages on a generated 1,000-block schema,
 * through the `generate` hook and a real GenerateContext writing into a fresh
 * folder (goal: under 300 ms for both), then again into the already generated
 * folder (nothing to write). The baseline, in the same process: JSON.stringify
 * of the blocks, written as the same number of files.
 *
 * Baseline and codegen runs alternate, so a disk that slows down for a while
 * (shared CI machines do) slows both. Runs in the temp folder and, when there
 * is one, in /dev/shm (memory), which shows the cost without the disk.
 *
 *   bun bench/codegen.ts [blocks=1000]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGenerateContext } from "../core/generate-context.ts";
import { Rohas } from "../core/rohas.ts";
import { generateSchema } from "../grammar/fixtures/generate.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { generatePython } from "../plugins/codegen-python/generate.ts";
import { generateTypeScript } from "../plugins/codegen-typescript/generate.ts";

const BLOCKS = Number(process.argv[2] ?? 1000);
const RUNS = 9;
const WARMUP = 2;
const GOAL_MS = 300;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function elapsed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const project = mkdtempSync(join(tmpdir(), "rohas-bench-codegen-"));
mkdirSync(join(project, "schema"));
mkdirSync(join(project, "config"));
writeFileSync(join(project, "schema", "main.ro"), generateSchema(BLOCKS));
writeFileSync(join(project, "config", "rohas.toml"), '[project]\nname = "bench"\n');

const rohas = await Rohas.create({ projectDir: project, registry: builtinPlugins });
const loaded = await rohas.loadSchema();
if (!loaded.ok) throw new Error(`the generated schema should validate: ${loaded.diagnostics.find((d) => d.severity === "error")?.message}`);
await rohas.applyPlugins("generate");
const { schema } = loaded;
const blocks = schema.files.flatMap((f) => f.blocks);

/** Both languages through the hook, as `rohas codegen` does; returns how many files the run covers. */
async function generateBoth(outDir: string): Promise<number> {
  let files = 0;
  for (const language of ["typescript", "python"]) {
    const context = createGenerateContext({ projectDir: outDir, config: rohas.config, language });
    await rohas.hooks.generate.promise(schema, context);
    files += context.generated.size + context.stats.stubsCreated + context.stats.stubsKept;
  }
  return files;
}

function baseline(outDir: string, files: number): void {
  mkdirSync(outDir, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(outDir, `${i}.json`), JSON.stringify(blocks[i % blocks.length]));
}

// The generators alone, in memory: what codegen costs before any file is touched.
const label = (file: string) => file;
const memory: number[] = [];
for (let i = 0; i < WARMUP + RUNS; i++) {
  const ms = await elapsed(() => {
    generateTypeScript(schema, { srcDir: "src", dateTime: "string", source: label, schemaLabel: "schema/" });
    generatePython(schema, { srcDir: "src", source: label, schemaLabel: "schema/" });
  });
  if (i >= WARMUP) memory.push(ms);
}

const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;
const outputs = await generateBoth(join(project, "count"));
console.log(`codegen, ${BLOCKS} blocks → ${outputs} files (TypeScript + Python, generated code and stubs), median of ${RUNS}`);
console.log(`  generators only, in memory                          ${fmt(median(memory))}`);

for (const [where, base] of [
  ["temp folder", tmpdir()],
  ["/dev/shm (memory)", "/dev/shm"],
] as const) {
  if (!existsSync(base)) continue;
  const root = mkdtempSync(join(base, "rohas-bench-codegen-"));
  const samples = { baseline: [] as number[], cold: [] as number[], warm: [] as number[] };
  let n = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const json = await elapsed(() => baseline(join(root, `json-${n}`), outputs));
    const dir = join(root, `out-${n++}`);
    const cold = await elapsed(() => generateBoth(dir));
    const warm = await elapsed(() => generateBoth(dir));
    if (i < WARMUP) continue;
    samples.baseline.push(json);
    samples.cold.push(cold);
    samples.warm.push(warm);
  }
  rmSync(root, { recursive: true, force: true });
  const b = median(samples.baseline);
  const cold = median(samples.cold);
  const warm = median(samples.warm);
  console.log(`  ${where}:`);
  console.log(`    baseline: JSON.stringify + write ${outputs} files   ${fmt(b)}`);
  console.log(`    rohas codegen, empty folder                     ${fmt(cold)}   ratio ${(cold / b).toFixed(2)}x   goal < ${GOAL_MS} ms: ${cold < GOAL_MS ? "met" : "NOT met"}`);
  console.log(`    rohas codegen, nothing changed                  ${fmt(warm)}   ratio ${(warm / b).toFixed(2)}x`);
}

rmSync(project, { recursive: true, force: true });
