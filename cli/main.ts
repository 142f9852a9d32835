#!/usr/bin/env bun
/**
 * The rohas CLI: `rohas <command> [options]`. Exit codes: 0 success,
 * 1 schema/project errors, 2 usage errors.
 */
import { builtinPlugins } from "../plugins/builtin.ts";
import { parseArgs, UsageError } from "./args.ts";
import { EXIT, type Command, type Output } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { bold, red } from "./output.ts";
import { createOutput } from "./output.ts";
import { suggest } from "../core/schema.ts";

function globalHelp(out: Output): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = [
    `${bold("rohas", out.color)} — schema-first, event-driven applications`,
    "",
    "Usage: rohas <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    `  ${"help".padEnd(width)}  Show help for a command`,
    "",
    "Run 'rohas <command> --help' for a command's options.",
  ];
  return lines.join("\n");
}

function commandHelp(command: Command): string {
  const lines = [command.summary, "", `Usage: ${command.usage}`];
  const rows = [...command.options, { name: "help", short: "h", value: undefined, description: "show this help" }];
  const labels = rows.map((o) => `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.value ? ` ${o.value}` : ""}`);
  const width = Math.max(...labels.map((l) => l.length));
  lines.push("", "Options:");
  rows.forEach((o, i) => lines.push(`  ${labels[i]!.padEnd(width)}  ${o.description}`));
  return lines.join("\n");
}

async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = COMMANDS[name];
  return entry ? (await entry.load()).default : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const out = createOutput();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    out.log(globalHelp(out));
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-v") return main(["version"]);
  if (name === "help") {
    const target = rest[0] ? await loadCommand(rest[0]) : undefined;
    if (rest[0] && !target) {
      out.error(`${red("error", out.color)}: unknown command '${rest[0]}'`);
      return EXIT.usage;
    }
    out.log(target ? commandHelp(target) : globalHelp(out));
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    const guess = suggest(name, [...Object.keys(COMMANDS), "help"]);
    out.error(`${red("error", out.color)}: unknown command '${name}'${guess ? ` — did you mean '${guess}'?` : ""}`);
    out.error("Run 'rohas help' for the list of commands.");
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out.log(commandHelp(command));
    return EXIT.ok;
  }
  let parsed;
  try {
    parsed = parseArgs(rest, command.options);
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`${red("error", out.color)}: ${error.message}`);
      out.error(`Usage: ${command.usage}`);
      return EXIT.usage;
    }
    throw error;
  }
  try {
    return await command.run({ ...parsed, cwd: process.cwd(), registry: builtinPlugins, out });
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`${red("error", out.color)}: ${error.message}`);
      return EXIT.usage;
    }
    // A failure we did not anticipate: one line for the user, the stack only on request.
    const message = error instanceof Error ? error.message : String(error);
    out.error(`${red("error", out.color)}: ${message}`);
    if (process.env.ROHAS_DEBUG && error instanceof Error && error.stack) out.error(error.stack);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  // No top-level await: the compiled binary is bytecode-compiled, which needs a plain module body.
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
