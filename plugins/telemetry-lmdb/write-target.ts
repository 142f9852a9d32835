/**
 * Where the store's batches are written: a worker thread (the default: the
 * request thread only turns a batch into one JSON string), or the main thread
 * itself when no worker can start (a binary built without the worker's entry
 * point, a runtime without workers).
 */
import { platform } from "../../core/platform.ts";
import { toJson } from "./json-table.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";
import type { LmdbWriter, WriteBatch } from "./writer.ts";

export interface WriteTarget {
  readonly kind: "worker" | "inline";
  /** Resolves once the batch is committed. */
  write(batch: WriteBatch): Promise<void>;
  removeBefore(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

export class InlineTarget implements WriteTarget {
  readonly kind = "inline";

  constructor(readonly writer: LmdbWriter) {}

  write(batch: WriteBatch): Promise<void> {
    return this.writer.write(batch);
  }

  removeBefore(cutoff: number): Promise<number> {
    return this.writer.removeBefore(cutoff);
  }

  async close(): Promise<void> {}
}

/**
 * Where the worker's module is. From source, next to this file. In a binary
 * built with it as an extra entry point (scripts/build.ts), Bun keeps it at its
 * path relative to the common root of the entry points (the repository), next
 * to the binary's own entry, argv[1]. Not import.meta.url: a bytecode build
 * leaves that at the source path on the build machine.
 */
function workerUrl(): string {
  if (!platform.isCompiled()) return new URL("./writer-worker.ts", import.meta.url).href;
  return platform.join(platform.dirname(process.argv[1] ?? ""), "plugins", "telemetry-lmdb", "writer-worker.ts");
}

/** The batch as JSON; a value JSON cannot hold is sanitised instead of failing the batch. */
export function batchJson(batch: WriteBatch): string {
  return toJson(batch);
}

export class WorkerTarget implements WriteTarget {
  readonly kind = "worker";
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: number | undefined) => void; reject: (error: Error) => void }>();
  private stopped: string | undefined;

  private constructor(private readonly worker: Worker) {
    worker.addEventListener("message", (event) => this.receive((event as MessageEvent<FromWriter>).data));
    worker.addEventListener("error", (event) => this.stop(`the telemetry writer crashed: ${(event as ErrorEvent).message ?? "unknown error"}`));
    worker.addEventListener("close", () => this.stop("the telemetry writer stopped"));
  }

  /** Starts the worker and opens the store in it; rejects (and cleans up) when it cannot. */
  static start(path: string, maxCachedTraces: number, timeoutMs = 10_000): Promise<WorkerTarget> {
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(workerUrl(), { type: "module" });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const fail = (reason: string) => {
        clearTimeout(timer);
        worker.terminate();
        reject(new Error(reason));
      };
      const timer = setTimeout(() => fail(`the telemetry writer did not start within ${timeoutMs} ms`), timeoutMs);
      const onMessage = (event: Event) => {
        const message = (event as MessageEvent<FromWriter>).data;
        if (message.op === "ready") {
          clearTimeout(timer);
          worker.removeEventListener("message", onMessage);
          worker.removeEventListener("error", onError);
          (worker as Worker & { unref?: () => void }).unref?.();
          resolve(new WorkerTarget(worker));
        } else if (message.op === "failed") {
          fail(message.error);
        }
      };
      const onError = (event: Event) => fail(`the telemetry writer could not start: ${(event as ErrorEvent).message ?? "unknown error"}`);
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError);
      worker.postMessage({ op: "open", path, maxCachedTraces } satisfies ToWriter);
    });
  }

  get alive(): boolean {
    return this.stopped === undefined;
  }

  async write(batch: WriteBatch): Promise<void> {
    await this.request((id) => ({ op: "write", id, json: batchJson(batch) }));
  }

  async removeBefore(cutoff: number): Promise<number> {
    return (await this.request((id) => ({ op: "removeBefore", id, cutoff }))) ?? 0;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.request((id) => ({ op: "close", id }));
    } finally {
      this.stop("the telemetry writer was closed");
      this.worker.terminate();
    }
  }

  private request(message: (id: number) => ToWriter): Promise<number | undefined> {
    if (this.stopped) return Promise.reject(new Error(this.stopped));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(message(id));
    });
  }

  private receive(message: FromWriter): void {
    if (message.op !== "done" && message.op !== "error") return;
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.op === "done") waiter.resolve(message.value);
    else waiter.reject(new Error(message.error));
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
  }
}
