/**
 * The Python RuntimeBridge: resolves handlers through a worker (so import
 * errors show up at start-up as diagnostics), sends calls to the pool, and
 * turns everything the workers report into Rohas values (HandlerError, logs,
 * triggered events).
 */
import type { Diagnostic, Span } from "../../grammar/ast.ts";
import type { RuntimeContext } from "../../core/hooks.ts";
import { platform } from "../../core/platform.ts";
import { HandlerError, type HandlerRef, type HandlerState, type RuntimeBridge } from "../../core/runtime.ts";
import { suggest } from "../../core/schema.ts";
import { PoolUnavailableError, WorkerPool } from "./pool.ts";
import { resolveInterpreter, resolvePoolSize, workerScriptPath } from "./setup.ts";
import { fromMiddlewareResult, toPythonArgs } from "./shapes.ts";
import type { HandlerProblem, LooseLog } from "./worker-process.ts";

export interface PythonBridgeOptions {
  /** Overrides `[python] workers`. */
  workers?: number;
  /** Overrides `[python] interpreter` / the `.venv` lookup. */
  interpreter?: string;
  /** Overrides `[events] handler_timeout_ms` (0 = no timeout). */
  timeoutMs?: number;
  /** How long a cancelled handler may keep running before its worker is killed. */
  cancelGraceMs?: number;
}

export class PythonBridge implements RuntimeBridge {
  readonly language = "python";
  readonly pool: WorkerPool;
  readonly interpreter: string;
  private readonly srcDir: string;
  private readonly timeoutMs: number;
  private started = false;

  constructor(
    private readonly context: RuntimeContext,
    options: PythonBridgeOptions = {},
  ) {
    const { config, projectDir } = context;
    this.interpreter = options.interpreter ?? resolveInterpreter(config, projectDir);
    this.srcDir = platform.resolve(projectDir, config.project.src_dir);
    this.timeoutMs = options.timeoutMs ?? config.events.handler_timeout_ms;
    this.pool = new WorkerPool({
      size: options.workers ?? resolvePoolSize(config),
      interpreter: this.interpreter,
      script: workerScriptPath(),
      projectDir,
      srcDir: this.srcDir,
      cancelGraceMs: options.cancelGraceMs,
      onLog: (log) => this.recordLoose(log),
    });
  }

  async prepare(handlers: HandlerRef[]): Promise<Diagnostic[]> {
    this.start();
    this.pool.addPreload(handlers);
    if (handlers.length === 0) return [];
    let problems: HandlerProblem[];
    try {
      const worker = await this.pool.readyWorker();
      problems = await worker.resolveHandlers(handlers);
    } catch (error) {
      return [
        {
          severity: "error",
          code: "runtime-python/unavailable",
          message: `cannot start the Python runtime with '${this.interpreter}': ${error instanceof Error ? error.message : String(error)}`,
          hint: "install Python 3.9+ or set [python] interpreter in config/rohas.toml",
        },
      ];
    }
    return problems.map((problem) => this.diagnostic(problem));
  }

  /** Not async: on the hot path the worker's own promise is the call's promise, with no extra hop. */
  invoke(handler: HandlerRef, args: unknown[], state: HandlerState): Promise<unknown> {
    if (!this.started) this.start();
    const worker = this.pool.pick();
    if (!worker) return this.invokeWhenAWorkerIsUp(handler, args, state);
    let pythonArgs: unknown[];
    try {
      pythonArgs = toPythonArgs(handler.kind, args);
    } catch (error) {
      return Promise.reject(error);
    }
    // The worker resolves Python's None as undefined ("returned nothing", as for a TypeScript handler).
    const result = worker.call(handler, pythonArgs, state, this.timeoutMs);
    return handler.kind === "middleware" ? result.then(fromMiddlewareResult) : result;
  }

  private async invokeWhenAWorkerIsUp(handler: HandlerRef, args: unknown[], state: HandlerState): Promise<unknown> {
    let worker;
    try {
      worker = await this.pool.acquire();
    } catch (error) {
      throw new HandlerError(error instanceof Error ? error.message : String(error), handler, "PythonUnavailable", undefined);
    }
    const result = await worker.call(handler, toPythonArgs(handler.kind, args), state, this.timeoutMs);
    return handler.kind === "middleware" ? fromMiddlewareResult(result) : result;
  }

  /** Changed Python files: new workers take new calls, old ones finish theirs first. */
  async reload(changedFiles: string[]): Promise<void> {
    if (!this.started) return;
    if (changedFiles.length > 0 && !changedFiles.some((file) => file.endsWith(".py"))) return;
    await this.pool.recycle();
  }

  async close(): Promise<void> {
    await this.pool.close(this.context.config.server.shutdown_timeout_ms);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    try {
      this.pool.start();
    } catch (error) {
      if (!(error instanceof PoolUnavailableError)) throw error;
    }
  }

  private recordLoose(log: LooseLog): void {
    this.context.record({
      type: "log",
      log: { time: Date.now(), level: log.level, message: log.message, source: log.source, attributes: log.attributes },
    });
  }

  private diagnostic(problem: HandlerProblem): Diagnostic {
    const srcRelative = platform.relative(this.context.projectDir, this.srcDir) || ".";
    const file = platform.join(srcRelative, problem.file);
    const what = `${problem.kind} handler '${problem.name}'`;
    switch (problem.reason) {
      case "missing-file":
        return {
          severity: "error",
          code: "runtime-python/handler-not-found",
          message: `${what} not found: expected ${file} defining ${problem.signature}`,
          hint: "run `rohas codegen` to create a stub, or check the name in the schema",
        };
      case "missing-function": {
        const near = suggest(problem.functions[0]!, problem.found ?? []);
        return {
          severity: "error",
          code: "runtime-python/handler-function-missing",
          message: `${file} does not define ${problem.functions.join(" or ")} for ${what}`,
          span: lineSpan(file, 1),
          hint: near
            ? `did you mean '${near}'? the function must be ${problem.signature}`
            : `define ${problem.signature}${problem.found?.length ? ` (the file defines ${problem.found.join(", ")})` : ""}`,
        };
      }
      case "import-failed": {
        const inProject = problem.errorFile?.startsWith(this.context.projectDir + "/");
        const where = inProject && problem.line ? lineSpan(platform.relative(this.context.projectDir, problem.errorFile!), problem.line) : lineSpan(file, 1);
        return {
          severity: "error",
          code: "runtime-python/handler-import-failed",
          message: `${file} failed to import (${what}): ${problem.errorType}: ${problem.message}`,
          span: where,
        };
      }
    }
  }
}

function lineSpan(file: string, line: number): Span {
  return { file, start: { offset: 0, line, column: 1 }, end: { offset: 0, line, column: 1 } };
}
