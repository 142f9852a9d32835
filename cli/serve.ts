/**
 * `start` and `dev` share this: validate, build the engine, serve, and stop
 * gracefully on SIGINT/SIGTERM (a second signal forces exit). `dev` also
 * generates code first and then watches the project (cli/dev-watch.ts).
 */
import type { Diagnostic } from "../grammar/ast.ts";
import type { Engine } from "../core/engine.ts";
import type { Rohas, SchemaResult } from "../core/rohas.ts";
import type { CommandContext } from "./command.ts";
import { EXIT } from "./command.ts";
import { runCodegen } from "./commands/codegen.ts";
import { DevWatcher } from "./dev-watch.ts";
import { bold, dim } from "./output.ts";
import { openProject, printDiagnostics } from "./project.ts";

export interface ServeOptions {
  workbench: boolean;
  /** `rohas dev`: generate code first, then watch and reload. */
  dev?: boolean;
}

interface Running {
  rohas: Rohas;
  engine: Engine;
}

interface Prepared {
  rohas: Rohas;
  result: SchemaResult;
}

/** Loads and validates the project (`dev`: and generates code); prints what it found. Binds nothing. */
async function prepareApp(ctx: CommandContext, options: ServeOptions): Promise<Prepared> {
  const { rohas, result } = await openProject(ctx);
  printDiagnostics(ctx, result.diagnostics, result.sources);
  if (!result.ok) return { rohas, result };

  if (typeof ctx.options.port === "number") rohas.config.server.port = ctx.options.port;
  if (typeof ctx.options.host === "string") rohas.config.server.host = ctx.options.host;
  rohas.config.workbench.enabled = options.workbench || rohas.config.workbench.enabled;

  if (options.dev) {
    // Only changed files are written and stubs never overwritten, so this is cheap on every start.
    const { run } = await runCodegen(rohas, result.schema, rohas.config.project.language, false);
    if (run.diagnostics.some((d) => d.severity === "error")) printDiagnostics(ctx, run.diagnostics, result.sources);
  }
  return { rohas, result };
}

/** Serves a prepared project; prints what went wrong and returns undefined on failure. */
async function launchApp(ctx: CommandContext, { rohas, result }: Prepared, options: ServeOptions): Promise<Running | undefined> {
  try {
    const engine = await rohas.serve(result.schema);
    // Warnings, for dev tools that show them (the Workbench); errors never get this far.
    if (options.dev) rohas.hooks.diagnostics.call({ diagnostics: result.diagnostics, sources: result.sources });
    return { rohas, engine };
  } catch (error) {
    const diagnostics = (error as { diagnostics?: Diagnostic[] }).diagnostics;
    if (Array.isArray(diagnostics) && diagnostics.length > 0) printDiagnostics(ctx, diagnostics, result.sources);
    else ctx.out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    await rohas.shutdown().catch(() => undefined);
    return undefined;
  }
}

async function startApp(ctx: CommandContext, options: ServeOptions): Promise<Running | undefined> {
  const prepared = await prepareApp(ctx, options);
  return prepared.result.ok ? await launchApp(ctx, prepared, options) : undefined;
}

export async function serveProject(ctx: CommandContext, options: ServeOptions): Promise<number> {
  const first = await startApp(ctx, options);
  if (!first) return EXIT.failure;
  let running: Running = first;

  const { host, port } = running.rohas.config.server;
  ctx.out.log(`${bold("Rohas", ctx.out.color)} ${running.rohas.config.project.name} listening on http://${host}:${port}`);
  if (running.rohas.config.workbench.enabled && running.rohas.pluginNames.includes("workbench")) {
    ctx.out.log(dim(`Workbench: http://${host}:${port}/_rohas/workbench/`, ctx.out.color));
  }

  let watcher: DevWatcher | undefined;
  if (options.dev) {
    watcher = new DevWatcher(ctx, running, async () => {
      // Everything that can fail without a port is checked before the running engine is touched:
      // a config with errors leaves it serving.
      const next = await prepareApp(ctx, options);
      if (!next.result.ok) {
        running.rohas.hooks.diagnostics.call({ diagnostics: next.result.diagnostics, sources: next.result.sources });
        return { ok: false, reason: "errors above; still serving with the previous settings" };
      }
      // New settings: stop this engine (draining it), start another on the same port.
      await running.engine.stop({ restarting: true });
      const started = await launchApp(ctx, next, options);
      if (!started) return { ok: false, reason: "the new settings could not start (above); not serving until the next change" };
      running = started;
      return { ok: true, target: started };
    });
    watcher.start();
    ctx.out.log(dim("watching schema/, src/ and config/ for changes", ctx.out.color));
  }

  return await new Promise<number>((resolve) => {
    let stoppingSince = 0;
    const stop = (signal: string) => {
      if (stoppingSince) {
        // Ctrl-C under `bun run` reaches us twice at once (the group and the forwarder): only a
        // second signal a moment later means "stop waiting".
        if (Date.now() - stoppingSince < 1_000) return;
        ctx.out.error(`received ${signal} again: exiting now`);
        process.exit(EXIT.failure);
      }
      stoppingSince = Date.now();
      watcher?.close();
      ctx.out.log(`received ${signal}: finishing in-flight work…`);
      running.engine
        .stop()
        .then(() => {
          ctx.out.log("stopped");
          resolve(EXIT.ok);
        })
        .catch((error: unknown) => {
          ctx.out.error(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
          resolve(EXIT.failure);
        });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}

export const SERVE_OPTIONS = [
  { name: "port", short: "p", type: "number", value: "N", description: "port to listen on (default: [server] port)" },
  { name: "host", type: "string", value: "HOST", description: "address to bind (default: [server] host, 127.0.0.1)" },
  { name: "schema", type: "string", value: "DIR", description: "schema directory" },
] as const;
