/** argv → positional args and typed options, from a command's option table. */
import type { OptionSpec } from "./command.ts";

export class UsageError extends Error {
  override name = "UsageError";
}

export interface ParsedArgs {
  args: string[];
  options: Record<string, string | boolean | number | undefined>;
}

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const args: string[] = [];
  const options: ParsedArgs["options"] = {};
  const byName = new Map<string, OptionSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.short) byName.set(spec.short, spec);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      args.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const [rawName, inline] = (long ? arg.slice(2) : arg.slice(1)).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = long && rawName.startsWith("no-") && byName.get(rawName.slice(3))?.type === "boolean";
    const spec = byName.get(negated ? rawName.slice(3) : rawName);
    if (!spec) {
      const known = specs.map((s) => `--${s.name}`).join(", ");
      throw new UsageError(`unknown option '${arg}'${known ? ` (known: ${known})` : ""}`);
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      options[spec.name] = !negated;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      throw new UsageError(`option --${spec.name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
    }
    if (spec.type === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`option --${spec.name} expects a number, got '${value}'`);
      options[spec.name] = n;
    } else {
      options[spec.name] = value;
    }
  }
  return { args, options };
}
