/**
 * One long-lived Python worker process: spawns `python rohas_worker.py`, sends
 * call frames, routes the frames that come back (results, errors, logs,
 * triggered events) to the call they belong to, and fails exactly its own
 * in-flight calls when it dies.
 */
import type { Subprocess } from "bun";
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HandlerError, type HandlerRef, type HandlerState, type LogLevel } from "../../core/runtime.ts";
import { FrameBatch, FrameDecoder } from "./framing.ts";

export interface WorkerSpawnOptions {
  interpreter: string;
  /** rohas_worker.py on disk. */
  script: string;
  projectDir: string;
  srcDir: string;
  env?: Record<string, string | undefined>;
}

/** A log line that belongs to no call in flight (imports, stderr, background threads). */
export interface LooseLog {
  level: LogLevel;
  message: string;
  source: string;
  attributes?: Record<string, unknown>;
}

export interface WorkerExit {
  code: number | null;
  signal: string | null;
  /** False when the pool asked it to stop (drain, close). */
  unexpected: boolean;
  /** It exited before saying it was ready: the interpreter or the worker module cannot start. */
  beforeReady: boolean;
  stderrTail: string;
}

export interface WorkerEvents {
  onLog(log: LooseLog): void;
  /**
   * The process is gone. `undelivered` are calls it never read (they cannot have
   * run): the pool sends them to another worker. Calls it had read were failed.
   */
  onExit(worker: PythonWorker, exit: WorkerExit, undelivered: UndeliveredCall[]): void;
}

/** A call a dead worker never read, to be sent again; settle it through resolve/reject. */
export interface UndeliveredCall {
  ref: HandlerRef;
  args: unknown[];
  state: HandlerState | undefined;
  timeoutMs: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What the worker reports for a handler it cannot find or import (see Registry.check). */
export interface HandlerProblem {
  kind: HandlerRef["kind"];
  name: string;
  reason: "missing-file" | "missing-function" | "import-failed";
  file: string;
  functions: string[];
  signature: string;
  found?: string[];
  message: string;
  errorType?: string;
  errorFile?: string;
  line?: number;
  traceback?: string;
}

interface PendingCall {
  ref: HandlerRef;
  /** Kept until the call settles, so a call the worker never read can be sent elsewhere. */
  args: unknown[];
  state: HandlerState | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** performance.now() after which the call is cancelled; 0 for no timeout. */
  deadline: number;
  timeoutMs: number;
  cancelledAt: number;
  /** triggerEvent/setPayload threw on our side: the call fails with this once it returns. */
  failure?: unknown;
}

interface WireError {
  type?: string;
  message?: string;
  traceback?: string;
  status?: number;
}

const LEVELS: Record<string, LogLevel> = { debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error" };
const STDERR_TAIL_LINES = 30;

export class PythonWorker {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly pid: number;
  /** Resolves on the worker's `ready` frame; rejects if it exits first. */
  readonly ready: Promise<void>;
  isReady = false;
  /** No new calls: finishing what it has, then exiting. */
  draining = false;
  exited = false;
  /** Its loop is stuck (a call ignored its cancel): being killed, takes no more calls. */
  condemned = false;

  private readonly pending = new Map<number, PendingCall>();
  private readonly requests = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private nextId = 0;
  /** The worker acknowledged reading every call up to this id (before starting them). */
  private receivedUpTo = 0;
  private readonly outbox = new FrameBatch();
  /** Calls sent this tick, in positional form: they leave as one frame (docs/decisions/008). */
  private calls: unknown[][] = [];
  /** Other messages sent this tick; they follow the calls (a cancel never precedes its call). */
  private messages: unknown[] = [];
  private flushQueued = false;
  /** Its stdin has been closed: it exits once the calls it has are done. */
  private stdinClosed = false;
  private readonly stderrTail: string[] = [];
  /** The worker's ack file (see createAckFile): the id of the last call it read. */
  private ackFd?: number;
  private ackPath?: string;
  private markReady!: () => void;
  private failReady!: (error: Error) => void;

  constructor(
    readonly options: WorkerSpawnOptions,
    private readonly events: WorkerEvents,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined);
    const ack = createAckFile();
    this.ackFd = ack?.fd;
    this.ackPath = ack?.path;
    const ackArgs = ack ? ["--ack", ack.path] : [];
    try {
      this.proc = Bun.spawn([options.interpreter, "-u", options.script, "--src", options.srcDir, ...ackArgs], {
        cwd: options.projectDir,
        env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", ...options.env },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
    } catch (error) {
      // The interpreter cannot be run at all: leave no ack file behind.
      this.removeAckPath();
      this.readAck();
      throw error;
    }
    this.pid = this.proc.pid;
    const reading = Promise.all([this.readFrames(), this.readStderr()]);
    void this.proc.exited.then(async () => {
      this.exited = true; // the pool stops picking it right away
      // Frames written just before the exit still count: read the pipes to their end first
      // (bounded, in case a child process of a handler holds them open).
      await Promise.race([reading, Bun.sleep(1000)]);
      this.handleExit();
    });
  }

  /** Can take a new call. */
  get usable(): boolean {
    return !this.exited && !this.condemned && !this.draining;
  }

  /** Calls in flight on this worker. */
  get load(): number {
    return this.pending.size;
  }

  /** Resolves with the handler's result; Python's None arrives as undefined. */
  call(ref: HandlerRef, args: unknown[], state: HandlerState | undefined, timeoutMs: number): Promise<unknown> {
    if (!this.usable) return Promise.reject(this.crashError(ref, "was stopping when the call came"));
    const id = ++this.nextId;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, {
        ref,
        args,
        state,
        resolve,
        reject,
        deadline: timeoutMs > 0 ? performance.now() + timeoutMs : 0,
        timeoutMs,
        cancelledAt: 0,
      });
      this.calls.push([id, ref.kind, ref.name, args, state?.traceId ?? null, state?.spanId ?? null]);
      this.queueFlush();
    });
  }

  /** Asks the worker which of `handlers` it cannot find or import. */
  resolveHandlers(handlers: HandlerRef[]): Promise<HandlerProblem[]> {
    if (this.exited) return Promise.reject(new Error(`python worker ${this.pid} has exited`));
    const id = ++this.nextId;
    return new Promise<unknown>((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.send({ t: "resolve", id, handlers: handlers.map(({ kind, name }) => ({ kind, name })) });
    }) as Promise<HandlerProblem[]>;
  }

  /** Imports handler modules ahead of their first call. */
  preload(handlers: HandlerRef[]): void {
    if (handlers.length > 0) this.send({ t: "preload", handlers: handlers.map(({ kind, name }) => ({ kind, name })) });
  }

  /**
   * Cancels calls past their deadline, and gives up on those that ignored the
   * cancel for `graceMs` (the worker's loop is blocked): fails them and kills
   * the worker, which the pool then replaces.
   */
  sweepTimeouts(now: number, graceMs: number): void {
    let hung = false;
    for (const [id, call] of this.pending) {
      if (call.deadline === 0 || now < call.deadline) continue;
      if (call.cancelledAt === 0) {
        call.cancelledAt = now;
        this.send({ t: "cancel", id });
      } else if (now - call.cancelledAt > graceMs) {
        this.pending.delete(id);
        call.reject(
          new HandlerError(
            `handler ${call.ref.name} ran over its timeout of ${call.timeoutMs} ms and did not stop when cancelled; python worker ${this.pid} was restarted`,
            call.ref,
            "TimeoutError",
            undefined,
          ),
        );
        hung = true;
      }
    }
    if (hung) {
      this.condemned = true;
      this.kill("SIGKILL");
    }
  }

  /** Stop taking calls; exit once the ones in flight have finished. */
  drain(): Promise<number> {
    this.draining = true;
    this.stopWhenIdle();
    return this.proc.exited;
  }

  /** Kills the process; unless it was draining, the pool sees an unexpected exit and replaces it. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (!this.exited) this.proc.kill(signal);
  }

  // -- internals ---------------------------------------------------------------------------

  private stopWhenIdle(): void {
    if (!this.draining || this.pending.size > 0 || this.requests.size > 0 || this.stdinClosed) return;
    this.stdinClosed = true;
    this.flushOutbox();
    try {
      void Promise.resolve(this.proc.stdin.end()).catch(() => undefined);
    } catch {
      // already closed: the exit handler takes it from here
    }
  }

  private send(message: unknown): void {
    this.messages.push(message);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Frames sent in the same tick leave in one write.
    queueMicrotask(this.flushOutbox);
  }

  private readonly flushOutbox = (): void => {
    this.flushQueued = false;
    if (this.calls.length > 0) {
      this.outbox.add(this.calls);
      this.calls = [];
    }
    if (this.messages.length > 0) {
      for (const message of this.messages) this.outbox.add(message);
      this.messages = [];
    }
    if (this.outbox.isEmpty || this.exited) return;
    const bytes = this.outbox.take();
    try {
      void Promise.resolve(this.proc.stdin.write(bytes)).catch(() => undefined);
      void Promise.resolve(this.proc.stdin.flush()).catch(() => undefined);
    } catch {
      // the process is gone; its exit fails the pending calls
    }
  };

  private async readFrames(): Promise<void> {
    const decoder = new FrameDecoder();
    try {
      for await (const chunk of this.proc.stdout) {
        for (const frame of decoder.push(chunk)) this.onFrame(frame as Record<string, unknown> | [number, unknown][]);
      }
    } catch (error) {
      this.events.onLog({
        level: "error",
        message: `python worker ${this.pid}: ${error instanceof Error ? error.message : String(error)}; restarting it`,
        source: "runtime-python",
      });
      this.kill("SIGKILL");
    }
  }

  private onFrame(frame: Record<string, unknown> | [number, unknown][]): void {
    if (Array.isArray(frame)) {
      // Results, `[id, result]` each.
      for (let i = 0; i < frame.length; i++) {
        const entry = frame[i]!;
        const call = this.take(entry[0]);
        if (!call) continue;
        if (call.failure !== undefined) call.reject(call.failure);
        else call.resolve(entry[1] ?? undefined); // None: "returned nothing"
      }
      return;
    }
    switch (frame.t) {
      case "err": {
        const call = this.take(frame.id as number);
        if (!call) return;
        const error = (frame.error ?? {}) as WireError;
        call.reject(
          new HandlerError(error.message ?? "python handler failed", call.ref, error.type ?? "Error", error.traceback || undefined, error.status),
        );
        return;
      }
      case "log":
        this.onLogFrame(frame);
        return;
      case "trigger":
      case "payload": {
        const call = this.pending.get(frame.id as number);
        if (!call?.state) return;
        try {
          if (frame.t === "trigger") call.state.triggerEvent(frame.event as string, frame.payload);
          else call.state.setPayload(frame.event as string, frame.payload);
        } catch (error) {
          call.failure ??= error;
        }
        return;
      }
      case "resolved": {
        const request = this.requests.get(frame.id as number);
        if (!request) return;
        this.requests.delete(frame.id as number);
        request.resolve(frame.problems ?? []);
        this.stopWhenIdle();
        return;
      }
      case "rx":
        this.receivedUpTo = frame.upto as number;
        return;
      case "ready":
        this.isReady = true;
        this.removeAckPath(); // the worker has it mapped; nothing is left behind if we die
        this.markReady();
        return;
      default:
        this.events.onLog({ level: "warn", message: `python worker ${this.pid} sent an unknown frame ${String(frame.t)}`, source: "runtime-python" });
    }
  }

  private take(id: number): PendingCall | undefined {
    const call = this.pending.get(id);
    if (!call) return undefined;
    this.pending.delete(id);
    if (this.draining) this.stopWhenIdle();
    return call;
  }

  private onLogFrame(frame: Record<string, unknown>): void {
    const level = LEVELS[frame.level as string] ?? "info";
    const message = String(frame.msg ?? "");
    const attributes = frame.attrs as Record<string, unknown> | undefined;
    const call = frame.id == null ? undefined : this.pending.get(frame.id as number);
    if (call?.state) {
      call.state.logger[level](message, attributes);
      return;
    }
    const handler = (frame.handler as string | undefined) ?? call?.ref.name;
    this.events.onLog({
      level,
      message,
      source: handler ? `python:${handler}` : "python",
      attributes,
    });
  }

  private async readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of this.proc.stderr) {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.onStderrLine(line);
      }
    } catch {
      // stream closed with the process
    }
    if (partial) this.onStderrLine(partial);
  }

  private onStderrLine(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    if (line.trim() === "") return;
    this.events.onLog({ level: "warn", message: line, source: `python:${this.pid}` });
  }

  private removeAckPath(): void {
    if (!this.ackPath) return;
    try {
      unlinkSync(this.ackPath);
    } catch {
      // already gone
    }
    this.ackPath = undefined;
  }

  /** The last call id the worker acknowledged through its ack file, 0 without one. */
  private readAck(): number {
    if (this.ackFd === undefined) return 0;
    const bytes = new Uint8Array(8);
    try {
      readSync(this.ackFd, bytes, 0, 8, 0);
      return Number(new DataView(bytes.buffer).getBigUint64(0, true));
    } catch {
      return 0;
    } finally {
      closeSync(this.ackFd);
      this.ackFd = undefined;
    }
  }

  private handleExit(): void {
    this.removeAckPath();
    this.receivedUpTo = Math.max(this.receivedUpTo, this.readAck());
    const signal = this.proc.signalCode == null ? null : String(this.proc.signalCode);
    const code = this.proc.exitCode;
    const beforeReady = !this.isReady;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (beforeReady) this.failReady(new Error(`python worker ${this.pid} ${how} before it was ready`));
    const undelivered: UndeliveredCall[] = [];
    for (const [id, call] of this.pending) {
      if (id > this.receivedUpTo) undelivered.push(call);
      else call.reject(this.crashError(call.ref, `${how} while this call was in flight`));
    }
    this.pending.clear();
    for (const request of this.requests.values()) request.reject(new Error(`python worker ${this.pid} ${how}`));
    this.requests.clear();
    this.events.onExit(this, {
      code,
      signal,
      unexpected: !this.draining,
      beforeReady,
      stderrTail: this.stderrTail.join("\n").trim(),
    }, undelivered);
  }

  private crashError(ref: HandlerRef, what: string): HandlerError {
    const tail = this.stderrTail.join("\n").trim();
    return new HandlerError(`python worker ${this.pid} ${what}`, ref, "WorkerCrashed", tail || undefined);
  }
}

let ackFiles = 0;

/**
 * An 8-byte file the worker maps into memory and stores the id of the last call it read in,
 * before starting those calls: unlike an `rx` frame this costs no syscall and no wake-up of
 * the bridge per batch, and the value survives the worker being killed (docs/decisions/008).
 * Undefined when no file can be made; the worker then sends `rx` frames.
 */
function createAckFile(): { fd: number; path: string } | undefined {
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const dir = join(tmpdir(), `rohas-${uid}`);
  const path = join(dir, `ack-${process.pid}-${++ackFiles}-${Math.random().toString(36).slice(2)}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(path, "wx+", 0o600);
    writeSync(fd, new Uint8Array(8));
    return { fd, path };
  } catch {
    return undefined;
  }
}
