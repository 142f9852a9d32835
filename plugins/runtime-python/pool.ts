/**
 * The pool of Python workers: picks the least-loaded one for each call,
 * replaces workers that die, recycles all of them on reload (old ones finish
 * their calls while new ones take new calls), and stops them on close.
 */
import { HandlerError, type HandlerRef } from "../../core/runtime.ts";
import { PythonWorker, type LooseLog, type UndeliveredCall, type WorkerExit, type WorkerSpawnOptions } from "./worker-process.ts";

export interface PoolOptions extends WorkerSpawnOptions {
  size: number;
  onLog(log: LooseLog): void;
  /** How long a cancelled call may ignore the cancel before its worker is killed. */
  cancelGraceMs?: number;
}

/** Why no worker can be had; invoke turns it into a HandlerError. */
export class PoolUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoolUnavailableError";
  }
}

const SWEEP_INTERVAL_MS = 50;
const MAX_RESTART_DELAY_MS = 5_000;

export class WorkerPool {
  private active: PythonWorker[] = [];
  private readonly retiring = new Set<PythonWorker>();
  private preloadList: HandlerRef[] = [];
  private closed = false;
  private next = 0;
  /** Consecutive workers that died before becoming ready; drives the restart backoff. */
  private startFailures = 0;
  private lastStartError?: string;
  private readonly waiters = new Set<() => void>();
  private sweepTimer?: ReturnType<typeof setInterval>;
  private pendingRestarts = 0;

  constructor(private readonly options: PoolOptions) {}

  get size(): number {
    return this.options.size;
  }

  /** Live workers taking calls (for tests and the bench). */
  get workers(): readonly PythonWorker[] {
    return this.active;
  }

  start(): void {
    if (this.closed) throw new PoolUnavailableError("the Python runtime is closed");
    while (this.active.length + this.pendingRestarts < this.options.size) this.spawn();
    this.sweepTimer ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    // The sweep must not keep the process alive on its own.
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** Adds handler modules every worker (and every replacement) imports at start. */
  addPreload(handlers: HandlerRef[]): void {
    const known = new Set(this.preloadList.map((h) => `${h.kind}:${h.name}`));
    const added = handlers.filter((h) => !known.has(`${h.kind}:${h.name}`));
    if (added.length === 0) return;
    this.preloadList = [...this.preloadList, ...added];
    for (const worker of this.active) worker.preload(added);
  }

  /** The least-loaded live worker, or undefined when none is up right now. */
  pick(): PythonWorker | undefined {
    const workers = this.active;
    const count = workers.length;
    if (count === 0) return undefined;
    if (count === 1) return workers[0]!.usable ? workers[0] : undefined;
    // Start at a rotating index so equal loads spread evenly.
    const start = this.next++ % count;
    let best: PythonWorker | undefined;
    for (let i = 0; i < count; i++) {
      const worker = workers[(start + i) % count]!;
      if (!worker.usable) continue;
      if (!best || worker.load < best.load) best = worker;
      if (best.load === 0) break;
    }
    return best;
  }

  /** A worker, waiting for a replacement to spawn when all are down. */
  async acquire(timeoutMs = 30_000): Promise<PythonWorker> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) throw new PoolUnavailableError("the Python runtime is closed");
      const worker = this.pick();
      if (worker) return worker;
      // Workers cannot even start (bad interpreter, broken install): fail now rather than hang.
      if (this.startFailures > 0 && this.lastStartError) throw new PoolUnavailableError(this.lastStartError);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new PoolUnavailableError(`no Python worker could be started${this.lastStartError ? `: ${this.lastStartError}` : ""}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1_000));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(() => done());
      });
    }
  }

  /** A worker that has said it is ready (for resolve requests at start-up). */
  async readyWorker(timeoutMs = 30_000): Promise<PythonWorker> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const worker = await this.acquire(Math.max(1, deadline - Date.now()));
      try {
        await Promise.race([
          worker.ready,
          Bun.sleep(Math.max(1, deadline - Date.now())).then(() => {
            throw new PoolUnavailableError(`python worker ${worker.pid} did not start within ${timeoutMs} ms`);
          }),
        ]);
        return worker;
      } catch (error) {
        if (error instanceof PoolUnavailableError || Date.now() >= deadline) throw error;
        // That one died while starting; the loop takes its replacement.
      }
    }
  }

  /** New workers take new calls now; the old ones finish what they have and exit. */
  async recycle(): Promise<void> {
    if (this.closed) return;
    const old = this.active;
    this.active = [];
    this.startFailures = 0;
    this.start();
    await Promise.all(old.map((worker) => this.retire(worker)));
  }

  /** Stops every worker: lets in-flight calls finish for up to `graceMs`, then kills. */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const all = [...this.active, ...this.retiring];
    this.active = [];
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    await Promise.all(
      all.map(async (worker) => {
        const exited = worker.drain();
        const timer = setTimeout(() => worker.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private async retire(worker: PythonWorker): Promise<void> {
    this.retiring.add(worker);
    try {
      await worker.drain();
    } finally {
      this.retiring.delete(worker);
    }
  }

  private spawn(): void {
    let worker: PythonWorker;
    try {
      worker = new PythonWorker(this.options, {
        onLog: this.options.onLog,
        onExit: (w, exit, undelivered) => this.onExit(w, exit, undelivered),
      });
    } catch (error) {
      // The interpreter itself cannot be run (missing, not executable).
      this.lastStartError = `cannot run ${this.options.interpreter}: ${error instanceof Error ? error.message : String(error)} (set [python] interpreter in config/rohas.toml)`;
      this.options.onLog({ level: "error", message: this.lastStartError, source: "runtime-python" });
      this.startFailures++;
      this.scheduleRestart();
      return;
    }
    worker.ready.then(
      () => {
        this.startFailures = 0;
      },
      () => undefined,
    );
    if (this.preloadList.length > 0) worker.preload(this.preloadList);
    this.active.push(worker);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  private onExit(worker: PythonWorker, exit: WorkerExit, undelivered: UndeliveredCall[]): void {
    const index = this.active.indexOf(worker);
    if (index >= 0) this.active.splice(index, 1);
    if (!this.closed && exit.unexpected && index >= 0) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      this.options.onLog({ level: "error", message: `python worker ${worker.pid} ${how}; starting a replacement`, source: "runtime-python" });
    }
    if (exit.unexpected && exit.beforeReady) {
      this.startFailures++;
      const tail = exit.stderrTail.split("\n").slice(-3).join(" | ");
      this.lastStartError = `python worker exited before it was ready (${exit.signal ?? `code ${exit.code}`})${tail ? `: ${tail}` : ""}`;
    }
    if (!this.closed && exit.unexpected && index >= 0) this.scheduleRestart();
    for (const call of undelivered) this.redeliver(call, worker.pid);
  }

  /** A call the dead worker never read goes to another one; it fails only if none can be had. */
  private redeliver(call: UndeliveredCall, deadPid: number): void {
    this.acquire()
      .then((worker) => worker.call(call.ref, call.args, call.state, call.timeoutMs))
      .then(call.resolve, (error: unknown) => {
        if (error instanceof PoolUnavailableError) {
          call.reject(new HandlerError(`python worker ${deadPid} stopped before reading this call, and ${error.message}`, call.ref, "WorkerCrashed", undefined));
        } else call.reject(error);
      });
  }

  private scheduleRestart(): void {
    if (this.closed) return;
    if (this.startFailures === 0) {
      this.spawn();
      return;
    }
    // Back off when workers cannot even start, instead of spinning.
    const delay = Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (this.startFailures - 1));
    this.pendingRestarts++;
    setTimeout(() => {
      this.pendingRestarts--;
      if (!this.closed && this.active.length < this.options.size) this.spawn();
    }, delay);
  }

  private sweep(): void {
    const now = performance.now();
    const grace = this.options.cancelGraceMs ?? 2_000;
    for (const worker of this.active) if (worker.load > 0) worker.sweepTimeouts(now, grace);
    for (const worker of this.retiring) if (worker.load > 0) worker.sweepTimeouts(now, grace);
  }
}
