/**
 * `rohas codegen`: load and check the schema, run every generator for the
 * project's language through the `generate` hook, write only what changed,
 * and say what happened. `--check` writes nothing and fails when generated
 * code is out of date (CI).
 */
import type { Command, CommandContext } from "../command.ts";
import { EXIT } from "../command.ts";
import { createGenerateContext, type GenerateRun } from "../../core/generate-context.ts";
import { green, red, yellow } from "../output.ts";
import { openProject, printDiagnostics } from "../project.ts";
import type { Rohas } from "../../core/rohas.ts";
import type { Schema } from "../../core/schema.ts";

export interface CodegenResult {
  run: GenerateRun;
  /** Generated files removed because the schema no longer produces them. */
  removed: string[];
}

/**
 * Generates code for `language` into the project. Shared with `rohas init`.
 * Stale generated files (a block was removed or renamed) are removed too.
 */
export async function runCodegen(rohas: Rohas, schema: Schema, language: string, check: boolean): Promise<CodegenResult> {
  const run = createGenerateContext({ projectDir: rohas.projectDir, config: rohas.config, language, check });
  await rohas.generate(schema, run);
  const hasErrors = run.diagnostics.some((d) => d.severity === "error");
  const removed = hasErrors || !run.touched ? [] : await run.removeStale(`${rohas.config.project.src_dir}/generated`);
  return { run, removed };
}

export function summary(run: GenerateRun): string {
  const { written, unchanged, stubsCreated, removed } = run.stats;
  const parts = [`${written} written`, `${unchanged} unchanged`, `${stubsCreated} ${stubsCreated === 1 ? "stub" : "stubs"} created`];
  if (removed) parts.push(`${removed} stale removed`);
  return parts.join(", ");
}

const codegen: Command = {
  name: "codegen",
  summary: "Generate typed code and handler stubs from the schema",
  usage: "rohas codegen [--lang typescript|python] [--schema DIR] [--check]",
  options: [
    { name: "lang", short: "l", type: "string", value: "LANG", description: "language to generate (default: [project] language)" },
    { name: "schema", type: "string", value: "DIR", description: "schema directory (default: [project] schema_dir, i.e. schema/)" },
    { name: "check", type: "boolean", description: "write nothing; exit 1 if generated code or stubs are out of date" },
  ],
  async run(ctx: CommandContext) {
    const { rohas, result } = await openProject(ctx);
    printDiagnostics(ctx, result.diagnostics, result.sources);
    if (!result.ok) return EXIT.failure;

    const language = typeof ctx.options.lang === "string" ? ctx.options.lang : rohas.config.project.language;
    const check = ctx.options.check === true;
    const { run } = await runCodegen(rohas, result.schema, language, check);
    if (run.diagnostics.length) printDiagnostics(ctx, run.diagnostics, result.sources);
    if (run.diagnostics.some((d) => d.severity === "error")) return EXIT.failure;
    if (!run.touched) {
      ctx.out.error(`${red("error", ctx.out.color)}: no code generator handles language '${language}' (built in: typescript, python)`);
      return EXIT.failure;
    }

    const color = ctx.out.color;
    if (check) {
      if (run.outOfDate.length === 0) {
        ctx.out.log(`${green("✓", color)} ${language} code is up to date (${run.stats.unchanged} generated files, ${run.stats.stubsKept} handler files)`);
        return EXIT.ok;
      }
      ctx.out.error(`${red("✗", color)} ${run.outOfDate.length} ${run.outOfDate.length === 1 ? "file is" : "files are"} out of date:`);
      for (const file of run.outOfDate) ctx.out.error(`  ${file.path} ${yellow(`(${file.reason})`, color)}`);
      ctx.out.error(`run 'rohas codegen${language === rohas.config.project.language ? "" : ` --lang ${language}`}' to update them`);
      return EXIT.failure;
    }
    ctx.out.log(`${green("✓", color)} ${language}: ${summary(run)}`);
    return EXIT.ok;
  },
};

export default codegen;
