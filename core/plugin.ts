/**
 * Plugins: `{ name, apply(rohas) }`, exactly as webpack's. Built-in plugins are
 * named in a registry the CLI passes in (core never imports a plugin);
 * community plugins come from `[plugins]` in config/rohas.toml, by npm name
 * (resolved from the project's node_modules) or by path.
 */
import type { Diagnostic } from "../grammar/ast.ts";
import type { PluginConfigEntry } from "./config.ts";
import { platform } from "./platform.ts";
import type { Rohas } from "./rohas.ts";

export interface RohasPlugin {
  name: string;
  apply(rohas: Rohas): void | Promise<void>;
}

/** A module may export a plugin object, or a factory taking the `options` table. */
export type PluginFactory = (options: Record<string, unknown>) => RohasPlugin | Promise<RohasPlugin>;

/** Built-in plugins by name, loaded lazily so unused brokers' clients are never imported. */
export type PluginRegistry = Record<string, () => Promise<RohasPlugin>>;

export class PluginLoadError extends Error {
  constructor(
    readonly pluginName: string,
    readonly reason: string,
  ) {
    super(`plugin '${pluginName}' failed to load: ${reason}`);
    this.name = "PluginLoadError";
  }

  toDiagnostic(): Diagnostic {
    return { severity: "error", code: "plugin/load-failed", message: this.message };
  }
}

export async function loadCommunityPlugin(name: string, entry: PluginConfigEntry, projectDir: string): Promise<RohasPlugin> {
  const spec = typeof entry === "string" ? entry : (entry.path ?? entry.package ?? name);
  const options = typeof entry === "string" ? {} : (entry.options ?? {});
  const isPath = spec.startsWith(".") || spec.startsWith("/");
  let resolved: string;
  try {
    resolved = isPath ? platform.resolve(projectDir, spec) : Bun.resolveSync(spec, projectDir);
  } catch (error) {
    throw new PluginLoadError(
      name,
      isPath
        ? `no file at ${platform.resolve(projectDir, spec)}`
        : `cannot find package '${spec}' from ${projectDir} (is it installed in the project's node_modules?)`,
    );
  }
  if (isPath && !platform.existsSync(resolved)) throw new PluginLoadError(name, `no file at ${resolved}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(resolved)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginLoadError(name, `importing ${resolved} threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  const exported = mod.default ?? mod.plugin ?? mod;
  let plugin: unknown = exported;
  if (typeof exported === "function") {
    try {
      plugin = await (exported as PluginFactory)(options);
    } catch (error) {
      throw new PluginLoadError(name, `its factory threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (!isPlugin(plugin)) {
    throw new PluginLoadError(name, `${resolved} must export { name, apply(rohas) } or a function returning one`);
  }
  return plugin;
}

function isPlugin(value: unknown): value is RohasPlugin {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as RohasPlugin).name === "string" &&
    typeof (value as RohasPlugin).apply === "function"
  );
}
