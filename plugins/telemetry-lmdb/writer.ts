/**
 * Writes batches of telemetry records into the tables (see tables.ts). All of
 * a batch's writes are queued with lmdb's asynchronous `put`, which commits
 * them in one transaction on lmdb's own thread. Batches must not overlap: the
 * read-modify-write of trace summaries and metric buckets has to see the
 * previous batch committed (the store, and the worker, write one at a time).
 *
 * Runs inside the writer worker (writer-worker.ts), or on the main thread when
 * no worker could start.
 */
import type { TraceSummary } from "../../core/telemetry-query.ts";
import type { DeadLetterRecord, SpanRecord, TelemetryRecord } from "../../core/telemetry.ts";
import type { Key } from "./json-table.ts";
import { aggregateInto, bucketStart, labelKey, mergeBucket, type MetricBucket } from "./metric-buckets.ts";
import { HIGH, type Tables, type TraceChunk } from "./tables.ts";

/** Removals per retention transaction: keeps each commit short. */
const RETENTION_CHUNK = 5_000;

/** One flush: spans, logs and dead letters as recorded; metrics already summed into buckets. */
export interface WriteBatch {
  records: TelemetryRecord[];
  buckets: MetricBucket[];
}

interface TouchedTrace {
  summary: TraceSummary;
  previous?: { startTime: number; status: TraceSummary["status"] };
}

export class LmdbWriter {
  private lastWrite: Promise<unknown> | undefined;
  /** Recently touched trace summaries (LRU by insertion order), so most spans need no read. */
  private readonly summaries = new Map<string, TraceSummary>();
  private readonly knownMetrics = new Set<string>();
  /** Distinguishes this writer's keys from a previous run's written in the same millisecond. */
  private readonly instance = Math.random().toString(36).slice(2, 8);
  private seq = 0;

  constructor(
    readonly tables: Tables,
    private readonly maxCachedTraces: number,
  ) {}

  /** Resolves once the batch is committed; rejects when lmdb refuses it. */
  async write(batch: WriteBatch): Promise<void> {
    this.lastWrite = undefined;
    try {
      this.stage(batch);
      await (this.lastWrite ?? this.tables.root.committed);
    } catch (error) {
      // The cached summaries may describe writes that never committed.
      this.summaries.clear();
      throw error;
    }
  }

  private track(write: Promise<boolean>): void {
    this.lastWrite = write;
  }

  private stage(batch: WriteBatch): void {
    const t = this.tables;
    const touched = new Map<string, TouchedTrace>();
    const chunks = new Map<string, TraceChunk>();
    const chunkOf = (traceId: string) => {
      let chunk = chunks.get(traceId);
      if (!chunk) chunks.set(traceId, (chunk = { s: [], l: [] }));
      return chunk;
    };
    const buckets = new Map<string, MetricBucket>();
    for (const record of batch.records) {
      switch (record.type) {
        case "span":
          chunkOf(record.span.traceId).s.push(record.span);
          this.mergeSpan(record.span, touched);
          break;
        case "log": {
          const key: Key = [record.log.time, this.instance, ++this.seq];
          this.track(t.logs.put(key, record.log));
          if (record.log.traceId) chunkOf(record.log.traceId).l.push(key);
          break;
        }
        case "metric":
          aggregateInto(buckets, record.metric);
          break;
        case "dead-letter":
          this.stageDeadLetter(record.deadLetter);
          break;
      }
    }
    for (const [traceId, chunk] of chunks) this.track(t.chunks.put([traceId, this.instance, ++this.seq], chunk));
    for (const entry of touched.values()) this.stageSummary(entry);
    for (const bucket of buckets.values()) this.stageBucket(bucket);
    for (const bucket of batch.buckets) this.stageBucket(bucket);
  }

  private stageDeadLetter(letter: DeadLetterRecord): void {
    const t = this.tables;
    const previous = t.deadLetters.get(letter.id);
    if (previous && previous.time !== letter.time) this.track(t.deadLetterTime.remove([previous.time, letter.id]));
    this.track(t.deadLetters.put(letter.id, { ...letter, replays: previous?.replays ?? [] }));
    this.track(t.deadLetterTime.put([letter.time, letter.id]));
  }

  private mergeSpan(span: SpanRecord, touched: Map<string, TouchedTrace>): void {
    let entry = touched.get(span.traceId);
    if (!entry) {
      const existing = this.summaries.get(span.traceId) ?? this.tables.traces.get(span.traceId);
      entry = existing
        ? { summary: { ...existing }, previous: { startTime: existing.startTime, status: existing.status } }
        : {
            summary: {
              traceId: span.traceId,
              name: span.name,
              kind: span.kind,
              startTime: span.startTime,
              durationMs: 0,
              status: "ok",
              spanCount: 0,
              errorCount: 0,
            },
          };
      touched.set(span.traceId, entry);
    }
    const s = entry.summary;
    const end = Math.max(s.startTime + s.durationMs, span.startTime + span.durationMs);
    // The root (no parent) names the trace; until it arrives, the earliest span does.
    if (!span.parentSpanId) {
      s.name = span.name;
      s.kind = span.kind;
      s.rootSpanId = span.spanId;
    } else if (!s.rootSpanId && span.startTime <= s.startTime) {
      s.name = span.name;
      s.kind = span.kind;
    }
    s.startTime = Math.min(s.startTime, span.startTime);
    s.durationMs = end - s.startTime;
    s.spanCount++;
    if (span.status === "error") {
      s.errorCount++;
      s.status = "error";
    }
  }

  private stageSummary({ summary: s, previous }: TouchedTrace): void {
    const t = this.tables;
    this.track(t.traces.put(s.traceId, s));
    const moved = !previous || previous.startTime !== s.startTime;
    if (previous && moved) this.track(t.traceTime.remove([previous.startTime, s.traceId]));
    if (moved) this.track(t.traceTime.put([s.startTime, s.traceId]));
    if (!previous || moved || previous.status !== s.status) {
      if (previous) this.track(t.traceStatus.remove([previous.status, previous.startTime, s.traceId]));
      this.track(t.traceStatus.put([s.status, s.startTime, s.traceId]));
    }
    this.summaries.delete(s.traceId);
    this.summaries.set(s.traceId, s);
    if (this.summaries.size > this.maxCachedTraces) this.summaries.delete(this.summaries.keys().next().value!);
  }

  private stageBucket(bucket: MetricBucket): void {
    const t = this.tables;
    const key: Key = [bucket.name, bucket.time, labelKey(bucket.labels)];
    const existing = t.metrics.get(key);
    if (existing) mergeBucket(existing, bucket);
    this.track(t.metrics.put(key, existing ?? bucket));
    if (!this.knownMetrics.has(bucket.name)) {
      this.knownMetrics.add(bucket.name);
      this.track(t.metricKinds.put(bucket.name, bucket.kind));
    }
  }

  /**
   * Deletes traces (with their chunks), logs, metric buckets and dead letters
   * from before `cutoff`, in chunks of short transactions. Returns how many
   * traces, logs, buckets and dead letters went.
   */
  async removeBefore(cutoff: number): Promise<number> {
    const t = this.tables;
    let removed = 0;
    const pass = async (collect: () => number): Promise<void> => {
      for (;;) {
        this.lastWrite = undefined;
        const n = collect();
        removed += n;
        if (this.lastWrite) await this.lastWrite;
        if (n < RETENTION_CHUNK) return;
      }
    };
    await pass(() => {
      let n = 0;
      for (const key of t.traceTime.keys({ end: [cutoff], limit: RETENTION_CHUNK })) {
        const traceId = key[1] as string;
        const summary = t.traces.get(traceId);
        for (const chunkKey of t.chunks.keys({ start: [traceId], end: [traceId, HIGH] })) this.track(t.chunks.remove(chunkKey));
        if (summary) this.track(t.traceStatus.remove([summary.status, summary.startTime, traceId]));
        this.track(t.traces.remove(traceId));
        this.track(t.traceTime.remove(key));
        this.summaries.delete(traceId);
        n++;
      }
      return n;
    });
    await pass(() => {
      let n = 0;
      for (const key of t.logs.keys({ end: [cutoff], limit: RETENTION_CHUNK })) {
        this.track(t.logs.remove(key));
        n++;
      }
      return n;
    });
    for (const name of Array.from(t.metricKinds.keys({}))) {
      await pass(() => {
        let n = 0;
        for (const key of t.metrics.keys({ start: [name], end: [name, bucketStart(cutoff)], limit: RETENTION_CHUNK })) {
          this.track(t.metrics.remove(key));
          n++;
        }
        return n;
      });
    }
    await pass(() => {
      let n = 0;
      for (const key of t.deadLetterTime.keys({ end: [cutoff], limit: RETENTION_CHUNK })) {
        this.track(t.deadLetters.remove(key[1] as string));
        this.track(t.deadLetterTime.remove(key));
        n++;
      }
      return n;
    });
    return removed;
  }
}
