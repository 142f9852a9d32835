/**
 * The engine runs a checked schema: it owns the adapter, the runtime bridge,
 * event dispatch (retries and dead letters through the adapter), middleware
 * chains and tracing. HTTP, WebSockets, cron and the Workbench are plugins
 * tapping `serve` that call into it.
 */
import type { Diagnostic } from "../grammar/ast.ts";
import { ACCEPTED, type Adapter, type Message, type Subscription } from "./adapter.ts";
import { adapterType } from "./apply-config.ts";
import type { RohasConfig } from "./config.ts";
import type { Shutdown } from "./hooks.ts";
import { settleWithin } from "./deadlines.ts";
import { handlerRefs } from "./handler-refs.ts";
import { InvocationState, printLog } from "./engine-state.ts";
import type { Rohas } from "./rohas.ts";
import { HandlerError, type HandlerRef, type HandlerState, type RuntimeBridge } from "./runtime.ts";
import type { ApiDef, CronDef, EventDef, Schema, WsDef } from "./schema.ts";
import type { SpanKind, TelemetryRecord } from "./telemetry.ts";
import { MetricBatch } from "./metric-batch.ts";
import { fulfilledValue, NOT_YET } from "./platform.ts";
import { TelemetryNames } from "./telemetry-names.ts";
import { ActiveSpan, describeError, epochOf, localContext, parseTraceparent, spanOf, traceHeaders, type SpanParent, type TraceContext } from "./tracing.ts";

export interface ApiRequest {
  params: Record<string, string>;
  queryParams: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface WsConnection {
  id: string;
  path: string;
  params: Record<string, string>;
  queryParams: Record<string, string>;
  headers: Record<string, string>;
  send(data: unknown): void;
}

export interface MiddlewareContext {
  apiName: string;
  params: Record<string, string>;
  queryParams: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  traceId: string;
  connection?: WsConnection;
  wsName?: string;
}

export type MiddlewareFn = (context: MiddlewareContext, state: HandlerState) => Promise<unknown> | unknown;

/** The event object an event handler receives. */
export interface EventEnvelope {
  event: string;
  payload: unknown;
  timestamp: string;
  attempt: number;
  messageId: string;
}

export class EngineStartError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "EngineStartError";
  }
}

/** Remembers, per redelivered message, which handlers already succeeded (bounded). */
const MAX_PARTIAL_DELIVERIES = 10_000;

interface PartialDelivery {
  done: Set<string>;
  results: Map<string, unknown>;
  effects: InvocationState[];
}

export class Engine {
  adapter!: Adapter;
  private bridge!: RuntimeBridge;
  private readonly builtinMiddlewares = new Map<string, MiddlewareFn>();
  /** Middlewares the project implements in src/middlewares (others must be built-ins). */
  private readonly fileMiddlewares = new Set<string>();
  private readonly unresolvedMiddlewares = new Map<string, Diagnostic>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly partial = new Map<string, PartialDelivery>();
  /** Calls the server handed to `track` and not settled yet; `stop` waits for them. */
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private telemetryOn = false;
  /**
   * Whether `beforeInvoke`/`afterInvoke` or `sampleTrace` are tapped, read when the engine
   * starts like `telemetryOn` (plugins tap when applied): asked on every call, tapable's
   * `isUsed` was ~1% of a request.
   */
  private invokeHookUsed = false;
  private samplerTapped = false;
  private stopped = false;
  /** Span names, attributes and metric labels, one set per handler or event (stores may key series by identity). */
  private readonly names = new TelemetryNames();
  /** Counter and histogram metrics, batched here and recorded every 100 ms (core/metric-batch.ts). */
  private readonly metrics = new MetricBatch();
  private metricTimer: ReturnType<typeof setInterval> | undefined;
  /** Traces asked for by `keepTrace`, recorded over the sampling budget. */
  private readonly wantedTraces = new Set<string>();

  constructor(
    readonly rohas: Rohas,
    public schema: Schema,
  ) {}

  get config(): RohasConfig {
    return this.rohas.config;
  }

  async start(): Promise<void> {
    const { rohas } = this;
    const type = adapterType(this.config);
    const adapter = rohas.hooks.createAdapter.for(type).call({
      config: this.config,
      projectDir: rohas.projectDir,
      options: this.config.adapter as Record<string, unknown>,
    });
    if (!adapter) throw startError("engine/no-adapter", `no adapter plugin answers for [adapter] type = "${type}"`);
    this.adapter = adapter;
    await adapter.connect();

    const language = this.config.project.language;
    const bridge = rohas.hooks.resolveRuntime.for(language).call({
      config: this.config,
      projectDir: rohas.projectDir,
      record: (r) => this.record(r),
    });
    if (!bridge) {
      await adapter.close();
      throw startError("engine/no-runtime", `no runtime plugin answers for [project] language = "${language}"`);
    }
    this.bridge = bridge;
    // Registered before `serve` so it runs after the server and scheduler stopped (reverse order).
    rohas.onShutdown("engine", () => this.close());

    const problems = await this.prepareHandlers();
    if (problems.length > 0) {
      await this.close();
      throw new EngineStartError(problems);
    }
    await this.subscribeEvents();
    this.readHookUse();
    await rohas.hooks.serve.promise(this);
    // Again: a `serve` tap may tap the others.
    this.readHookUse();
    this.telemetryOn = rohas.hooks.record.isUsed();
    if (this.telemetryOn) {
      this.metricTimer = setInterval(() => this.recordMetrics(), 100);
      (this.metricTimer as { unref?: () => void }).unref?.();
    }

    const missing = [...this.unresolvedMiddlewares].filter(([name]) => !this.builtinMiddlewares.has(name)).map(([, d]) => d);
    if (missing.length > 0) {
      await rohas.shutdown();
      throw new EngineStartError(missing);
    }
  }

  /** Checks every handler exists before serving; middlewares may also be built-ins registered during `serve`. */
  private async prepareHandlers(): Promise<Diagnostic[]> {
    this.fileMiddlewares.clear();
    this.unresolvedMiddlewares.clear();
    const refs = handlerRefs(this.schema);
    const handlers = refs.filter((r) => r.kind !== "middleware");
    const problems = await this.bridge.prepare(handlers);
    for (const mw of refs.filter((r) => r.kind === "middleware")) {
      const [problem] = await this.bridge.prepare([mw]);
      if (problem) this.unresolvedMiddlewares.set(mw.name, problem);
      else this.fileMiddlewares.add(mw.name);
    }
    return problems;
  }

  /** Subscribes events that have handlers or triggers and are not subscribed yet; drops ones no longer needed. */
  private async subscribeEvents(): Promise<void> {
    const { events } = this.config;
    const wanted = new Set(this.schema.events.filter((e) => e.handlers.length > 0 || e.triggers.length > 0).map((e) => e.name));
    for (const [name, subscription] of this.subscriptions) {
      if (wanted.has(name)) continue;
      this.subscriptions.delete(name);
      await subscription.close();
    }
    for (const name of wanted) {
      if (this.subscriptions.has(name)) continue;
      // Looked up per delivery, so a reloaded schema's handler lists apply to the running subscription.
      const current = () => this.schema.eventByName.get(name);
      const subscription = await this.adapter.subscribe(
        name,
        (message) => {
          const event = current();
          return event ? this.deliver(event, message) : Promise.resolve();
        },
        {
          group: this.config.project.name,
          concurrency: events.concurrency,
          retry: { maxAttempts: events.max_attempts, backoffMs: events.backoff_ms, maxBackoffMs: events.max_backoff_ms },
          onDeadLetter: (message, error) => {
            const event = current();
            if (event) this.deadLetter(event, message, error);
          },
        },
      );
      this.subscriptions.set(name, subscription);
    }
  }

  /** `rohas dev`: handler files changed; new calls use the new code, calls in flight finish on the old. */
  async reloadCode(files: string[]): Promise<void> {
    await this.bridge.reload?.(files);
  }

  /**
   * `rohas dev`: swap to a new (valid) schema without stopping. Its handlers are
   * checked first; if any is missing the old schema keeps serving and the
   * problems are returned.
   */
  async swap(schema: Schema): Promise<Diagnostic[]> {
    const previous = this.schema;
    await this.bridge.reload?.([]);
    this.schema = schema;
    const problems = await this.prepareHandlers();
    const missingMiddlewares = [...this.unresolvedMiddlewares].filter(([name]) => !this.builtinMiddlewares.has(name)).map(([, d]) => d);
    if (problems.length > 0 || missingMiddlewares.length > 0) {
      this.schema = previous;
      await this.prepareHandlers();
      return [...problems, ...missingMiddlewares];
    }
    await this.subscribeEvents();
    await this.rohas.hooks.reload.promise(this);
    // A `reload` tap may tap the invoke or sampling hooks.
    this.readHookUse();
    return [];
  }

  registerMiddleware(name: string, fn: MiddlewareFn): void {
    this.builtinMiddlewares.set(name, fn);
  }

  /** Whether a telemetry store taps `record` (known once serving). */
  get recording(): boolean {
    return this.telemetryOn;
  }

  record(record: TelemetryRecord): void {
    if (record.type === "log") printLog(record.log);
    this.rohas.hooks.record.call(record);
  }

  /**
   * Whether a trace entering this process (a request, a cron run, a message
   * from another process) is recorded: no store's budget says no (the
   * `sampleTrace` hook). Without telemetry nothing is recorded here, and the
   * answer only travels on: then it is the caller's flag (`inherited`).
   */
  sampleTrace(traceId: string, inherited = true): boolean {
    if (!this.telemetryOn) return inherited;
    if (this.wantedTraces.size > 0 && this.wantedTraces.delete(traceId)) return true;
    return !this.samplerTapped || this.rohas.hooks.sampleTrace.call(traceId) !== false;
  }

  /**
   * The trace `traceId`, when it enters this process, is recorded whatever the
   * sampling budget says: someone here asked to see it (the Workbench's tester
   * sends a request under a trace id it made). Once; forgotten after a minute
   * if no request carries it. A caller's `traceparent` flag alone never does this.
   */
  keepTrace(traceId: string): void {
    this.wantedTraces.add(traceId);
    const forget = setTimeout(() => this.wantedTraces.delete(traceId), 60_000);
    (forget as { unref?: () => void }).unref?.();
  }

  private readHookUse(): void {
    const { beforeInvoke, afterInvoke, sampleTrace } = this.rohas.hooks;
    this.invokeHookUsed = beforeInvoke.isUsed() || afterInvoke.isUsed();
    this.samplerTapped = sampleTrace.isUsed();
  }

  /** A span through which a trace enters this process (a cron run, a message from elsewhere): sampled here. */
  private rootSpan(name: string, kind: SpanKind, parent?: TraceContext): ActiveSpan {
    const span = new ActiveSpan(name, kind, parent, this.telemetryOn);
    span.sampled = this.sampleTrace(span.traceId, parent?.sampled);
    return span;
  }

  /**
   * A handler call's span, by recordSpan's rule (a timed call of a sampled trace, or one that
   * failed), built only now, on the call's own clock reading and ids.
   */
  private recordCall(ref: HandlerRef, kind: SpanKindOfCall, state: InvocationState, error?: unknown, durationMs?: number): void {
    if (!this.telemetryOn || !state.timed || (!state.sampled && error === undefined)) return;
    const names = this.names.handler(ref);
    this.rohas.hooks.record.call({ type: "span", span: spanOf(names.span, kind, state, names.attributes).end(error, durationMs ?? state.elapsed()) });
  }

  /** Spans of sampled traces are recorded; an unsampled trace's span only when it failed. */
  private recordSpan(span: ActiveSpan, error?: unknown): void {
    // An untimed span started before telemetry was on has no times worth recording.
    if (this.telemetryOn && span.timed && (span.sampled || error !== undefined)) this.rohas.hooks.record.call({ type: "span", span: span.end(error) });
  }

  private recordMetrics(): void {
    for (const metric of this.metrics.drain()) this.rohas.hooks.record.call({ type: "metric", metric });
  }

  /** In-flight accounting so `stop` can drain: a counter, not a set, since it runs for every request. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight++;
    promise.then(this.untrack, this.untrack);
    return promise;
  }

  private readonly untrack = (): void => {
    if (--this.inFlight === 0 && this.idleWaiters.length > 0) for (const wake of this.idleWaiters.splice(0)) wake();
  };

  private async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** Calls one handler through the bridge with a span, timeout and the around-invoke hooks. */
  private async invoke(ref: HandlerRef, args: unknown[], parent: SpanParent | undefined, kind: SpanKindOfCall = "handler"): Promise<Invoked> {
    return this.invokeNow(ref, args, parent, kind);
  }

  /**
   * `invoke` without the promise when the handler answered synchronously (the
   * event hot path); it may throw synchronously.
   */
  private invokeNow(ref: HandlerRef, args: unknown[], parent: SpanParent | undefined, kind: SpanKindOfCall = "handler"): Invoked | Promise<Invoked> {
    return this.invokeThen(ref, args, parent, kind, undefined, returnInvoked, rethrow);
  }

  /**
   * Calls a handler and continues with `next(context, result, state)` (or
   * `failed(context, error)`) in the same step: synchronously when the handler
   * answered synchronously, else inside the one promise that also carries the
   * call's deadline. The hot paths pass functions made once and what they need
   * as `context`, so a call allocates no closures.
   */
  private invokeThen<C, R>(
    ref: HandlerRef,
    args: unknown[],
    parent: SpanParent | undefined,
    kind: SpanKindOfCall,
    context: C,
    next: (context: C, result: unknown, state: InvocationState) => R,
    failed: (context: C, error: HandlerError) => R,
    /** The parent's start, when the parent started in this same step (a delivery's consume span). */
    startedAt?: number,
  ): R | Promise<R> {
    if (this.invokeHookUsed) {
      return this.invokeHooked(ref, args, parent, kind).then(
        ({ result, state }) => next(context, result, state),
        (error: HandlerError) => failed(context, error),
      );
    }
    const timed = this.telemetryOn;
    const state = new InvocationState(this, parent, ref.name, timed, timed ? (startedAt ?? performance.now()) : 0);
    let returned: unknown;
    try {
      returned = this.bridge.invoke(ref, args, state);
    } catch (error) {
      return failed(context, this.invocationFailed(ref, kind, state, error));
    }
    // A synchronous handler already finished: only pending work needs a deadline.
    if (!isThenable(returned)) return next(context, this.invocationDone(ref, kind, state, returned), state);
    // So did an async one that never awaited: its promise is fulfilled already.
    const value = fulfilledValue(returned);
    if (value !== NOT_YET) return next(context, this.invocationDone(ref, kind, state, value), state);
    const ms = this.config.events.handler_timeout_ms;
    return settleWithin(
      returned,
      ms,
      (result) => next(context, this.invocationDone(ref, kind, state, result), state),
      (error) => failed(context, this.invocationFailed(ref, kind, state, error)),
      () => timeoutError(ref, ms),
    );
  }

  /** The same call with `beforeInvoke`/`afterInvoke` taps around it. */
  private async invokeHooked(ref: HandlerRef, args: unknown[], parent: SpanParent | undefined, kind: SpanKindOfCall): Promise<Invoked> {
    const { beforeInvoke, afterInvoke } = this.rohas.hooks;
    // Timed whether or not telemetry is on: the hooks get durations.
    const state = new InvocationState(this, parent, ref.name, true, performance.now());
    const invocation = { handler: ref, args, state, startTime: epochOf(state.startMark) };
    try {
      if (beforeInvoke.isUsed()) await beforeInvoke.promise(invocation);
      const returned = this.bridge.invoke(ref, args, state);
      const ms = this.config.events.handler_timeout_ms;
      const result = isThenable(returned) ? await settleWithin(returned, ms, (v) => v, (e) => Promise.reject(e), () => timeoutError(ref, ms)) : returned;
      if (afterInvoke.isUsed()) await afterInvoke.promise(invocation, { result, durationMs: state.elapsed() });
      return { result: this.invocationDone(ref, kind, state, result), state };
    } catch (error) {
      if (afterInvoke.isUsed()) await afterInvoke.promise(invocation, { error, durationMs: state.elapsed() }).catch(() => undefined);
      throw this.invocationFailed(ref, kind, state, error);
    }
  }

  /** Records a call that returned; passes its result through. */
  private invocationDone(ref: HandlerRef, kind: SpanKindOfCall, state: InvocationState, result: unknown): unknown {
    if (this.telemetryOn && state.timed) {
      const elapsed = state.elapsed();
      this.recordCall(ref, kind, state, undefined, elapsed);
      this.metrics.observe(this.names.handler(ref).duration, elapsed);
    }
    return result;
  }

  /** Records and logs a failed call; returns the error to throw. */
  private invocationFailed(ref: HandlerRef, kind: SpanKindOfCall, state: InvocationState, error: unknown): HandlerError {
    this.recordCall(ref, kind, state, error);
    const failure = asHandlerError(error, ref);
    if (failure.status !== undefined && failure.status < 500) {
      // A handler answering 4xx on purpose (not found, forbidden) is not a failure worth a stack trace.
      state.logger.warn(`${ref.kind} handler '${ref.name}' answered ${failure.status}: ${failure.message}`);
    } else {
      state.logger.error(`${ref.kind} handler '${ref.name}' failed: ${failure.message}`, failure.stackText ? { stack: failure.stackText } : undefined);
    }
    return failure;
  }

  /** The API's answer: the value itself when the call completed in this step (the server answers without a turn), else a promise. Never throws. */
  callApi(api: ApiDef, request: ApiRequest, parent?: TraceContext): ApiResponse | Promise<ApiResponse> {
    if (api.middlewares.length > 0) return this.callApiAfterMiddlewares(api, request, parent);
    try {
      // Without middlewares nothing can change the request: it goes to the handler as it came.
      const outcome = this.invokeThen({ kind: "api", name: api.name }, [request], parent, "handler", { api, parent }, this.apiAnswered, rethrow);
      // A promise resolved with apiResponse's promise adopts it: the types nest, the values do not.
      return outcome as ApiResponse | Promise<ApiResponse>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async callApiAfterMiddlewares(api: ApiDef, request: ApiRequest, parent?: TraceContext): Promise<ApiResponse> {
    const context: MiddlewareContext = {
      apiName: api.name,
      params: request.params,
      queryParams: request.queryParams,
      headers: request.headers,
      body: request.body,
      traceId: parent?.traceId ?? "",
    };
    for (const mw of api.middlewares) await this.runMiddleware(mw.name, context, parent);
    const req = { ...request, params: context.params, queryParams: context.queryParams, body: context.body, headers: context.headers };
    const { result, state } = await this.invoke({ kind: "api", name: api.name }, [req], parent);
    return this.apiResponse(api, result, state, parent);
  }

  private readonly apiAnswered = (call: { api: ApiDef; parent?: TraceContext }, result: unknown, state: InvocationState): ApiResponse | Promise<ApiResponse> =>
    this.apiResponse(call.api, result, state, call.parent);

  /** The handler answered: publish its triggers and what it emitted, then answer 200 with its result. */
  private apiResponse(api: ApiDef, result: unknown, state: InvocationState, parent?: TraceContext): ApiResponse | Promise<ApiResponse> {
    const response: ApiResponse = { status: 200, body: result };
    if (api.triggers.length === 0 && state.emitted === undefined) return response;
    if (api.triggers.length === 1 && state.emitted === undefined && state.overrides === undefined) {
      // The usual API → one event: one promise for publishing and answering.
      const triggers = api.triggers;
      const published = this.publish(triggers[0]!.name, result, parent ?? state.context);
      // Taken at once (an in-process adapter): answer in this step, no turn spent waiting.
      if (published === ACCEPTED) return response;
      return published.then(
        () => response,
        (error: unknown) => {
          throw publishFailed([triggers[0]!.name], error);
        },
      );
    }
    return this.publishEffects(api.triggers.map((t) => t.name), result, [state], parent ?? state.context).then(() => response);
  }

  private async runMiddleware(name: string, context: MiddlewareContext, parent?: TraceContext): Promise<void> {
    let outcome: unknown;
    try {
      if (this.fileMiddlewares.has(name)) {
        outcome = (await this.invoke({ kind: "middleware", name }, [context], parent, "middleware")).result;
      } else {
        const builtin = this.builtinMiddlewares.get(name);
        if (!builtin) throw new Error(`middleware '${name}' is neither a file nor a built-in`);
        const ref: HandlerRef = { kind: "middleware", name };
        const state = new InvocationState(this, parent, name, this.telemetryOn, this.telemetryOn ? performance.now() : 0);
        try {
          outcome = await builtin(context, state);
          this.recordCall(ref, "middleware", state);
        } catch (error) {
          this.recordCall(ref, "middleware", state, error);
          throw error;
        }
      }
    } catch (error) {
      const status = statusOf(error) ?? statusOf((error as { cause?: unknown }).cause) ?? 403;
      const message = error instanceof Error ? error.message : String(error);
      const rejection = new HandlerError(message, { kind: "middleware", name }, "MiddlewareRejection", undefined, status);
      // The original error travels along: the server reads details such as a rate limit's retry-after from it.
      rejection.cause = error;
      throw rejection;
    }
    if (outcome && typeof outcome === "object") {
      const changed = outcome as Partial<MiddlewareContext>;
      if ("body" in changed) context.body = changed.body;
      if (changed.queryParams) context.queryParams = changed.queryParams;
      if (changed.params) context.params = changed.params;
      if (changed.headers) context.headers = changed.headers;
    }
  }

  async wsConnect(ws: WsDef, conn: WsConnection, parent?: TraceContext): Promise<void> {
    const context: MiddlewareContext = {
      apiName: "",
      wsName: ws.name,
      connection: conn,
      params: conn.params,
      queryParams: conn.queryParams,
      headers: conn.headers,
      body: undefined,
      traceId: parent?.traceId ?? "",
    };
    for (const mw of ws.middlewares) await this.runMiddleware(mw.name, context, parent);
    for (const h of ws.onConnect) await this.invoke({ kind: "websocket", name: h.name }, [undefined, conn], parent);
  }

  async wsMessage(ws: WsDef, conn: WsConnection, message: unknown, parent?: TraceContext): Promise<unknown[]> {
    const results: unknown[] = [];
    const states: InvocationState[] = [];
    for (const h of ws.onMessage) {
      const { result, state } = await this.invoke({ kind: "websocket", name: h.name }, [message, conn], parent);
      results.push(result);
      states.push(state);
    }
    const single = results.filter((r) => r !== undefined);
    await this.publishEffects(ws.triggers.map((t) => t.name), single.length === 1 ? single[0] : message, states, parent ?? states[0]?.context);
    return results;
  }

  async wsDisconnect(ws: WsDef, conn: WsConnection): Promise<void> {
    for (const h of ws.onDisconnect) {
      await this.invoke({ kind: "websocket", name: h.name }, [undefined, conn], undefined).catch(() => undefined);
    }
  }

  async runCron(cron: CronDef): Promise<void> {
    const span = this.rootSpan(`cron ${cron.name}`, "cron");
    span.set("cron.schedule", cron.schedule);
    try {
      const request = { cron: cron.name, schedule: cron.schedule, timestamp: new Date().toISOString() };
      const { result, state } = await this.invoke({ kind: "cron", name: cron.handler?.name ?? cron.name }, [request], span.context);
      await this.publishEffects(cron.triggers.map((t) => t.name), result ?? request, [state], span.context);
      this.recordSpan(span);
    } catch (error) {
      this.recordSpan(span, error);
    }
  }

  publish(event: string, payload: unknown, parent?: TraceContext): Promise<void> {
    // Without telemetry there is nothing to record: hand the adapter's promise straight back.
    if (!this.telemetryOn) return this.adapter.publish(event, payload, { headers: traceHeaders(new ActiveSpan(event, "publish", parent, false).context) });
    const names = this.names.event(event);
    if (parent?.sampled === false) {
      // An unsampled trace gets no publish span (it would not be recorded): consumers continue from the parent.
      // A copy of its context: the parent may be a caller's own object (a route's call holds its Request),
      // which must not live on in a queued or retried message.
      const context: TraceContext = { traceId: parent.traceId, spanId: parent.spanId, sampled: false };
      const published = this.adapter.publish(event, payload, { headers: traceHeaders(context) });
      if (published !== ACCEPTED) return published.then(() => this.metrics.add(names.published));
      this.metrics.add(names.published);
      return ACCEPTED;
    }
    return this.publishRecorded(new ActiveSpan(names.publishSpan, "publish", parent).share(names.attributes), event, payload);
  }

  private async publishRecorded(span: ActiveSpan, event: string, payload: unknown): Promise<void> {
    try {
      await this.adapter.publish(event, payload, { headers: traceHeaders(span.context) });
      if (this.telemetryOn) {
        this.recordSpan(span);
        this.metrics.add(this.names.event(event).published);
      }
    } catch (error) {
      this.recordSpan(span, error);
      throw error;
    }
  }

  /**
   * Publishes what a handler run asked for: the schema's `triggers` (payload:
   * a `setPayload` override, else `result`), then `triggerEvent` calls.
   */
  private publishEffects(triggers: string[], result: unknown, states: InvocationState[], parent?: TraceContext): Promise<void> {
    let asked = false;
    let overridden = false;
    for (const s of states) {
      if (s.emitted !== undefined) asked = true;
      if (s.overrides !== undefined) overridden = true;
    }
    if (triggers.length === 0 && !asked) return ACCEPTED;
    if (triggers.length === 1 && !asked && !overridden) {
      // One trigger, nothing else: the usual API → event step, without collecting outcomes.
      const published = this.publish(triggers[0]!, result, parent);
      if (published === ACCEPTED) return ACCEPTED;
      return published.catch((error: unknown) => {
        throw publishFailed(triggers, error);
      });
    }
    return this.publishAll(triggers, result, states, parent);
  }

  private async publishAll(triggers: string[], result: unknown, states: InvocationState[], parent?: TraceContext): Promise<void> {
    const overrides = new Map<string, unknown>();
    for (const s of states) if (s.overrides) for (const [name, payload] of s.overrides) overrides.set(name, payload);
    const pending: Promise<void>[] = [];
    for (const name of triggers) pending.push(this.publish(name, overrides.has(name) ? overrides.get(name) : result, parent));
    for (const s of states) if (s.emitted) for (const [name, payload] of s.emitted) pending.push(this.publish(name, payload, parent));
    const outcomes = await Promise.allSettled(pending);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw publishFailed(triggers, failed.reason);
  }

  /**
   * One delivery of an event: run its handlers not yet done for this message,
   * then its triggers. Synchronous handlers with nothing to publish complete
   * without a promise of their own (the hot path).
   */
  private deliver(event: EventDef, message: Message): Promise<void> {
    const timed = this.telemetryOn;
    const local = localContext(message.headers);
    const parent = local ?? parseTraceparent(message.headers.traceparent);
    let span: ActiveSpan;
    if (timed) {
      const names = this.names.event(event.name);
      // Sampled where the trace entered this process; a message from another process enters here.
      span = local ? new ActiveSpan(names.consumeSpan, "consume", local) : this.rootSpan(names.consumeSpan, "consume", parent);
      if (message.attempt === 1) span.share(names.firstDelivery);
      else {
        // A redelivery follows a failure: its spans are recorded whatever the trace's sampling said.
        span.sampled = true;
        span.set("event.name", event.name).set("message.attempt", message.attempt);
      }
      this.metrics.add(names.consumed);
    } else span = new ActiveSpan(event.name, "consume", parent, false);
    const envelope: EventEnvelope = {
      event: event.name,
      payload: message.payload,
      timestamp: isoTime(message.publishedAt),
      attempt: message.attempt,
      messageId: message.id,
    };
    // A first delivery has no partial state: only redeliveries of failed messages do.
    if (event.handlers.length !== 1 || (message.attempt > 1 && this.partial.has(message.id))) return this.deliverToMany(event, message, span, envelope);
    const outcome = this.invokeThen(
      { kind: "event", name: event.handlers[0]!.name },
      [envelope],
      // The span itself, not its context: an unsampled trace's consume span then never makes an id.
      span,
      "handler",
      new Delivery(event, message, span),
      this.delivered,
      this.deliveryFailed,
      // Nothing ran since the consume span started: the handler's span starts on the same clock reading.
      span.timed ? span.startMark : undefined,
    );
    // A promise resolved with afterHandlers' promise adopts it: the types nest, the values do not.
    return (outcome ?? ACCEPTED) as Promise<void>;
  }

  private readonly delivered = ({ event, message, span }: Delivery, result: unknown, state: InvocationState): Promise<void> | undefined => {
    if (event.triggers.length === 0 && state.emitted === undefined) {
      // Nothing to publish (the usual last hop): done here.
      this.recordSpan(span);
      return undefined;
    }
    return this.afterHandlers(event, span, result === undefined ? message.payload : result, [state]);
  };

  private readonly deliveryFailed = ({ event, message, span }: Delivery, error: HandlerError): Promise<never> =>
    this.firstDeliveryFailed(event, message, span, error);

  private firstDeliveryFailed(event: EventDef, message: Message, span: ActiveSpan, error: unknown): Promise<never> {
    this.rememberPartial(message.id, { done: new Set(), results: new Map(), effects: [] });
    try {
      this.failDelivery(event, span, error);
    } catch (failure) {
      return Promise.reject(failure);
    }
  }

  /** Several handlers, or a redelivery: handlers already done for this message are skipped. */
  private async deliverToMany(event: EventDef, message: Message, span: ActiveSpan, envelope: EventEnvelope): Promise<void> {
    const partial: PartialDelivery = this.partial.get(message.id) ?? { done: new Set<string>(), results: new Map(), effects: [] };
    const pending = event.handlers.filter((h) => !partial.done.has(h.name));
    const outcomes = await Promise.allSettled(pending.map((h) => this.invoke({ kind: "event", name: h.name }, [envelope], span.context)));
    let firstError: unknown;
    outcomes.forEach((outcome, i) => {
      const name = pending[i]!.name;
      if (outcome.status === "fulfilled") {
        partial.done.add(name);
        partial.results.set(name, outcome.value.result);
        partial.effects.push(outcome.value.state);
      } else firstError ??= outcome.reason;
    });
    if (firstError !== undefined) {
      this.rememberPartial(message.id, partial);
      this.failDelivery(event, span, firstError);
    }
    this.partial.delete(message.id);
    const returned = [...partial.results.values()].filter((v) => v !== undefined);
    await this.afterHandlers(event, span, returned.length === 1 ? returned[0] : message.payload, partial.effects);
  }

  /** The event's handlers all succeeded: publish its triggers and what handlers emitted, then end its span. */
  /** Nothing to publish: done synchronously (undefined), no promise needed. */
  private afterHandlers(event: EventDef, span: ActiveSpan, payload: unknown, effects: InvocationState[]): Promise<void> | undefined {
    if (event.triggers.length === 0 && !effects.some(asksToPublish)) {
      this.recordSpan(span);
      return undefined;
    }
    const published = this.publishEffects(
      event.triggers.map((t) => t.name),
      payload,
      effects,
      span.context,
    );
    if (published === ACCEPTED) {
      this.recordSpan(span);
      return undefined;
    }
    return published.then(
      () => this.recordSpan(span),
      (error: unknown) => {
        this.recordSpan(span, error);
        throw error;
      },
    );
  }

  private failDelivery(event: EventDef, span: ActiveSpan, error: unknown): never {
    if (this.telemetryOn) this.metrics.add(this.names.event(event.name).failed);
    this.recordSpan(span, error);
    throw error;
  }

  private rememberPartial(id: string, partial: PartialDelivery): void {
    this.partial.delete(id);
    this.partial.set(id, partial);
    if (this.partial.size > MAX_PARTIAL_DELIVERIES) this.partial.delete(this.partial.keys().next().value!);
  }

  private deadLetter(event: EventDef, message: Message, error: unknown): void {
    const done = this.partial.get(message.id)?.done ?? new Set<string>();
    this.partial.delete(message.id);
    const handlers = event.handlers.map((h) => h.name).filter((h) => !done.has(h));
    const described = describeError(error);
    this.record({
      type: "dead-letter",
      deadLetter: {
        id: message.id,
        time: Date.now(),
        event: event.name,
        payload: message.payload,
        headers: message.headers,
        attempts: message.attempt,
        error: described,
        handlers,
      },
    });
    this.record({
      type: "log",
      log: {
        time: Date.now(),
        level: "error",
        message: `event ${event.name} dead-lettered after ${message.attempt} attempts (handlers: ${handlers.join(", ")}): ${described.message}`,
        traceId: parseTraceparent(message.headers.traceparent)?.traceId,
        source: "engine",
      },
    });
  }

  /** Stops everything: server and scheduler (their shutdown taps), in-flight work, subscriptions, adapter, bridge. */
  async stop(shutdown?: Shutdown): Promise<void> {
    await this.rohas.shutdown(shutdown);
  }

  private async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.drain(this.config.server.shutdown_timeout_ms);
    // The adapter first: it lets consumers finish what they already took before connections go.
    await this.adapter?.close().catch(() => undefined);
    for (const s of this.subscriptions.values()) await s.close().catch(() => undefined);
    this.subscriptions.clear();
    await this.bridge?.close().catch(() => undefined);
    clearInterval(this.metricTimer);
    // The last sums, before the stores close (they close after the engine).
    this.recordMetrics();
  }
}


type SpanKindOfCall = "handler" | "middleware";

interface Invoked {
  result: unknown;
  state: InvocationState;
}

/** A single-handler delivery on its way: what its continuation needs. */
class Delivery {
  constructor(
    readonly event: EventDef,
    readonly message: Message,
    readonly span: ActiveSpan,
  ) {}
}

const rethrow = (_context: unknown, error: unknown): never => {
  throw error;
};

const returnInvoked = (_context: unknown, result: unknown, state: InvocationState): Invoked => ({ result, state });

const asksToPublish = (state: InvocationState): boolean => state.emitted !== undefined;

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/*
 * Formatting a Date costs ~200 ns, several times the rest of an event's delivery. Bursts share a
 * millisecond (its string is reused); a new millisecond appends its digits to its second's
 * formatted prefix ("2026-11-30T12:00:07." + "042" + "Z").
 */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, "0"));
let isoMs = NaN;
let isoLast = "";
let isoSecond = NaN;
let isoPrefix = "";
function isoTime(ms: number): string {
  if (ms === isoMs) return isoLast;
  const millis = ms % 1000;
  // Whole milliseconds after 1970, within Date's range, only: anything else is formatted in full.
  if (!(millis >= 0 && Number.isInteger(millis) && ms <= 8.64e15)) return new Date(ms).toISOString();
  const second = ms - millis;
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second).toISOString().slice(0, -4);
  }
  isoMs = ms;
  return (isoLast = isoPrefix + MILLIS[millis]! + "Z");
}

function startError(code: string, message: string): EngineStartError {
  return new EngineStartError([{ severity: "error", code, message }]);
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null | undefined)?.status;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : undefined;
}

function asHandlerError(error: unknown, ref: HandlerRef): HandlerError {
  if (error instanceof HandlerError) return error;
  if (error instanceof Error) return new HandlerError(error.message, ref, error.name, error.stack, statusOf(error));
  return new HandlerError(String(error), ref, typeof error, undefined);
}

function publishFailed(triggers: string[], reason: unknown): HandlerError {
  const message = reason instanceof Error ? reason.message : String(reason);
  return new HandlerError(`publishing events failed: ${message}`, { kind: "event", name: triggers.join(",") }, "PublishError", undefined, 503);
}

function timeoutError(ref: HandlerRef, ms: number): HandlerError {
  return new HandlerError(`${ref.kind} handler '${ref.name}' timed out after ${ms} ms`, ref, "TimeoutError", undefined, 504);
}

