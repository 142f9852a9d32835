/** Shared by commands: open the project in cwd, load and validate its schema, print diagnostics. */
import { formatDiagnostics } from "../grammar/format.ts";
import type { Diagnostic } from "../grammar/ast.ts";
import { Rohas, type SchemaResult } from "../core/rohas.ts";
import type { CommandContext } from "./command.ts";

export async function openProject(ctx: CommandContext): Promise<{ rohas: Rohas; result: SchemaResult }> {
  const schemaDir = typeof ctx.options.schema === "string" ? ctx.options.schema : undefined;
  const rohas = await Rohas.create({ projectDir: ctx.cwd, schemaDir, registry: ctx.registry });
  // Community plugins may add parse rewrites or validation rules, so they are applied before loading.
  await rohas.applyPlugins("validate");
  const result = await rohas.loadSchema();
  return { rohas, result };
}

/** Prints diagnostics to stderr (errors and warnings) with a summary line. */
export function printDiagnostics(ctx: CommandContext, diagnostics: Diagnostic[], sources: Map<string, string>): void {
  if (diagnostics.length === 0) return;
  ctx.out.error(formatDiagnostics(diagnostics, sources, { color: ctx.out.color }));
}

export function diagnosticJson(d: Diagnostic) {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.span?.file,
    line: d.span?.start.line,
    column: d.span?.start.column,
    hint: d.hint,
  };
}
