/**
 * codegen-python: taps `generate` and, for Python projects, writes the
 * `generated` package under src/ (pydantic v2, Rohas v0.1.0 layout) and
 * creates the snake_case handler stubs that do not exist yet.
 */
import type { RohasPlugin } from "../../core/plugin.ts";
import { platform } from "../../core/platform.ts";
import { generatePython } from "./generate.ts";

export const LANGUAGE = "python";

const codegenPython: RohasPlugin = {
  name: "codegen-python",
  apply(rohas) {
    rohas.hooks.generate.tapPromise("codegen-python", async (schema, context) => {
      if (context.language !== LANGUAGE) return;
      const label = (path: string) => platform.relative(context.projectDir, platform.resolve(path)).replaceAll("\\", "/");
      const output = generatePython(schema, {
        srcDir: context.config.project.src_dir,
        source: label,
        schemaLabel: `${label(rohas.schemaDir)}/`,
      });
      for (const file of output.files) await context.write(file.path, file.content);
      for (const stub of output.stubs) await context.writeStub(stub.path, stub.content);
    });
  },
};

export default codegenPython;
