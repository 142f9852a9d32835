/**
 * Telemetry on LMDB. The `record` hook only pushes into a bounded buffer; a
 * timer (or a half-full buffer) flushes it to the write target — a worker
 * thread that owns the writes (writer-worker.ts), or this thread when no worker
 * can start — one batch at a time. Queries read the same LMDB environment
 * directly. When the buffer is full (a slow disk, a burst) or a write fails or
 * hangs, records are dropped and counted: telemetry never fails or stalls a request.
 *
 * Layout: tables.ts. Writing: writer.ts.
 */
import type {
  LogFilter,
  MetricQuery,
  MetricSeries,
  StoredDeadLetter,
  TelemetryQuery,
  TelemetryStats,
  TraceDetail,
  TraceFilter,
  TraceSummary,
} from "../../core/telemetry-query.ts";
import type { LogRecord, SpanRecord, TelemetryRecord } from "../../core/telemetry.ts";
import { bucketStart, labelKey, MetricAggregator, mergeBucket, RESOLUTION_MS, toPoint, type MetricBucket } from "./metric-buckets.ts";
import { TraceSampler } from "./sampler.ts";
import { DAY_MS, HIGH, openTables, type Tables } from "./tables.ts";
import { InlineTarget, WorkerTarget, type WriteTarget } from "./write-target.ts";
import { LmdbWriter } from "./writer.ts";

export interface StoreOptions {
  /** Folder of the LMDB environment. */
  path: string;
  /**
   * `[telemetry] max_cache_size`: recent trace summaries kept in memory; the
   * write buffer holds at most `maxPendingFactor` times as many records.
   */
  maxCacheSize: number;
  retentionDays: number;
  flushIntervalMs?: number;
  /** How often retention runs (default hourly, first run 10 s after opening). */
  retentionIntervalMs?: number;
  /** Pending-record bound as a multiple of maxCacheSize (default 20). */
  maxPendingFactor?: number;
  /** A commit slower than this counts as failed (its records as dropped) so flushing moves on. Default 10 s. */
  writeTimeoutMs?: number;
  /**
   * Spans written per second before traces are sampled (`[telemetry]
   * max_spans_per_second`, default 1,000; 0 keeps everything): sampler.ts. Metrics, logs, dead letters and failed
   * spans are always kept.
   */
  maxSpansPerSecond?: number;
  /** "worker" (default) writes on a worker thread, falling back to "inline" (this thread) when none starts. */
  writer?: "worker" | "inline";
  enableTraces?: boolean;
  enableLogs?: boolean;
  enableMetrics?: boolean;
}

const LEVELS: Record<LogRecord["level"], number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Bound on entries examined by a filtered scan, so one query cannot walk a huge store. */
const SCAN_BUDGET = 200_000;

/** Rejects when `promise` has not settled within `ms`: a hung disk must not hold flushing (or shutdown) forever. */
function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`telemetry write did not commit within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

const clampLimit = (limit: number | undefined, fallback: number) => Math.max(1, Math.min(1000, Math.floor(limit ?? fallback)));

export class TelemetryStore implements TelemetryQuery {
  private readonly tables: Tables;
  private target: WriteTarget | undefined;
  private readonly targetReady: Promise<WriteTarget>;

  private buffer: TelemetryRecord[] = [];
  /** Metrics are summed as they arrive: a flush carries one bucket per series and interval, not every sample. */
  private readonly metrics = new MetricAggregator();
  private pendingSamples = 0;
  private readonly sampler: TraceSampler;
  private readonly maxPending: number;
  private readonly flushThreshold: number;
  private flushQueued = false;
  private flushing: Promise<void> | undefined;
  private readonly listeners = new Set<(records: TelemetryRecord[]) => void>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private closed = false;
  private retention: Promise<number> | undefined;
  /** Why writes happen on this thread although a worker was wanted. */
  private writerNote: string | undefined;
  private readonly counters = { written: 0, dropped: 0, flushes: 0, writeErrors: 0, lastError: undefined as string | undefined };

  constructor(private readonly options: StoreOptions) {
    this.tables = openTables(options.path);
    this.sampler = new TraceSampler(options.maxSpansPerSecond ?? 1_000);
    this.targetReady = this.startTarget();
    this.maxPending = Math.max(1, options.maxCacheSize * (options.maxPendingFactor ?? 20));
    this.flushThreshold = Math.max(1, Math.floor(this.maxPending / 2));
    this.every(options.flushIntervalMs ?? 100, () => void this.flush());
    this.every(250, () => this.sampler.adjust());
    if (options.retentionDays > 0) {
      const first = setTimeout(() => this.retainInBackground(), 10_000);
      (first as { unref?: () => void }).unref?.();
      this.timers.push(first);
      this.every(options.retentionIntervalMs ?? 3_600_000, () => this.retainInBackground());
    }
  }

  private inline(): InlineTarget {
    return new InlineTarget(new LmdbWriter(this.tables, this.options.maxCacheSize));
  }

  private async startTarget(): Promise<WriteTarget> {
    if (this.options.writer === "inline" || typeof Worker === "undefined") return (this.target = this.inline());
    try {
      return (this.target = await WorkerTarget.start(this.options.path, this.options.maxCacheSize));
    } catch (error) {
      this.writerNote = `no writer thread (${error instanceof Error ? error.message : String(error)}): writing on the main thread`;
      return (this.target = this.inline());
    }
  }

  /** "worker" or "inline" once started. */
  async writerKind(): Promise<WriteTarget["kind"]> {
    return (await this.targetReady).kind;
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    (timer as { unref?: () => void }).unref?.();
    this.timers.push(timer);
  }

  // ── writing ────────────────────────────────────────────────────────────

  /** The `sampleTrace` hook: is a trace starting now recorded? (Not when traces are off.) */
  sampleTrace(traceId: string): boolean {
    return !this.closed && this.options.enableTraces !== false && this.sampler.keep(traceId);
  }

  /** The `record` hook: constant time, never throws, never waits. */
  record(record: TelemetryRecord): void {
    if (this.closed || !this.wanted(record)) return;
    if (record.type === "metric") {
      this.metrics.add(record.metric);
      this.pendingSamples += record.metric.samples?.length ?? 1;
      return;
    }
    if (record.type === "span") this.sampler.countSpan();
    this.push(record);
  }

  private push(record: TelemetryRecord): void {
    if (this.buffer.length >= this.maxPending) {
      this.counters.dropped++;
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.flushThreshold && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        void this.flush();
      });
    }
  }

  private wanted(record: TelemetryRecord): boolean {
    const o = this.options;
    if (record.type === "span") return o.enableTraces !== false;
    if (record.type === "log") return o.enableLogs !== false;
    if (record.type === "metric") return o.enableMetrics !== false;
    return true;
  }

  /** Writes what is buffered now (after any flush in progress). Never rejects. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0 && this.metrics.size === 0) return Promise.resolve();
    const flushing = this.writeBatch().finally(() => {
      this.flushing = undefined;
    });
    this.flushing = flushing;
    return flushing;
  }

  /** Flushes until nothing is pending. */
  async drain(): Promise<void> {
    while (this.flushing || this.buffer.length > 0 || this.metrics.size > 0) await this.flush();
  }

  private async writeBatch(): Promise<void> {
    const target = this.target ?? (await this.targetReady);
    const batch = this.buffer;
    const buckets = this.metrics.take();
    const count = batch.length + this.pendingSamples;
    this.buffer = [];
    this.pendingSamples = 0;
    this.counters.flushes++;
    try {
      await withTimeout(target.write({ records: batch, buckets }), this.options.writeTimeoutMs ?? 10_000);
      this.counters.written += count;
    } catch (error) {
      this.counters.dropped += count;
      this.counters.writeErrors++;
      this.counters.lastError = error instanceof Error ? error.message : String(error);
      // A writer thread that died is replaced by writing here; the data it committed stays readable.
      if (target instanceof WorkerTarget && !target.alive) {
        this.writerNote = `the writer thread stopped (${this.counters.lastError}): writing on the main thread`;
        this.target = this.inline();
      }
    }
    // Another thread committed: read from the newest snapshot.
    this.tables.root.resetReadTxn();
    if (this.listeners.size > 0) this.notify(batch);
  }

  private notify(batch: TelemetryRecord[]): void {
    const live = batch.filter((r) => r.type !== "metric");
    if (live.length === 0) return;

    for (const listener of this.listeners) {
      try {
        listener(live);
      } catch {
        // a broken live listener must not affect recording
      }
    }
  }

  // ── reading ────────────────────────────────────────────────────────────

  listTraces(filter: TraceFilter = {}): TraceSummary[] {
    const limit = clampLimit(filter.limit, 100);
    const since = filter.since ?? 0;
    const until = filter.until ?? Number.MAX_SAFE_INTEGER;
    const name = filter.name?.toLowerCase();
    const ids = filter.status
      ? this.tables.traceStatus.keys({ start: [filter.status, until, HIGH], end: [filter.status, since], reverse: true })
      : this.tables.traceTime.keys({ start: [until, HIGH], end: [since], reverse: true });
    const idAt = filter.status ? 2 : 1;
    const out: TraceSummary[] = [];
    let scanned = 0;
    for (const key of ids) {
      if (++scanned > SCAN_BUDGET) break;
      const id = key[idAt] as string;
      const summary = this.tables.traces.get(id);
      if (!summary) continue;
      if (name && !summary.name.toLowerCase().includes(name)) continue;
      out.push(summary);
      if (out.length >= limit) break;
    }
    return out;
  }

  getTrace(traceId: string): TraceDetail | undefined {
    const summary = this.tables.traces.get(traceId);
    if (!summary) return undefined;
    const { spans, logs } = this.traceContents(traceId);
    spans.sort((a, b) => a.startTime - b.startTime);
    logs.sort((a, b) => a.time - b.time);
    return { summary, spans, logs };
  }

  private traceContents(traceId: string): { spans: SpanRecord[]; logs: LogRecord[] } {
    const spans: SpanRecord[] = [];
    const logs: LogRecord[] = [];
    for (const { value } of this.tables.chunks.range({ start: [traceId], end: [traceId, HIGH] })) {
      spans.push(...value.s);
      for (const key of value.l) {
        const log = this.tables.logs.get(key);
        if (log) logs.push(log);
      }
    }
    return { spans, logs };
  }

  listLogs(filter: LogFilter = {}): LogRecord[] {
    const limit = clampLimit(filter.limit, 200);
    const since = filter.since ?? 0;
    const until = filter.until ?? Number.MAX_SAFE_INTEGER;
    const minLevel = filter.level ? LEVELS[filter.level] : 0;
    const text = filter.text?.toLowerCase();
    const keep = (log: LogRecord) =>
      log.time >= since &&
      log.time <= until &&
      LEVELS[log.level] >= minLevel &&
      (!text || log.message.toLowerCase().includes(text) || (log.source ?? "").toLowerCase().includes(text));
    const out: LogRecord[] = [];
    let scanned = 0;
    if (filter.traceId) {
      const { logs } = this.traceContents(filter.traceId);
      return logs
        .filter(keep)
        .sort((a, b) => b.time - a.time)
        .slice(0, limit);
    }
    for (const { value } of this.tables.logs.range({ start: [until, HIGH], end: [since], reverse: true })) {
      if (++scanned > SCAN_BUDGET) break;
      if (!keep(value)) continue;
      out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  metricNames(): string[] {
    return Array.from(this.tables.metricKinds.keys({}));
  }

  metricSeries(query: MetricQuery = {}): MetricSeries[] {
    const until = query.until ?? Date.now();
    const since = query.since ?? until - 3_600_000;
    const auto = (until - since) / 120;
    const step = Math.max(RESOLUTION_MS, Math.ceil((query.stepMs ?? auto) / RESOLUTION_MS) * RESOLUTION_MS);
    const names = query.name ? [query.name] : this.metricNames();
    const out: MetricSeries[] = [];
    for (const name of names) {
      const series = new Map<string, { labels: Record<string, string>; points: Map<number, MetricBucket>; total: MetricBucket }>();
      for (const { value } of this.tables.metrics.range({ start: [name, bucketStart(since)], end: [name, until, HIGH] })) {
        const lk = labelKey(value.labels);
        let s = series.get(lk);
        if (!s) {
          const total = { ...value, time: bucketStart(since), hist: value.hist ? [...value.hist] : undefined };
          series.set(lk, { labels: value.labels, points: new Map(), total });
          s = series.get(lk)!;
        } else {
          mergeBucket(s.total, value);
        }
        const time = bucketStart(value.time, step);
        const point = s.points.get(time);
        if (point) mergeBucket(point, value);
        else s.points.set(time, { ...value, time, hist: value.hist ? [...value.hist] : undefined });
      }
      for (const s of series.values()) {
        out.push({
          name,
          kind: s.total.kind,
          labels: s.labels,
          points: [...s.points.values()].sort((a, b) => a.time - b.time).map(toPoint),
          total: toPoint(s.total),
        });
      }
    }
    return out;
  }

  listDeadLetters(limit?: number): StoredDeadLetter[] {
    const out: StoredDeadLetter[] = [];
    for (const key of this.tables.deadLetterTime.keys({ reverse: true, limit: clampLimit(limit, 100) })) {
      const letter = this.tables.deadLetters.get(key[1] as string);
      if (letter) out.push(letter);
    }
    return out;
  }

  getDeadLetter(id: string): StoredDeadLetter | undefined {
    return this.tables.deadLetters.get(id);
  }

  async markReplayed(id: string, time = Date.now()): Promise<void> {
    const letter = this.tables.deadLetters.get(id);
    if (!letter) return;
    await this.tables.deadLetters.put(id, { ...letter, replays: [...(letter.replays ?? []), { time }] });
  }

  subscribe(listener: (records: TelemetryRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  stats(): TelemetryStats {
    const { written, dropped, flushes, writeErrors, lastError } = this.counters;
    return {
      written,
      dropped,
      sampled: this.sampler.skipped,
      sampleRatio: this.sampler.ratio,
      pending: this.buffer.length + this.pendingSamples,
      flushes,
      writeErrors,
      writer: this.target?.kind ?? "starting",
      ...(lastError ? { lastError } : {}),
      ...(this.writerNote ? { writerNote: this.writerNote } : {}),
    };
  }

  get dropped(): number {
    return this.counters.dropped;
  }

  // ── retention and shutdown ─────────────────────────────────────────────

  private retainInBackground(): void {
    if (this.retention || this.closed) return;
    this.retention = this.enforceRetention()
      .catch((error: unknown) => {
        this.counters.lastError = `retention: ${error instanceof Error ? error.message : String(error)}`;
        return 0;
      })
      .finally(() => {
        this.retention = undefined;
      });
  }

  /**
   * Deletes traces (with their spans and logs), logs, metric buckets and dead
   * letters older than `retention_days`, through the writer (it keeps the only
   * cache of summaries). Returns how many traces, logs, buckets and dead letters went.
   */
  async enforceRetention(now = Date.now()): Promise<number> {
    if (!(this.options.retentionDays > 0) || this.closed) return 0;
    const target = this.target ?? (await this.targetReady);
    const removed = await target.removeBefore(now - this.options.retentionDays * DAY_MS);
    this.tables.root.resetReadTxn();
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const timer of this.timers) clearInterval(timer);
    await this.retention;
    await this.drain();
    this.closed = true;
    const target = this.target ?? (await this.targetReady);
    await target.close().catch(() => undefined);
    await this.tables.root.close();
  }
}
