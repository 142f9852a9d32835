import type { Command, OptionSpec } from "../command.ts";
import { SERVE_OPTIONS, serveProject } from "../serve.ts";

const dev: Command = {
  name: "dev",
  summary: "Run the application for development: generate code, watch and reload on change",
  usage: "rohas dev [--port N] [--host HOST] [--schema DIR] [--workbench]",
  options: [...(SERVE_OPTIONS as unknown as OptionSpec[]), { name: "workbench", type: "boolean", description: "serve the Workbench at /_rohas/workbench/" }],
  run: (ctx) => serveProject(ctx, { workbench: ctx.options.workbench === true, dev: true }),
};
export default dev;
