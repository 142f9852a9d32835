/**
 * The Rohas object: owns the hooks, the config and the applied plugins, and
 * runs the pipeline parse → validate → generate → serve through the hooks.
 */
import type { Diagnostic } from "../grammar/ast.ts";
import { parse as parseRo } from "../grammar/parser.ts";
import { builtinPluginNames, type PipelineStage } from "./apply-config.ts";
import { registerCoreChecks } from "./checks.ts";
import { loadConfig, type LoadedConfig, type RohasConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import { createHooks, type GenerateContext, type RohasHooks, type Shutdown } from "./hooks.ts";
import { platform } from "./platform.ts";
import { loadCommunityPlugin, PluginLoadError, type PluginRegistry, type RohasPlugin } from "./plugin.ts";
import { buildSchema, type Schema } from "./schema.ts";

export interface RohasOptions {
  projectDir: string;
  /** Overrides `[project] schema_dir`. */
  schemaDir?: string;
  /** Built-in plugins by name (the CLI passes plugins/builtin.ts). */
  registry?: PluginRegistry;
  /** Already-loaded config (tests); otherwise read from config/rohas.toml. */
  config?: LoadedConfig;
}

export interface SchemaResult {
  schema: Schema;
  diagnostics: Diagnostic[];
  /** Source text by file path, for rendering diagnostics. */
  sources: Map<string, string>;
  ok: boolean;
}

export class Rohas {
  readonly hooks: RohasHooks = createHooks();
  readonly projectDir: string;
  config!: RohasConfig;
  configFile?: string;
  readonly configDiagnostics: Diagnostic[] = [];
  private readonly applied = new Map<string, RohasPlugin>();
  private readonly registry: PluginRegistry;
  private shutdownStage = 0;
  private readonly schemaDirOverride?: string;

  private constructor(options: RohasOptions) {
    this.projectDir = platform.resolve(options.projectDir);
    this.registry = options.registry ?? {};
    this.schemaDirOverride = options.schemaDir;
    this.hooks.parse.tap("grammar", (state) => {
      for (const source of state.sources) {
        const result = parseRo(source.text, source.path);
        state.files.push(result.file);
        state.diagnostics.push(...result.diagnostics);
      }
      return state;
    });
    registerCoreChecks(this.hooks);
  }

  static async create(options: RohasOptions): Promise<Rohas> {
    const rohas = new Rohas(options);
    const loaded = options.config ?? (await loadConfig(rohas.projectDir));
    rohas.config = loaded.config;
    rohas.configFile = loaded.file;
    rohas.configDiagnostics.push(...loaded.diagnostics);
    return rohas;
  }

  get schemaDir(): string {
    return platform.resolve(this.projectDir, this.schemaDirOverride ?? this.config.project.schema_dir);
  }

  /** Applies built-in plugins for a stage, then the community plugins of `[plugins]`. Idempotent. */
  async applyPlugins(stage: PipelineStage): Promise<void> {
    for (const name of builtinPluginNames(this.config, stage)) {
      if (this.applied.has(name)) continue;
      const load = this.registry[name];
      if (!load) throw new PluginLoadError(name, `no built-in plugin is called '${name}' (check [adapter] type and [telemetry] type)`);
      await this.use(await load());
    }
    for (const [name, entry] of Object.entries(this.config.plugins)) {
      if (this.applied.has(name)) continue;
      const plugin = await loadCommunityPlugin(name, entry, this.projectDir);
      this.applied.set(name, plugin);
      await this.apply(plugin, name);
    }
  }

  async use(plugin: RohasPlugin): Promise<void> {
    if (this.applied.has(plugin.name)) return;
    this.applied.set(plugin.name, plugin);
    await this.apply(plugin, plugin.name);
  }

  private async apply(plugin: RohasPlugin, name: string): Promise<void> {
    try {
      await plugin.apply(this);
    } catch (error) {
      throw new PluginLoadError(name, `apply() threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  get pluginNames(): string[] {
    return [...this.applied.keys()];
  }

  /** Shutdown taps registered later run earlier (reverse of start-up order). */
  onShutdown(name: string, fn: (shutdown: Shutdown) => Promise<void> | void): void {
    this.hooks.shutdown.tapPromise({ name, stage: -++this.shutdownStage }, async (shutdown) => {
      await fn(shutdown);
    });
  }

  /** parse → build → validate. Never throws for schema problems: they come back as diagnostics. */
  async loadSchema(): Promise<SchemaResult> {
    const dir = this.schemaDir;
    const sources = new Map<string, string>();
    const state = { sources: [] as { path: string; text: string }[], files: [], diagnostics: [] as Diagnostic[] };
    if (!platform.isDirectory(dir)) {
      state.diagnostics.push({
        severity: "error",
        code: "project/no-schema-dir",
        message: `schema directory not found: ${platform.relative(process.cwd(), dir) || dir}`,
        hint: "create it with .ro files, or pass --schema DIR",
      });
    }
    for (const file of platform.listFiles(dir, ".ro")) {
      const text = await platform.readText(file);
      const display = platform.relative(process.cwd(), file) || file;
      sources.set(display, text);
      state.sources.push({ path: display, text });
    }
    const parsed = await this.hooks.parse.promise(state);
    const { schema, diagnostics: buildDiagnostics } = buildSchema(parsed.files);
    const diagnostics = [...this.configDiagnostics, ...parsed.diagnostics, ...buildDiagnostics];
    for (const f of parsed.files) if (!sources.has(f.path)) sources.set(f.path, f.text);
    await this.hooks.validate.promise(schema, diagnostics);
    return { schema, diagnostics, sources, ok: !diagnostics.some((d) => d.severity === "error") };
  }

  /** Runs every generator for `language` through the `generate` hook. */
  async generate(schema: Schema, context: GenerateContext): Promise<void> {
    await this.applyPlugins("generate");
    await this.hooks.generate.promise(schema, context);
  }

  /** Builds the engine for a checked schema and runs `serve`. */
  async serve(schema: Schema): Promise<Engine> {
    await this.applyPlugins("serve");
    const engine = new Engine(this, schema);
    await engine.start();
    return engine;
  }

  async shutdown(shutdown: Shutdown = { restarting: false }): Promise<void> {
    await this.hooks.shutdown.promise(shutdown);
  }
}
