import type { Command, OptionSpec } from "../command.ts";
import { SERVE_OPTIONS, serveProject } from "../serve.ts";

const start: Command = {
  name: "start",
  summary: "Run the application (no file watching)",
  usage: "rohas start [--port N] [--host HOST] [--schema DIR] [--workbench]",
  options: [...(SERVE_OPTIONS as unknown as OptionSpec[]), { name: "workbench", type: "boolean", description: "serve the Workbench too" }],
  run: (ctx) => serveProject(ctx, { workbench: ctx.options.workbench === true }),
};
export default start;
