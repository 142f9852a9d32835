import type { Command } from "../command.ts";
import { EXIT } from "../command.ts";
import { openProject, printDiagnostics } from "../project.ts";

const listEvents: Command = {
  name: "list-events",
  summary: "List events with their payload, handlers, triggers and who publishes them",
  usage: "rohas list-events [--schema DIR] [--json]",
  options: [
    { name: "schema", type: "string", value: "DIR", description: "schema directory" },
    { name: "json", type: "boolean", description: "print as JSON" },
  ],
  async run(ctx) {
    const { result } = await openProject(ctx);
    if (!result.ok) {
      printDiagnostics(ctx, result.diagnostics, result.sources);
      return EXIT.failure;
    }
    const s = result.schema;
    const publishers = new Map<string, string[]>();
    const note = (event: string, by: string) => publishers.set(event, [...(publishers.get(event) ?? []), by]);
    for (const a of s.apis) for (const t of a.triggers) note(t.name, `api ${a.name}`);
    for (const c of s.crons) for (const t of c.triggers) note(t.name, `cron ${c.name}`);
    for (const w of s.websockets) for (const t of w.triggers) note(t.name, `ws ${w.name}`);
    for (const e of s.events) for (const t of e.triggers) note(t.name, `event ${e.name}`);
    const rows = s.events.map((e) => ({
      name: e.name,
      payload: e.payload ? `${e.payload.name}${e.payload.array ? "[]" : ""}${e.payload.optional ? "?" : ""}` : null,
      handlers: e.handlers.map((h) => h.name),
      triggers: e.triggers.map((t) => t.name),
      publishedBy: publishers.get(e.name) ?? [],
      file: e.file,
      line: e.span.start.line,
    }));
    if (ctx.options.json) {
      ctx.out.log(JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    for (const r of rows) {
      ctx.out.log(`${r.name}  payload: ${r.payload ?? "-"}  (${r.file}:${r.line})`);
      ctx.out.log(`  handlers:     ${r.handlers.join(", ") || "-"}`);
      ctx.out.log(`  triggers:     ${r.triggers.join(", ") || "-"}`);
      ctx.out.log(`  published by: ${r.publishedBy.join(", ") || "-"}`);
    }
    if (rows.length === 0) ctx.out.log("no events");
    return EXIT.ok;
  },
};
export default listEvents;
