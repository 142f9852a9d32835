/**
 * Every hook of Rohas, in one place. Plugins tap these; the core calls them.
 * Keep them few: a new hook is an architectural change.
 */
import {
  AsyncParallelHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  HookMap,
  SyncBailHook,
  SyncHook,
} from "tapable";
import type { Diagnostic, SourceFile } from "../grammar/ast.ts";
import type { Adapter } from "./adapter.ts";
import type { RohasConfig } from "./config.ts";
import type { Engine } from "./engine.ts";
import type { HandlerRef, HandlerState, RuntimeBridge } from "./runtime.ts";
import type { Schema } from "./schema.ts";
import type { TelemetryRecord } from "./telemetry.ts";

/** Input and output of `parse`: source texts in, syntax trees and diagnostics out. */
export interface ParseState {
  sources: { path: string; text: string }[];
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

/** The problems of the last schema (re)load and the sources they point into (path → text). */
export interface SchemaDiagnostics {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** Where and how generators write. `write` only touches files whose content changed. */
export interface GenerateContext {
  projectDir: string;
  config: RohasConfig;
  /** Language(s) to generate for; generators skip when not theirs. */
  language: string;
  /** Write a generated file (relative to projectDir); returns true when the content changed. */
  write(relativePath: string, content: string): Promise<boolean>;
  /** Create a handler stub only if the file does not exist; returns true when created. */
  writeStub(relativePath: string, content: string): Promise<boolean>;
  /**
   * Renders an eta template (its text) with `data` as `it`, without HTML
   * escaping. Generators outside Rohas use it so they need no template engine
   * of their own (packages a plugin imports may not resolve inside the binary).
   */
  render(template: string, data: object): string;
  diagnostics: Diagnostic[];
}

export interface AdapterContext {
  config: RohasConfig;
  projectDir: string;
  /** The `[adapter]` table as written (adapter-specific keys included). */
  options: Record<string, unknown>;
}

export interface RuntimeContext {
  config: RohasConfig;
  projectDir: string;
  /** Records logs and spans produced inside the runtime (e.g. Python workers). */
  record(record: TelemetryRecord): void;
}

/** One handler call, as seen by `beforeInvoke` / `afterInvoke`. */
export interface Invocation {
  handler: HandlerRef;
  args: unknown[];
  state: HandlerState;
  startTime: number;
}

export interface InvocationOutcome {
  result?: unknown;
  error?: unknown;
  durationMs: number;
}

/** Why the application stops. */
export interface Shutdown {
  /**
   * `rohas dev` restarts the engine in this process with new settings: a
   * listener may be handed to the next engine instead of closed, so clients
   * are never refused.
   */
  restarting: boolean;
}

export function createHooks() {
  return Object.freeze({
    /** Source texts → syntax trees. The grammar taps it; plugins may add or rewrite files. */
    parse: new AsyncSeriesWaterfallHook<[ParseState]>(["state"]),
    /** Checks on the built schema; push diagnostics (errors and warnings) into the array. */
    validate: new AsyncSeriesHook<[Schema, Diagnostic[]]>(["schema", "diagnostics"]),
    /** Code generators; each writes through the context. */
    generate: new AsyncParallelHook<[Schema, GenerateContext]>(["schema", "context"]),
    /** Start serving: HTTP/WS server, scheduler, Workbench. Runs in tap order. */
    serve: new AsyncSeriesHook<[Engine]>(["engine"]),
    /**
     * The schema changed under a running engine (`rohas dev`): swap routes, crons and
     * anything else built from it, without stopping. `engine.schema` is already the new one.
     */
    reload: new AsyncSeriesHook<[Engine]>(["engine"]),
    /**
     * `rohas dev` reloaded the schema: its current diagnostics, an empty list once fixed. Called by
     * the CLI's watcher (the last good schema keeps serving on errors); dev tools such as the
     * Workbench show them.
     */
    diagnostics: new SyncHook<[SchemaDiagnostics]>(["report"]),
    /** Language → runtime bridge (`typescript`, `javascript`, `python`). */
    resolveRuntime: new HookMap(() => new SyncBailHook<[RuntimeContext], RuntimeBridge | undefined>(["context"])),
    /** Adapter type (`memory`, `nats`, …) → adapter instance. One adapter plugin answers. */
    createAdapter: new HookMap(() => new SyncBailHook<[AdapterContext], Adapter | undefined>(["context"])),
    /**
     * Around every handler call (middleware, telemetry, retries). Skipped entirely when untapped.
     * Whether it is tapped is read when the engine starts and after each `reload`: tap it when
     * the plugin is applied (or in a `serve`/`reload` tap), not from a handler.
     */
    beforeInvoke: new AsyncSeriesHook<[Invocation]>(["invocation"]),
    afterInvoke: new AsyncSeriesHook<[Invocation, InvocationOutcome]>(["invocation", "outcome"]),
    /**
     * Is a trace starting in this process (an HTTP request, a WebSocket message, a cron run, a
     * message without trace context) recorded? A store with a write budget answers `false` to
     * sample under load; untapped, every trace is. Its spans then carry the answer to later hops
     * (`traceparent`'s sampled flag), so an unsampled trace costs no span records at all.
     * Like `beforeInvoke`, whether it is tapped is read at start and after each `reload`.
     */
    sampleTrace: new SyncBailHook<[string], boolean | undefined>(["traceId"]),
    /** Span, log, metric and dead-letter sink. Synchronous: stores buffer, never block. */
    record: new SyncHook<[TelemetryRecord]>(["record"]),
    /** Release resources. Tap through `rohas.onShutdown` so later taps close first. */
    shutdown: new AsyncSeriesHook<[Shutdown]>(["shutdown"]),
  });
}

export type RohasHooks = ReturnType<typeof createHooks>;
