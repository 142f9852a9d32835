/**
 * One CLI command per file under cli/commands/. main.ts parses argv with the
 * command's option table, then calls `run`. A command returns its exit code:
 * 0 success, 1 schema/project errors, 2 usage errors.
 */
import type { PluginRegistry } from "../core/plugin.ts";

export type OptionSpec = {
  /** Long name without dashes: `schema` for --schema. */
  name: string;
  short?: string;
  type: "string" | "boolean" | "number";
  description: string;
  /** Placeholder shown in help, e.g. DIR. */
  value?: string;
};

export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** Parsed options by long name. */
  options: Record<string, string | boolean | number | undefined>;
  cwd: string;
  registry: PluginRegistry;
  out: Output;
}

export interface Output {
  /** True when colour is allowed (TTY and no NO_COLOR). */
  color: boolean;
  log(line: string): void;
  error(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. "rohas validate [--schema DIR] [--json]" */
  usage: string;
  options: OptionSpec[];
  run(ctx: CommandContext): Promise<number>;
}

/** Exit codes, named. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
