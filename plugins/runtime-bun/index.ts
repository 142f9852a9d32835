/** runtime-bun: TypeScript and JavaScript handlers, run in the Rohas process. */
import type { RohasPlugin } from "../../core/plugin.ts";
import { BunBridge } from "./bridge.ts";

export { BunBridge } from "./bridge.ts";

const runtimeBun: RohasPlugin = {
  name: "runtime-bun",
  apply(rohas) {
    for (const language of ["typescript", "javascript"]) {
      rohas.hooks.resolveRuntime.for(language).tap("runtime-bun", (ctx) => new BunBridge(ctx.projectDir, ctx.config.project.src_dir));
    }
  },
};

export default runtimeBun;
