/**
 * What a pool needs before it can spawn: which interpreter, how many workers,
 * and the worker module as a file on disk (inside the compiled binary it is
 * embedded text, so it is written out once to a per-user cache folder).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { RohasConfig } from "../../core/config.ts";
import { platform } from "../../core/platform.ts";
import workerSource from "./worker/rohas_worker.py" with { type: "text" };

/** `[python] interpreter`, else the project's `.venv/bin/python`, else `python3` on PATH. */
export function resolveInterpreter(config: RohasConfig, projectDir: string): string {
  const configured = config.python.interpreter.trim();
  if (configured) return configured.includes("/") ? platform.resolve(projectDir, configured) : configured;
  const venv = platform.join(projectDir, ".venv", "bin", "python");
  return platform.existsSync(venv) ? venv : "python3";
}

/** `[python] workers`, else one per core. */
export function resolvePoolSize(config: RohasConfig): number {
  return config.python.workers > 0 ? config.python.workers : Math.max(1, availableParallelism());
}

let cachedScript: string | undefined;

/** The path of rohas_worker.py to run: the source file when there is one, else a cached copy. */
export function workerScriptPath(): string {
  if (cachedScript) return cachedScript;
  const local = join(import.meta.dir, "worker", "rohas_worker.py");
  if (!platform.isCompiled() && existsSync(local)) return (cachedScript = local);
  const hash = Bun.hash(workerSource).toString(16);
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const dir = join(tmpdir(), `rohas-${uid}`, `python-worker-${hash}`);
  const file = join(dir, "rohas_worker.py");
  // Compare, not just check existence: a truncated or foreign file must not be run.
  if (!existsSync(file) || readFileSync(file, "utf8") !== workerSource) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, workerSource, { mode: 0o600 });
    renameSync(temp, file);
  }
  return (cachedScript = file);
}
