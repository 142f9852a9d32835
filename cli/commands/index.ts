/**
 * Every command, lazily imported by a literal path so `bun build --compile`
 * bundles them all while `rohas version` loads only what it needs.
 */
import type { Command } from "../command.ts";

type Loader = () => Promise<{ default: Command }>;

export const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  init: { summary: "Create a new project from a template", load: () => import("./init.ts") },
  codegen: { summary: "Generate typed code and handler stubs from the schema", load: () => import("./codegen.ts") },
  validate: { summary: "Parse and check the schema", load: () => import("./validate.ts") },
  dev: { summary: "Run the application for development", load: () => import("./dev.ts") },
  start: { summary: "Run the application", load: () => import("./start.ts") },
  "list-handlers": { summary: "List handlers and their files", load: () => import("./list-handlers.ts") },
  "list-events": { summary: "List events, handlers and publishers", load: () => import("./list-events.ts") },
  version: { summary: "Print the version", load: () => import("./version.ts") },
};
