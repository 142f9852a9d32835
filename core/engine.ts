/**
 * The engine runs a checked schema: it owns the adapter, the runtime bridges,
 * event dispatch, retries and dead letters, and tracing. HTTP, WebSockets,
 * cron and the Workbench are plugins tapping `serve` that call into it.
 *
 * (Skeleton: the engine issue fills this in.)
 */
import type { Rohas } from "./rohas.ts";
import type { Schema } from "./schema.ts";

export class Engine {
  constructor(
    readonly rohas: Rohas,
    public schema: Schema,
  ) {}

  async start(): Promise<void> {
    await this.rohas.hooks.serve.promise(this);
  }

  async stop(): Promise<void> {
    await this.rohas.shutdown();
  }
}
