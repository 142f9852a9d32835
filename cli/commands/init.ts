/**
 * `rohas init NAME`: a ready project from the embedded scaffold (config,
 * schema, handlers, package.json or requirements.txt, .gitignore, README),
 * then code generation, then the dependencies (`bun install`, or a .venv with
 * pydantic for Python). The result passes `rohas validate` and starts with
 * `rohas dev` without edits.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { Command, CommandContext } from "../command.ts";
import { EXIT } from "../command.ts";
import { UsageError } from "../args.ts";
import { bold, dim, green, red, yellow } from "../output.ts";
import { printDiagnostics } from "../project.ts";
import { renderTemplate } from "../../core/generate-context.ts";
import { Rohas } from "../../core/rohas.ts";
import { DEFAULT_EXAMPLE, examples, scaffoldFiles, type InitLanguage } from "../../templates/init/index.ts";
import pkg from "../../package.json" with { type: "json" };
import { runCodegen, summary } from "./codegen.ts";

const LANGUAGES: InitLanguage[] = ["typescript", "python"];

const init: Command = {
  name: "init",
  summary: "Create a new project from a template",
  usage: "rohas init NAME [--lang typescript|python] [--example NAME] [--force] [--no-install]",
  options: [
    { name: "lang", short: "l", type: "string", value: "LANG", description: "typescript (default) or python" },
    { name: "example", type: "string", value: "NAME", description: `starting point: ${Object.keys(examples).join(", ")} (default: ${DEFAULT_EXAMPLE})` },
    { name: "force", short: "f", type: "boolean", description: "write into a folder that is not empty (files of the template are replaced)" },
    { name: "install", type: "boolean", description: "install dependencies (default; --no-install skips bun install / the Python .venv)" },
  ],
  async run(ctx) {
    const { name, language, exampleName } = parseInput(ctx);
    const example = examples[exampleName]!;
    const dir = resolve(ctx.cwd, name);
    const shown = relative(ctx.cwd, dir) || ".";
    const color = ctx.out.color;

    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) {
        ctx.out.error(`${red("error", color)}: ${shown} exists and is not a folder`);
        return EXIT.failure;
      }
      if (readdirSync(dir).length > 0 && ctx.options.force !== true) {
        ctx.out.error(`${red("error", color)}: ${shown} is not empty; choose a new name or pass --force to write into it`);
        return EXIT.failure;
      }
    }

    const projectName = basename(dir);
    const data = {
      name: projectName,
      packageName: packageName(projectName),
      language,
      example,
      versions: {
        typebox: pkg.dependencies["@sinclair/typebox"],
        bunTypes: pkg.devDependencies["bun-types"],
        typescript: pkg.devDependencies.typescript,
      },
    };
    const files = scaffoldFiles(language, example);
    for (const file of files) {
      const target = join(dir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, renderTemplate(file.template, data));
    }
    ctx.out.log(`${green("✓", color)} created ${shown} (${language}, example ${exampleName}): ${files.length} files`);

    // Generated code and stubs for anything the example's handlers do not cover.
    const rohas = await Rohas.create({ projectDir: dir, registry: ctx.registry });
    await rohas.applyPlugins("validate");
    const result = await rohas.loadSchema();
    if (!result.ok) {
      printDiagnostics(ctx, result.diagnostics, result.sources);
      ctx.out.error(`${red("error", color)}: the ${exampleName} template does not validate; this is a bug in rohas`);
      return EXIT.failure;
    }
    const { run } = await runCodegen(rohas, result.schema, language, false);
    if (run.diagnostics.length) printDiagnostics(ctx, run.diagnostics, result.sources);
    ctx.out.log(`${green("✓", color)} rohas codegen: ${summary(run)}`);

    let installed = true;
    if (ctx.options.install !== false) installed = installDependencies(ctx, dir, shown, language);

    ctx.out.log("");
    ctx.out.log(`${bold("Next:", color)}`);
    ctx.out.log(`  cd ${shown}`);
    ctx.out.log(`  rohas dev        ${dim(`# ${example.summary}`, color)}`);
    return installed ? EXIT.ok : EXIT.failure;
  },
};

function parseInput(ctx: CommandContext): { name: string; language: InitLanguage; exampleName: string } {
  const [name, ...extra] = ctx.args;
  if (!name) throw new UsageError("missing the project name: rohas init NAME");
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}' (one project name only)`);
  const lang = typeof ctx.options.lang === "string" ? ctx.options.lang : "typescript";
  if (!(LANGUAGES as string[]).includes(lang)) throw new UsageError(`unknown language '${lang}' (choose ${LANGUAGES.join(" or ")})`);
  const exampleName = typeof ctx.options.example === "string" ? ctx.options.example : DEFAULT_EXAMPLE;
  if (!examples[exampleName]) throw new UsageError(`unknown example '${exampleName}' (choose ${Object.keys(examples).join(", ")})`);
  return { name, language: lang as InitLanguage, exampleName };
}

/** npm package names are lowercase, without spaces. */
function packageName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+|-+$/g, "") || "rohas-app"
  );
}

interface Step {
  label: string;
  argv: string[];
  env?: Record<string, string>;
}

/** Runs the install steps; on failure says which command failed, why, and how to finish by hand. */
function installDependencies(ctx: CommandContext, dir: string, shown: string, language: InitLanguage): boolean {
  const color = ctx.out.color;
  const steps: Step[] =
    language === "python"
      ? [
          { label: "python3 -m venv .venv", argv: ["python3", "-m", "venv", ".venv"] },
          {
            label: ".venv/bin/pip install -r requirements.txt",
            argv: [join(dir, ".venv", "bin", "python"), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r", "requirements.txt"],
          },
        ]
      : // Inside the single binary, BUN_BE_BUN=1 makes it behave as the bun CLI; from source it is bun already.
        [{ label: "bun install", argv: [process.execPath, "install"], env: { BUN_BE_BUN: "1" } }];
  for (const step of steps) {
    const proc = spawnSync(step.argv[0]!, step.argv.slice(1), {
      cwd: dir,
      env: { ...process.env, ...step.env },
      encoding: "utf8",
      timeout: 600_000,
    });
    if (proc.status === 0) continue;
    const why = proc.error ? proc.error.message : `exit ${proc.status ?? proc.signal}`;
    ctx.out.error(`${red("✗", color)} installing dependencies failed: ${step.label} (${why})`);
    const output = `${proc.stdout ?? ""}${proc.stderr ?? ""}`.trim().split("\n").slice(-15);
    for (const line of output) if (line) ctx.out.error(`    ${line}`);
    ctx.out.error(`${yellow("The project is in place; finish the set-up by hand:", color)}`);
    ctx.out.error(`  cd ${shown}`);
    for (const s of steps) ctx.out.error(`  ${s.label}`);
    return false;
  }
  ctx.out.log(`${green("✓", color)} installed dependencies (${steps.map((s) => s.label).join(", then ")})`);
  return true;
}

export default init;
