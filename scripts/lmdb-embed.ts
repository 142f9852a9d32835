/**
 * A Bun.build plugin that lets `bun build --compile` embed lmdb's native
 * addon. lmdb finds its addon at run time by searching folders, which fails
 * inside the single binary ("No native build was found"); replacing that search
 * with a static import of the prebuilt addon lets Bun embed it.
 */
import type { BunPlugin } from "bun";

const ADDON = "@lmdb/lmdb-linux-x64/node.napi.glibc.node";

export const lmdbEmbedPlugin: BunPlugin = {
  name: "lmdb-embed",
  setup(build) {
    build.onLoad({ filter: /[\\/]lmdb[\\/]native\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      if (!source.includes("loadNAPI(dirName)")) {
        throw new Error(`lmdb-embed: ${args.path} no longer calls loadNAPI(dirName); update scripts/lmdb-embed.ts`);
      }
      const patched = source.replace("loadNAPI(dirName)", "__rohasLmdbAddon");
      return { contents: `import __rohasLmdbAddon from ${JSON.stringify(ADDON)};\n${patched}`, loader: "js" };
    });
  },
};
