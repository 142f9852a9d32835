/**
 * The Workbench's static files, imported as files so `bun build --compile`
 * embeds them in the binary; only these names are ever served, so no request
 * path can reach anything else on disk.
 */
// @ts-expect-error -- Bun's file import of a plain .js asset has no type declaration
import appJs from "../../workbench-static/app.js" with { type: "file" };
import indexHtml from "../../workbench-static/index.html" with { type: "file" };
// @ts-expect-error -- Bun's file import of a .css asset has no type declaration
import styleCss from "../../workbench-static/style.css" with { type: "file" };

export const ASSETS: Record<string, { file: string; type: string }> = {
  "index.html": { file: indexHtml as unknown as string, type: "text/html; charset=utf-8" },
  "app.js": { file: appJs as string, type: "text/javascript; charset=utf-8" },
  "style.css": { file: styleCss as string, type: "text/css; charset=utf-8" },
};
