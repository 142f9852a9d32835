/**
 * Telemetry on LMDB: spans, logs, metrics and dead letters are buffered in
 * memory and written in one transaction per flush, off the request path. The
 * buffer is bounded (`max_cache_size`): when it is full, or the disk fails,
 * records are dropped and counted — telemetry never fails or stalls a request.
 *
 * Keys sort by time so listing recent items is a reverse range scan:
 *   t/<start>/<traceId>  trace summary     s/<traceId>/<spanId>  span
 *   l/<time>/<seq>       log               m/<name>/<time>/<seq> metric
 *   d/<time>/<id>        dead letter       D/<id> → d key
 */
import { open, type RootDatabase } from "lmdb";
import type { LogFilter, TelemetryQuery, TraceFilter, TraceSummary } from "../../core/telemetry-query.ts";
import type { DeadLetterRecord, LogRecord, MetricRecord, SpanRecord, TelemetryRecord } from "../../core/telemetry.ts";

export interface StoreOptions {
  path: string;
  maxCacheSize: number;
  retentionDays: number;
  flushIntervalMs?: number;
  enableTraces?: boolean;
  enableLogs?: boolean;
  enableMetrics?: boolean;
}

const pad = (n: number) => Math.floor(n).toString().padStart(15, "0");
const DAY_MS = 86_400_000;

export class TelemetryStore implements TelemetryQuery {
  private readonly db: RootDatabase;
  private buffer: TelemetryRecord[] = [];
  private readonly listeners = new Set<(record: TelemetryRecord) => void>();
  private timer: ReturnType<typeof setInterval>;
  private retentionTimer: ReturnType<typeof setInterval>;
  private seq = 0;
  private flushing: Promise<void> | undefined;
  dropped = 0;

  constructor(private readonly options: StoreOptions) {
    this.db = open({ path: options.path, compression: false });
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.retentionTimer = setInterval(() => void this.enforceRetention(), 60_000);
    for (const t of [this.timer, this.retentionTimer]) (t as { unref?: () => void }).unref?.();
  }

  /** The `record` hook: O(1), never throws, never waits. */
  record(record: TelemetryRecord): void {
    if (!this.wanted(record)) return;
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // a broken live listener must not affect recording
      }
    }
    if (this.buffer.length >= this.options.maxCacheSize) {
      this.dropped++;
      return;
    }
    this.buffer.push(record);
  }

  private wanted(record: TelemetryRecord): boolean {
    const o = this.options;
    if (record.type === "span") return o.enableTraces !== false;
    if (record.type === "log") return o.enableLogs !== false;
    if (record.type === "metric") return o.enableMetrics !== false;
    return true;
  }

  flush(): Promise<void> {
    if (this.flushing || this.buffer.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    const flushing: Promise<void> = this.write(batch)
      .then(
        () => undefined,
        () => {
          this.dropped += batch.length;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    this.flushing = flushing;
    return flushing;
  }

  private write(batch: TelemetryRecord[]): Promise<unknown> {
    return this.db.transaction(() => {
      for (const record of batch) {
        switch (record.type) {
          case "span":
            this.writeSpan(record.span);
            break;
          case "log":
            this.db.put(`l/${pad(record.log.time)}/${++this.seq}`, record.log);
            break;
          case "metric":
            this.db.put(`m/${record.metric.name}/${pad(record.metric.time)}/${++this.seq}`, record.metric);
            break;
          case "dead-letter": {
            const key = `d/${pad(record.deadLetter.time)}/${record.deadLetter.id}`;
            this.db.put(key, record.deadLetter);
            this.db.put(`D/${record.deadLetter.id}`, key);
            break;
          }
        }
      }
    });
  }

  private writeSpan(span: SpanRecord): void {
    this.db.put(`s/${span.traceId}/${span.spanId}`, span);
    const indexKey = this.db.get(`T/${span.traceId}`) as string | undefined;
    const existing = indexKey ? (this.db.get(indexKey) as TraceSummary | undefined) : undefined;
    const end = Math.max(span.startTime + span.durationMs, existing ? existing.startTime + existing.durationMs : 0);
    const root = !existing || span.startTime < existing.startTime || !span.parentSpanId;
    const summary: TraceSummary = {
      traceId: span.traceId,
      name: root && !span.parentSpanId ? span.name : (existing?.name ?? span.name),
      startTime: Math.min(span.startTime, existing?.startTime ?? Infinity),
      durationMs: 0,
      status: span.status === "error" || existing?.status === "error" ? "error" : "ok",
      spanCount: (existing?.spanCount ?? 0) + 1,
    };
    summary.durationMs = end - summary.startTime;
    const key = `t/${pad(summary.startTime)}/${span.traceId}`;
    if (indexKey && indexKey !== key) this.db.remove(indexKey);
    this.db.put(key, summary);
    this.db.put(`T/${span.traceId}`, key);
  }

  listTraces(filter: TraceFilter = {}): TraceSummary[] {
    const out: TraceSummary[] = [];
    const limit = filter.limit ?? 100;
    const start = `t/${pad(filter.until ?? 9e14)}~`;
    const end = `t/${pad(filter.since ?? 0)}`;
    for (const { value } of this.db.getRange({ start, end, reverse: true })) {
      const t = value as TraceSummary;
      if (filter.status && t.status !== filter.status) continue;
      if (filter.name && !t.name.toLowerCase().includes(filter.name.toLowerCase())) continue;
      out.push(t);
      if (out.length >= limit) break;
    }
    return out;
  }

  getTrace(traceId: string): { spans: SpanRecord[]; logs: LogRecord[] } | undefined {
    const spans = [...this.db.getRange({ start: `s/${traceId}/`, end: `s/${traceId}/~` })].map((e) => e.value as SpanRecord);
    if (spans.length === 0) return undefined;
    spans.sort((a, b) => a.startTime - b.startTime);
    const from = spans[0]!.startTime - 1000;
    const to = Math.max(...spans.map((s) => s.startTime + s.durationMs)) + 1000;
    const logs = this.listLogs({ traceId, limit: 1000 }).filter((l) => l.time >= from && l.time <= to).reverse();
    return { spans, logs };
  }

  listLogs(filter: LogFilter = {}): LogRecord[] {
    const out: LogRecord[] = [];
    const limit = filter.limit ?? 200;
    const text = filter.text?.toLowerCase();
    for (const { value } of this.db.getRange({ start: "l/~", end: "l/", reverse: true })) {
      const log = value as LogRecord;
      if (filter.level && log.level !== filter.level) continue;
      if (filter.traceId && log.traceId !== filter.traceId) continue;
      if (text && !log.message.toLowerCase().includes(text)) continue;
      out.push(log);
      if (out.length >= limit) break;
    }
    return out;
  }

  metrics(name?: string, since = 0): MetricRecord[] {
    const prefix = name ? `m/${name}/` : "m/";
    const out: MetricRecord[] = [];
    for (const { value } of this.db.getRange({ start: prefix, end: `${prefix}~` })) {
      const m = value as MetricRecord;
      if (m.time >= since) out.push(m);
    }
    return out;
  }

  listDeadLetters(limit = 100): DeadLetterRecord[] {
    const out: DeadLetterRecord[] = [];
    for (const { value } of this.db.getRange({ start: "d/~", end: "d/", reverse: true })) {
      out.push(value as DeadLetterRecord);
      if (out.length >= limit) break;
    }
    return out;
  }

  getDeadLetter(id: string): DeadLetterRecord | undefined {
    const key = this.db.get(`D/${id}`) as string | undefined;
    return key ? (this.db.get(key) as DeadLetterRecord | undefined) : undefined;
  }

  subscribe(listener: (record: TelemetryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deletes traces, spans, logs, metrics and dead letters older than `retention_days`. */
  async enforceRetention(now = Date.now()): Promise<number> {
    if (!(this.options.retentionDays > 0)) return 0;
    const cutoff = pad(now - this.options.retentionDays * DAY_MS);
    let removed = 0;
    await this.db.transaction(() => {
      for (const { key, value } of this.db.getRange({ start: "t/", end: `t/${cutoff}` })) {
        const t = value as TraceSummary;
        for (const span of this.db.getRange({ start: `s/${t.traceId}/`, end: `s/${t.traceId}/~` })) this.db.remove(span.key);
        this.db.remove(`T/${t.traceId}`);
        this.db.remove(key);
        removed++;
      }
      for (const { key } of this.db.getRange({ start: "l/", end: `l/${cutoff}` })) {
        this.db.remove(key);
        removed++;
      }
      for (const { key, value } of this.db.getRange({ start: "d/", end: `d/${cutoff}` })) {
        this.db.remove(`D/${(value as DeadLetterRecord).id}`);
        this.db.remove(key);
        removed++;
      }
      for (const { key, value } of this.db.getRange({ start: "m/", end: "m/~" })) {
        if ((value as MetricRecord).time < now - this.options.retentionDays * DAY_MS) {
          this.db.remove(key);
          removed++;
        }
      }
    });
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.retentionTimer);
    await this.flush();
    await this.db.close();
  }
}
