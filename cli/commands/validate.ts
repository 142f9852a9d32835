import type { Command } from "../command.ts";
import { EXIT } from "../command.ts";
import { green } from "../output.ts";
import { diagnosticJson, openProject, printDiagnostics } from "../project.ts";

const validate: Command = {
  name: "validate",
  summary: "Parse and check the schema; print every error with file:line:col",
  usage: "rohas validate [--schema DIR] [--json]",
  options: [
    { name: "schema", type: "string", value: "DIR", description: "schema directory (default: [project] schema_dir, i.e. schema/)" },
    { name: "json", type: "boolean", description: "print diagnostics and the parsed blocks as JSON" },
  ],
  async run(ctx) {
    const { result } = await openProject(ctx);
    if (ctx.options.json) {
      const blocks = result.schema.files.map((f) => ({ file: f.path, blocks: f.blocks }));
      ctx.out.log(JSON.stringify({ ok: result.ok, diagnostics: result.diagnostics.map(diagnosticJson), files: blocks }, null, 2));
      return result.ok ? EXIT.ok : EXIT.failure;
    }
    printDiagnostics(ctx, result.diagnostics, result.sources);
    if (!result.ok) return EXIT.failure;
    const s = result.schema;
    const count = s.shapes.length + s.apis.length + s.events.length + s.crons.length + s.websockets.length;
    ctx.out.log(
      `${green("✓", ctx.out.color)} schema is valid: ${s.files.length} files, ${count} blocks ` +
        `(${s.apis.length} apis, ${s.events.length} events, ${s.crons.length} crons, ${s.websockets.length} websockets, ${s.shapes.length} models/types/inputs)`,
    );
    return EXIT.ok;
  },
};
export default validate;
