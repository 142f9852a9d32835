/**
 * How the Workbench front end is built: src/main.ts bundled for browsers by
 * Bun.build (no framework, no runtime dependencies), plus index.html,
 * style.css and favicon.svg as they are. Used by scripts/build-workbench.ts
 * (writes dist/ and the manifest the binary embeds) and, when running from
 * source without a build, by plugins/workbench/static.ts (in memory).
 */
import { join } from "node:path";

const HERE = import.meta.dir;
export const COPIED = ["index.html", "style.css", "favicon.svg"] as const;

/** Built files by name, as served under /_rohas/workbench/. */
export async function buildWorkbenchAssets(options: { minify?: boolean } = {}): Promise<Map<string, Uint8Array | string>> {
  const result = await Bun.build({
    entrypoints: [join(HERE, "src", "main.ts")],
    target: "browser",
    format: "esm",
    minify: options.minify ?? true,
    sourcemap: "none",
    naming: "app.js",
  });
  if (!result.success) {
    const messages = result.logs.map((log) => String(log.message ?? log)).join("\n");
    throw new Error(`the Workbench front end did not build:\n${messages}`);
  }
  const files = new Map<string, Uint8Array | string>();
  for (const output of result.outputs) {
    const name = output.path.replace(/^.*[\\/]/, "");
    files.set(name, new Uint8Array(await output.arrayBuffer()));
  }
  if (!files.has("app.js")) throw new Error("the Workbench build produced no app.js");
  for (const name of COPIED) files.set(name, await Bun.file(join(HERE, name)).text());
  return files;
}
