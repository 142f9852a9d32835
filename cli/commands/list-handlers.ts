import { existsSync } from "node:fs";
import { join } from "node:path";
import { handlerPath, handlerRefs } from "../../core/handler-refs.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../command.ts";
import { dim, red } from "../output.ts";
import { openProject, printDiagnostics } from "../project.ts";

const listHandlers: Command = {
  name: "list-handlers",
  summary: "List every handler the schema names, its file, and whether it exists",
  usage: "rohas list-handlers [--schema DIR] [--json]",
  options: [
    { name: "schema", type: "string", value: "DIR", description: "schema directory" },
    { name: "json", type: "boolean", description: "print as JSON" },
  ],
  async run(ctx) {
    const { rohas, result } = await openProject(ctx);
    if (!result.ok) {
      printDiagnostics(ctx, result.diagnostics, result.sources);
      return EXIT.failure;
    }
    const language = rohas.config.project.language;
    const rows = handlerRefs(result.schema).map((ref) => {
      const file = handlerPath(ref, language, rohas.config.project.src_dir);
      return { kind: ref.kind, name: ref.name, declaredBy: ref.declaredBy, file, exists: existsSync(join(rohas.projectDir, file)) };
    });
    if (ctx.options.json) {
      ctx.out.log(JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    const width = Math.max(4, ...rows.map((r) => r.name.length));
    for (const r of rows) {
      const state = r.exists ? "" : `  ${red("(missing)", ctx.out.color)}`;
      ctx.out.log(`${r.kind.padEnd(10)} ${r.name.padEnd(width)}  ${r.file}${state}  ${dim(r.declaredBy, ctx.out.color)}`);
    }
    if (rows.length === 0) ctx.out.log("no handlers");
    return EXIT.ok;
  },
};
export default listHandlers;
