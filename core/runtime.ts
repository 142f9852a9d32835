/**
 * Runtime bridges run user handlers in a language (runtime-bun for
 * TypeScript/JavaScript, runtime-python for Python). The core resolves one per
 * language through the `resolveRuntime` hook map and knows nothing else about it.
 */
import type { Diagnostic } from "../grammar/ast.ts";

export type HandlerKind = "api" | "event" | "cron" | "websocket" | "middleware";

/**
 * Which handler to run. `name` is the api or cron block name, the event
 * handler name, the websocket handler name, or the middleware name; file
 * naming per language follows DESIGN.md.
 */
export interface HandlerRef {
  kind: HandlerKind;
  name: string;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** What a handler sees as `state`. */
export interface HandlerState {
  logger: Logger;
  traceId: string;
  spanId: string;
  triggerEvent(name: string, payload: unknown): void;
  /** Sets the payload of an event the schema's `triggers` will fire. */
  setPayload(eventName: string, payload: unknown): void;
}

/**
 * Arguments per kind, without state (the bridge appends it when the handler
 * takes it): api [request], event [event], cron [request],
 * websocket [message, connection], middleware [context].
 */
export interface RuntimeBridge {
  readonly language: string;
  /**
   * Called at start-up (and after schema changes) with every handler the
   * schema names; returns an error diagnostic per handler that cannot be found,
   * naming the expected file and export.
   */
  prepare(handlers: HandlerRef[]): Promise<Diagnostic[]>;
  /** The handler's result, or a promise of it (a bridge may answer synchronous handlers synchronously; a synchronous throw is a failure too). */
  invoke(handler: HandlerRef, args: unknown[], state: HandlerState): unknown;
  /** Files under the project changed: pick up new code for new calls. */
  reload?(changedFiles: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A handler failure with everything needed to show it: type, message, stack. */
export class HandlerError extends Error {
  constructor(
    message: string,
    readonly handler: HandlerRef,
    readonly errorType: string,
    readonly stackText: string | undefined,
    /** HTTP status when a middleware or handler chose one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "HandlerError";
  }
}
