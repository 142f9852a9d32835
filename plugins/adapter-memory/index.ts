/** adapter-memory: the default adapter, in process, bounded by `[adapter] buffer_size`. */
import type { RohasPlugin } from "../../core/plugin.ts";
import { MemoryAdapter } from "./adapter.ts";

export { MemoryAdapter } from "./adapter.ts";

const adapterMemory: RohasPlugin = {
  name: "adapter-memory",
  apply(rohas) {
    rohas.hooks.createAdapter.for("memory").tap("adapter-memory", (ctx) => {
      const size = Number(ctx.options.buffer_size ?? 1000);
      return new MemoryAdapter({ bufferSize: Number.isFinite(size) && size > 0 ? size : 1000 });
    });
  },
};

export default adapterMemory;
