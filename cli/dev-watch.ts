/**
 * `rohas dev`'s inner loop: watch schema/, src/ and config/, debounce bursts
 * into one reload, and apply the smallest reload that covers the change:
 * handler code → reload that code; a .ro file → parse, validate, regenerate,
 * swap the running engine's schema (errors keep the last good one serving);
 * config → restart the engine in-process. One line per reload.
 */
import { watch, type FSWatcher } from "node:fs";
import { relative, sep } from "node:path";
import type { Engine } from "../core/engine.ts";
import type { Rohas } from "../core/rohas.ts";
import type { CommandContext } from "./command.ts";
import { runCodegen } from "./commands/codegen.ts";
import { dim, green, red } from "./output.ts";
import { printDiagnostics } from "./project.ts";

export const DEBOUNCE_MS = 40;

export type ChangeKind = "config" | "schema" | "code" | "ignored";

export function classify(relativePath: string, schemaDir: string, srcDir: string): ChangeKind {
  const p = relativePath.split(sep).join("/");
  if (p === "config/rohas.toml") return "config";
  if (p.startsWith(schemaDir + "/") && p.endsWith(".ro")) return "schema";
  // Generated code is written by the reload itself; handlers import it, so code reloads cover it.
  if (p.startsWith(`${srcDir}/generated/`) || p.includes("__pycache__")) return "ignored";
  if (p.startsWith(srcDir + "/") && /\.(ts|tsx|js|mjs|py)$/.test(p)) return "code";
  return "ignored";
}

export interface DevTarget {
  rohas: Rohas;
  engine: Engine;
}

/** What a config restart did: a new engine, or why the previous one is still (or no longer) serving. */
export type Restarted = { ok: true; target: DevTarget } | { ok: false; reason: string };

export class DevWatcher {
  private watchers: FSWatcher[] = [];
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastSchemaFailed = false;

  constructor(
    private readonly ctx: CommandContext,
    private target: DevTarget,
    private readonly restart: () => Promise<Restarted>,
  ) {}

  start(): void {
    const { projectDir, config } = this.target.rohas;
    for (const dir of [this.target.rohas.schemaDir, `${projectDir}/${config.project.src_dir}`, `${projectDir}/config`]) {
      try {
        this.watchers.push(watch(dir, { recursive: true }, (_event, file) => file && this.changed(`${dir}/${file}`)));
      } catch {
        // a missing folder (no src/ yet) is simply not watched
      }
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
  }

  private changed(absolute: string): void {
    this.pending.add(absolute);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = [...this.pending];
      this.pending.clear();
      this.running = this.running.then(() => this.reload(files)).catch((error: unknown) => {
        this.ctx.out.error(`${red("reload failed", this.ctx.out.color)}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }, DEBOUNCE_MS);
  }

  private async reload(files: string[]): Promise<void> {
    const started = performance.now();
    const { rohas } = this.target;
    const schemaRel = relative(rohas.projectDir, rohas.schemaDir).split(sep).join("/");
    const byKind = new Map<ChangeKind, string[]>();
    for (const f of files) {
      const rel = relative(rohas.projectDir, f);
      const kind = classify(rel, schemaRel, rohas.config.project.src_dir);
      byKind.set(kind, [...(byKind.get(kind) ?? []), rel]);
    }
    const names = (kind: ChangeKind) => byKind.get(kind) ?? [];
    const took = () => `${Math.round(performance.now() - started)} ms`;
    const color = this.ctx.out.color;

    if (names("config").length > 0) {
      const next = await this.restart();
      if (next.ok) {
        this.target = next.target;
        this.ctx.out.log(`${green("↻", color)} config/rohas.toml changed: engine restarted ${dim(`(${took()})`, color)}`);
      } else {
        this.ctx.out.log(`${red("✗", color)} config/rohas.toml: ${next.reason} ${dim(`(${took()})`, color)}`);
      }
      return;
    }
    if (names("schema").length > 0) {
      const result = await rohas.loadSchema();
      const report = (diagnostics: typeof result.diagnostics) => rohas.hooks.diagnostics.call({ diagnostics, sources: result.sources });
      if (!result.ok) {
        printDiagnostics(this.ctx, result.diagnostics, result.sources);
        report(result.diagnostics);
        this.lastSchemaFailed = true;
        this.ctx.out.log(`${red("✗", color)} ${names("schema").join(", ")}: errors above; still serving the last good schema ${dim(`(${took()})`, color)}`);
        return;
      }
      const { run } = await runCodegen(rohas, result.schema, rohas.config.project.language, false);
      const problems = await this.target.engine.swap(result.schema);
      if (problems.length > 0) {
        printDiagnostics(this.ctx, problems, result.sources);
        report(problems);
        this.ctx.out.log(`${red("✗", color)} ${names("schema").join(", ")}: handlers missing; still serving the last good schema ${dim(`(${took()})`, color)}`);
        return;
      }
      report(result.diagnostics);
      const fixed = this.lastSchemaFailed ? " (errors fixed)" : "";
      this.lastSchemaFailed = false;
      const s = result.schema;
      this.ctx.out.log(
        `${green("↻", color)} ${names("schema").join(", ")} changed: ${s.apis.length} apis, ${s.events.length} events, ${s.crons.length} crons, ${s.websockets.length} websockets${fixed}; ` +
          `${run.stats.written} generated, ${run.stats.stubsCreated} stubs created ${dim(`(${took()})`, color)}`,
      );
      return;
    }
    if (names("code").length > 0) {
      await this.target.engine.reloadCode(names("code").map((f) => `${rohas.projectDir}/${f}`));
      this.ctx.out.log(`${green("↻", color)} ${names("code").join(", ")} changed: handlers reloaded ${dim(`(${took()})`, color)}`);
    }
  }
}
