/**
 * codegen-typescript: taps `generate` and, for TypeScript projects, writes
 * src/generated/** (types, TypeBox schemas, the State type) and creates the
 * handler stubs that do not exist yet.
 */
import type { RohasPlugin } from "../../core/plugin.ts";
import { platform } from "../../core/platform.ts";
import { generateTypeScript } from "./generate.ts";
import type { DateTimeMode } from "./types.ts";

export const LANGUAGE = "typescript";

/** `[codegen] datetime = "date"` types DateTime fields as Date; the default is the ISO string JSON carries. */
export function dateTimeMode(config: unknown): DateTimeMode {
  const codegen = (config as { codegen?: { datetime?: unknown } }).codegen;
  return codegen?.datetime === "date" ? "date" : "string";
}

const codegenTypeScript: RohasPlugin = {
  name: "codegen-typescript",
  apply(rohas) {
    rohas.hooks.generate.tapPromise("codegen-typescript", async (schema, context) => {
      if (context.language !== LANGUAGE) return;
      const label = (path: string) => platform.relative(context.projectDir, platform.resolve(path)).replaceAll("\\", "/");
      const output = generateTypeScript(schema, {
        srcDir: context.config.project.src_dir,
        dateTime: dateTimeMode(context.config),
        source: label,
        schemaLabel: `${label(rohas.schemaDir)}/`,
      });
      for (const file of output.files) await context.write(file.path, file.content);
      for (const stub of output.stubs) await context.writeStub(stub.path, stub.content);
    });
  },
};

export default codegenTypeScript;
