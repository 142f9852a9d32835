import pkg from "../../package.json" with { type: "json" };
import type { Command } from "../command.ts";
import { EXIT } from "../command.ts";

const version: Command = {
  name: "version",
  summary: "Print the Rohas version",
  usage: "rohas version [--json]",
  options: [{ name: "json", type: "boolean", description: "print as JSON with the Bun version" }],
  async run(ctx) {
    if (ctx.options.json) ctx.out.log(JSON.stringify({ rohas: pkg.version, bun: Bun.version }));
    else ctx.out.log(`rohas ${pkg.version} (bun ${Bun.version})`);
    return EXIT.ok;
  },
};
export default version;
