/**
 * The seam between Rohas and its JavaScript runtime. Everything Bun-specific
 * that core needs goes through here, so core and plugins can also run under
 * Deno with another implementation of this module.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";

export const platform = {
  join: (...parts: string[]): string => path.join(...parts),
  resolve: (...parts: string[]): string => path.resolve(...parts),
  relative: (from: string, to: string): string => path.relative(from, to),
  dirname: (p: string): string => path.dirname(p),

  exists: async (p: string): Promise<boolean> => existsSync(p),
  existsSync: (p: string): boolean => existsSync(p),
  readText: (p: string): Promise<string> => readFile(p, "utf8"),
  async writeText(p: string, text: string): Promise<void> {
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, text);
  },

  parseToml(text: string): unknown {
    return Bun.TOML.parse(text);
  },

  /** Files under `dir` whose name ends with `ext`, sorted, recursively; [] when dir is missing. */
  listFiles(dir: string, ext: string): string[] {
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(ext)) out.push(full);
      }
    };
    walk(dir);
    return out.sort();
  },

  isDirectory(p: string): boolean {
    return existsSync(p) && statSync(p).isDirectory();
  },

  env(name: string): string | undefined {
    return process.env[name];
  },

  /** True when this process is the `bun build --compile` executable. */
  isCompiled(): boolean {
    // Built with `bytecode: true`, import.meta.url is the source file's path even inside the binary; Bun.main is not.
    const where = `${import.meta.url} ${typeof Bun === "undefined" ? "" : Bun.main}`;
    return where.includes("$bunfs") || where.includes("~BUN");
  },
};

/** What `fulfilledValue` answers for a promise not fulfilled yet (pending or rejected). */
export const NOT_YET: unique symbol = Symbol("rohas.notYet");

/**
 * The value of a promise that is already fulfilled (an async handler that
 * returned without awaiting anything), else NOT_YET. Callers continue in the
 * same step instead of a promise turn later: a turn inside the HTTP server
 * costs far more than it does in a loop. Bun reads a promise's state natively
 * (`Bun.peek`); other runtimes always wait.
 */
export const fulfilledValue: (promise: PromiseLike<unknown>) => unknown =
  typeof Bun !== "undefined" && typeof Bun.peek?.status === "function"
    ? // Plain promises only: a subclass may change what `then` delivers, which peeking would skip.
      (promise) => (Object.getPrototypeOf(promise) === Promise.prototype && Bun.peek.status(promise as Promise<unknown>) === "fulfilled" ? Bun.peek(promise as Promise<unknown>) : NOT_YET)
    : () => NOT_YET;
