/**
 * `start` and `dev` share this: validate, build the engine, serve, and stop
 * gracefully on SIGINT/SIGTERM (a second signal forces exit).
 */
import type { Diagnostic } from "../grammar/ast.ts";
import type { CommandContext } from "./command.ts";
import { EXIT } from "./command.ts";
import { bold, dim } from "./output.ts";
import { openProject, printDiagnostics } from "./project.ts";

export interface ServeOptions {
  workbench: boolean;
}

export async function serveProject(ctx: CommandContext, options: ServeOptions): Promise<number> {
  const { rohas, result } = await openProject(ctx);
  printDiagnostics(ctx, result.diagnostics, result.sources);
  if (!result.ok) return EXIT.failure;

  if (typeof ctx.options.port === "number") rohas.config.server.port = ctx.options.port;
  if (typeof ctx.options.host === "string") rohas.config.server.host = ctx.options.host;
  rohas.config.workbench.enabled = options.workbench || rohas.config.workbench.enabled;

  let engine: Awaited<ReturnType<typeof rohas.serve>>;
  try {
    engine = await rohas.serve(result.schema);
  } catch (error) {
    const diagnostics = (error as { diagnostics?: Diagnostic[] }).diagnostics;
    if (Array.isArray(diagnostics) && diagnostics.length > 0) printDiagnostics(ctx, diagnostics, result.sources);
    else ctx.out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    await rohas.shutdown().catch(() => undefined);
    return EXIT.failure;
  }

  const { host, port } = rohas.config.server;
  ctx.out.log(`${bold("Rohas", ctx.out.color)} ${rohas.config.project.name} listening on http://${host}:${port}`);
  if (rohas.config.workbench.enabled && rohas.pluginNames.includes("workbench")) {
    ctx.out.log(dim(`Workbench: http://${host}:${port}/_rohas/workbench/`, ctx.out.color));
  }

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        ctx.out.error(`received ${signal} again: exiting now`);
        process.exit(EXIT.failure);
      }
      stopping = true;
      ctx.out.log(`received ${signal}: finishing in-flight work…`);
      engine
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
