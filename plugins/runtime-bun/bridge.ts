/**
 * Runs TypeScript/JavaScript handlers inside the Rohas process, imported from
 * the project. File and export conventions are DESIGN.md's: a module exports
 * `handler`, `handle<Name>` or a default function (middlewares: `middleware`
 * or default).
 */
import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Diagnostic } from "../../grammar/ast.ts";
import type { HandlerRef, HandlerState, RuntimeBridge } from "../../core/runtime.ts";

type HandlerFn = (...args: unknown[]) => unknown;

const FOLDERS: Record<HandlerRef["kind"], string> = {
  api: "handlers/api",
  event: "handlers/events",
  cron: "handlers/cron",
  websocket: "handlers/websockets",
  middleware: "middlewares",
};
const EXTENSIONS = [".ts", ".js", ".mjs", ".tsx"];

export function pascalCase(name: string): string {
  return name.replace(/(^|[_\-\s]+)([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

export function exportNames(ref: HandlerRef): string[] {
  return ref.kind === "middleware" ? ["middleware", `${ref.name}Middleware`, "default"] : ["handler", `handle${pascalCase(ref.name)}`, "default"];
}

export class BunBridge implements RuntimeBridge {
  readonly language = "typescript";
  /** kind → name → function: two lookups on schema strings, no key built per call. */
  private readonly loaded = new Map<HandlerRef["kind"], Map<string, HandlerFn>>();
  private generation = 0;

  constructor(
    private readonly projectDir: string,
    private readonly srcDir: string,
  ) {}

  private remember(ref: HandlerRef, fn: HandlerFn): void {
    let byName = this.loaded.get(ref.kind);
    if (!byName) this.loaded.set(ref.kind, (byName = new Map()));
    byName.set(ref.name, fn);
  }

  private fileFor(ref: HandlerRef): string | undefined {
    const base = join(this.projectDir, this.srcDir, FOLDERS[ref.kind], ref.name);
    for (const ext of EXTENSIONS) if (existsSync(base + ext)) return base + ext;
    return undefined;
  }

  private expected(ref: HandlerRef): string {
    return relative(this.projectDir, join(this.projectDir, this.srcDir, FOLDERS[ref.kind], `${ref.name}.ts`));
  }

  private async load(ref: HandlerRef): Promise<HandlerFn | Diagnostic> {
    const file = this.fileFor(ref);
    const names = exportNames(ref);
    const what = ref.kind === "middleware" ? `middleware '${ref.name}'` : `${ref.kind} handler '${ref.name}'`;
    if (!file) {
      return {
        severity: "error",
        code: "runtime/missing-handler",
        message: `${what}: no file ${this.expected(ref)}`,
        hint: `create it exporting ${names.slice(0, -1).join(", ")} or a default function (rohas codegen writes a stub)`,
      };
    }
    let mod: Record<string, unknown>;
    try {
      // A variable path keeps the bundler from resolving it at build time.
      const specifier = this.generation > 0 ? `${file}?v=${this.generation}` : file;
      mod = (await import(specifier)) as Record<string, unknown>;
    } catch (error) {
      return {
        severity: "error",
        code: "runtime/import-failed",
        message: `${what}: importing ${relative(this.projectDir, file)} failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    for (const name of names) if (typeof mod[name] === "function") return mod[name] as HandlerFn;
    return {
      severity: "error",
      code: "runtime/missing-export",
      message: `${what}: ${relative(this.projectDir, file)} exports none of ${names.map((n) => (n === "default" ? "a default function" : n)).join(", ")}`,
    };
  }

  async prepare(handlers: HandlerRef[]): Promise<Diagnostic[]> {
    const problems: Diagnostic[] = [];
    for (const ref of handlers) {
      const loaded = await this.load(ref);
      if (typeof loaded === "function") this.remember(ref, loaded);
      else problems.push(loaded);
    }
    return problems;
  }

  /** Not async: a synchronous handler's value goes back without a promise round trip. */
  invoke(ref: HandlerRef, args: unknown[], state: HandlerState): unknown {
    const fn = this.loaded.get(ref.kind)?.get(ref.name);
    if (fn) return args.length === 1 ? fn(args[0], state) : fn(...args, state);
    return this.load(ref).then((loaded) => {
      if (typeof loaded !== "function") throw new Error(loaded.message);
      this.remember(ref, loaded);
      return loaded(...args, state);
    });
  }

  /**
   * New calls use fresh modules; calls in flight keep the function they started with.
   * When only handler or middleware files changed, only those get fresh instances (module
   * state of the others survives); any other change under src (a shared module, whose
   * importers are unknown) gives every handler a fresh instance.
   */
  async reload(changedFiles: string[]): Promise<void> {
    if (changedFiles.length > 0) this.generation++;
    const refs = changedFiles.map((file) => this.refOfFile(file));
    if (refs.length > 0 && refs.every((ref) => ref !== undefined)) {
      for (const [i, ref] of refs.entries()) {
        delete require.cache[changedFiles[i]!];
        this.loaded.get(ref!.kind)?.delete(ref!.name);
      }
      return;
    }
    const root = join(this.projectDir, this.srcDir);
    for (const id of Object.keys(require.cache)) if (id.startsWith(root)) delete require.cache[id];
    this.loaded.clear();
  }

  /** The handler or middleware a file under src defines by its place and name, if it is one. */
  private refOfFile(file: string): HandlerRef | undefined {
    const rel = relative(join(this.projectDir, this.srcDir), file).split(sep).join("/");
    const ext = EXTENSIONS.find((e) => rel.endsWith(e));
    if (!ext) return undefined;
    const slash = rel.lastIndexOf("/");
    const folder = rel.slice(0, Math.max(0, slash));
    const name = rel.slice(slash + 1, -ext.length);
    for (const [kind, dir] of Object.entries(FOLDERS) as [HandlerRef["kind"], string][]) if (dir === folder) return { kind, name };
    return undefined;
  }

  async close(): Promise<void> {
    this.loaded.clear();
  }
}
