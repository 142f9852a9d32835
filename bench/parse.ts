/**
 * Parser throughput on a generated 5,000-block schema, against JSON.parse of a
 * JSON document of about the same size (the baseline, run in the same
 * process); then parse + validate in process against the 100 ms goal; then, if
 * the compiled binary exists, start-up of `rohas version` and `rohas validate`
 * on a 5,000-block project against `bun -e ''`.
 *
 *   bun bench/parse.ts [blocks=5000]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic } from "../grammar/ast.ts";
import { generateBlocks } from "../grammar/fixtures/generate.ts";
import { parse } from "../grammar/parser.ts";

const BLOCKS = Number(process.argv[2] ?? 5000);
const RUNS = 15;
const SPAWNS = 10;
const ROOT = join(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "rohas");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median wall time of `fn` in ms, after warm-up runs. */
function time(fn: () => unknown, runs = RUNS, warmup = 5): number {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

// ---------------------------------------------------------------- parse vs JSON.parse

const blocks = generateBlocks(BLOCKS);
const text = blocks.join("\n");
const bytes = Buffer.byteLength(text);
const first = parse(text, "bench.ro");
if (first.diagnostics.length > 0 || first.file.blocks.length !== BLOCKS) {
  throw new Error(`the generated schema should parse cleanly into ${BLOCKS} blocks: ${first.diagnostics[0]?.message}`);
}

// The baseline: the same blocks as JSON (their syntax trees without spans), cut to about the same byte size.
const strip = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(strip)
    : v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.endsWith("pan")).map(([k, x]) => [k, strip(x)]))
      : v;
const trees = strip(first.file.blocks) as unknown[];
const fullJson = JSON.stringify(trees);
const json = JSON.stringify(trees.slice(0, Math.max(1, Math.round((trees.length * bytes) / Buffer.byteLength(fullJson)))));
const jsonBytes = Buffer.byteLength(json);

const parseMs = time(() => parse(text, "bench.ro"));
const jsonMs = time(() => JSON.parse(json));
const roRate = mbps(bytes, parseMs);
const jsonRate = mbps(jsonBytes, jsonMs);

console.log(`.ro parse     ${BLOCKS} blocks, ${(bytes / 1e6).toFixed(2)} MB: ${fmt(parseMs)} median of ${RUNS} warm runs (${roRate.toFixed(1)} MB/s)`);
console.log(`JSON.parse    same trees as JSON, ${(jsonBytes / 1e6).toFixed(2)} MB: ${fmt(jsonMs)} (${jsonRate.toFixed(1)} MB/s)`);
console.log(`ratio         .ro parser runs at ${(roRate / jsonRate).toFixed(2)}x the throughput of JSON.parse (MB/s vs MB/s)`);

// What a CLI run sees: one parse in a fresh process (cold JIT, a heap that has to grow), against JSON.parse there.
function coldMs(script: string): number {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = Bun.spawnSync([process.execPath, "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
    samples.push(Number(r.stdout.toString().trim()));
  }
  return median(samples);
}
const generate = `const { generateSchema } = await import(${JSON.stringify(join(ROOT, "grammar/fixtures/generate.ts"))});
const text = generateSchema(${BLOCKS});`;
const coldParse = coldMs(`${generate}
const { parse } = await import(${JSON.stringify(join(ROOT, "grammar/parser.ts"))});
const t0 = performance.now(); parse(text, "bench.ro"); console.log(performance.now() - t0);`);
const coldJson = coldMs(`${generate}
const { parse } = await import(${JSON.stringify(join(ROOT, "grammar/parser.ts"))});
const strip = ${strip.toString()};
const trees = strip(parse(text, "x").file.blocks);
const json = JSON.stringify(trees.slice(0, ${Math.round((trees.length * jsonBytes) / Buffer.byteLength(fullJson))}));
Bun.gc(true);
const t0 = performance.now(); JSON.parse(json); console.log(performance.now() - t0);`);
console.log(`cold          one parse in a fresh process: ${fmt(coldParse)}; JSON.parse there: ${fmt(coldJson)} (median of 5 processes; ratio ${(coldParse / coldJson).toFixed(1)}x the time)`);

// ---------------------------------------------------------------- parse + validate in process

try {
  const { buildSchema } = await import("../core/schema.ts");
  const { runCoreChecks } = await import("../core/checks.ts");
  let diagnostics: Diagnostic[] = [];
  const validateMs = time(() => {
    const { schema, diagnostics: built } = buildSchema([parse(text, "bench.ro").file]);
    diagnostics = [...built, ...runCoreChecks(schema)];
  });
  const errors = diagnostics.filter((d) => d.severity === "error");
  console.log(
    `parse+validate ${BLOCKS} blocks in process: ${fmt(validateMs)} median (goal < 100 ms: ${validateMs < 100 ? "met" : "MISSED"}; ` +
      `${errors.length} errors, ${diagnostics.length - errors.length} warnings)`,
  );
  if (errors.length > 0) console.log(`  first error: ${errors[0]!.message}`);
  const coldValidate = coldMs(`${generate}
const { parse } = await import(${JSON.stringify(join(ROOT, "grammar/parser.ts"))});
const { buildSchema } = await import(${JSON.stringify(join(ROOT, "core/schema.ts"))});
const { runCoreChecks } = await import(${JSON.stringify(join(ROOT, "core/checks.ts"))});
const t0 = performance.now();
const { schema } = buildSchema([parse(text, "bench.ro").file]);
runCoreChecks(schema);
console.log(performance.now() - t0);`);
  console.log(`parse+validate in a fresh process: ${fmt(coldValidate)} (median of 5 processes; cold JIT and heap)`);
} catch (error) {
  console.log(`parse+validate: skipped, core could not be loaded (${error instanceof Error ? error.message : error})`);
}

// ---------------------------------------------------------------- start-up of the compiled binary

function spawnMs(cmd: string[], cwd: string): { ms: number; code: number; stderr: string } {
  const samples: number[] = [];
  let last = { exitCode: 0, stderr: "" };
  Bun.spawnSync(cmd, { cwd, stdout: "ignore", stderr: "ignore" }); // warm the file cache
  for (let i = 0; i < SPAWNS; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(cmd, { cwd, stdout: "ignore", stderr: "pipe" });
    samples.push(performance.now() - t0);
    last = { exitCode: r.exitCode, stderr: r.stderr.toString() };
  }
  return { ms: median(samples), code: last.exitCode, stderr: last.stderr };
}

function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "rohas-bench-"));
  mkdirSync(join(dir, "config"));
  mkdirSync(join(dir, "schema"));
  writeFileSync(join(dir, "config", "rohas.toml"), '[project]\nname = "bench"\nversion = "0.1.0"\nlanguage = "typescript"\n');
  const perFile = 500;
  for (let i = 0; i * perFile < blocks.length; i++) {
    writeFileSync(join(dir, "schema", `part${i}.ro`), blocks.slice(i * perFile, (i + 1) * perFile).join("\n"));
  }
  return dir;
}

const project = makeProject();
try {
  const baseline = spawnMs([process.execPath, "-e", ""], project);
  // Bun treats an empty -e as no script at all (it prints its usage); `-e 0` really starts the JS runtime.
  const runtime = spawnMs([process.execPath, "-e", "0"], project);
  console.log(`bun -e ''      ${fmt(baseline.ms)} median of ${SPAWNS} spawns (baseline)`);
  console.log(`bun -e 0       ${fmt(runtime.ms)} median of ${SPAWNS} spawns (JS runtime start)`);
  const report = (label: string, cmd: string[]) => {
    const r = spawnMs(cmd, project);
    const note = r.code === 0 ? "" : `  (exit ${r.code}: ${r.stderr.split("\n")[0]})`;
    console.log(
      `${label.padEnd(40)} ${fmt(r.ms)}  ${(r.ms / baseline.ms).toFixed(1)}x bun -e '', ${(r.ms / runtime.ms).toFixed(1)}x bun -e 0${note}`,
    );
  };
  if (existsSync(BINARY)) {
    report("dist/rohas version", [BINARY, "version"]);
    report(`dist/rohas validate (${BLOCKS} blocks)`, [BINARY, "validate"]);
  } else {
    console.log(`dist/rohas not found: skipping binary start-up (build it with \`bun run build\`)`);
  }
  // For comparison while the binary is not built: the same commands from source.
  report("bun cli/main.ts version (source)", [process.execPath, join(ROOT, "cli", "main.ts"), "version"]);
  report(`bun cli/main.ts validate (source)`, [process.execPath, join(ROOT, "cli", "main.ts"), "validate"]);
} finally {
  rmSync(project, { recursive: true, force: true });
}
