/** adapter-lmdb: a durable embedded queue (`[adapter] type = "lmdb"`, `path` default .rohas/queue). */
import { isAbsolute, join } from "node:path";
import type { RohasPlugin } from "../../core/plugin.ts";
import { LmdbAdapter } from "./adapter.ts";

export { LmdbAdapter } from "./adapter.ts";

const adapterLmdb: RohasPlugin = {
  name: "adapter-lmdb",
  apply(rohas) {
    rohas.hooks.createAdapter.for("lmdb").tap("adapter-lmdb", (ctx) => {
      const path = String(ctx.options.path ?? ".rohas/queue");
      return new LmdbAdapter({ path: isAbsolute(path) ? path : join(ctx.projectDir, path), pollMs: Number(ctx.options.poll_ms ?? 200) });
    });
  },
};

export default adapterLmdb;
