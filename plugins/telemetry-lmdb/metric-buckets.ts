/**
 * Metrics are stored pre-aggregated: one bucket per (name, labels, 10 s
 * interval) holding count, sum, min, max and, for histograms, counts per fixed
 * boundary so percentiles can be estimated later. A busy server records a few
 * metrics per request; this keeps the store's size proportional to time, not
 * to traffic.
 */
import type { MetricRecord } from "../../core/telemetry.ts";
import type { MetricPoint } from "../../core/telemetry-query.ts";

export const RESOLUTION_MS = 10_000;

/** Upper bounds (inclusive) of histogram buckets, in the metric's unit (ms for durations). */
export const BOUNDS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, Infinity];

export interface MetricBucket {
  name: string;
  kind: "counter" | "histogram";
  labels: Record<string, string>;
  time: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Counts per BOUNDS entry; histograms only. */
  hist?: number[];
}

/** Stable text for a label set, so {a,b} and {b,a} are one series. Called per metric sample: no allocation for small sets. */
export function labelKey(labels: Record<string, string> | undefined): string {
  if (!labels) return "";
  let first: string | undefined;
  let second: string | undefined;
  let count = 0;
  for (const k in labels) {
    if (count === 0) first = k;
    else if (count === 1) second = k;
    count++;
  }
  if (count === 0) return "";
  if (count === 1) return `${first}=${labels[first!]}`;
  if (count === 2) {
    const [a, b] = first! < second! ? [first!, second!] : [second!, first!];
    return `${a}=${labels[a]},${b}=${labels[b]}`;
  }
  const keys = Object.keys(labels).sort();
  let out = "";
  for (const k of keys) out += `${out ? "," : ""}${k}=${labels[k]}`;
  return out;
}

export function bucketStart(time: number, step = RESOLUTION_MS): number {
  return Math.floor(time / step) * step;
}

export function newBucket(metric: MetricRecord, time: number): MetricBucket {
  return {
    name: metric.name,
    kind: metric.kind,
    labels: metric.labels ?? {},
    time,
    count: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
    hist: metric.kind === "histogram" ? new Array<number>(BOUNDS.length).fill(0) : undefined,
  };
}

/** Adds one metric sample to the bucket of its series and interval (created on first use); returns that bucket. */
export function aggregateInto(buckets: Map<string, MetricBucket>, metric: MetricRecord): MetricBucket {
  const time = bucketStart(metric.time);
  const id = `${metric.name}\u0000${time}\u0000${labelKey(metric.labels)}`;
  let bucket = buckets.get(id);
  if (!bucket) buckets.set(id, (bucket = newBucket(metric, time)));
  addSamples(bucket, metric);
  return bucket;
}

/** Label objects remembered between two takes; beyond this, samples take the keyed path. */
const MAX_REMEMBERED_LABELS = 10_000;

/**
 * Sums samples into buckets between flushes. The engine reuses one labels
 * object per series, so a sample whose labels object was seen since the last
 * take finds its bucket by identity, without building the series key (which
 * dominated the cost of recording a metric).
 */
export class MetricAggregator {
  private buckets = new Map<string, MetricBucket>();
  private byLabels = new Map<object, Map<string, MetricBucket>>();

  get size(): number {
    return this.buckets.size;
  }

  add(metric: MetricRecord): void {
    const labels = metric.labels;
    if (labels !== undefined) {
      const bucket = this.byLabels.get(labels)?.get(metric.name);
      if (bucket !== undefined && metric.time >= bucket.time && metric.time < bucket.time + RESOLUTION_MS) {
        addSamples(bucket, metric);
        return;
      }
    }
    const bucket = aggregateInto(this.buckets, metric);
    if (labels === undefined) return;
    let byName = this.byLabels.get(labels);
    if (byName === undefined) {
      if (this.byLabels.size >= MAX_REMEMBERED_LABELS) return;
      this.byLabels.set(labels, (byName = new Map()));
    }
    byName.set(metric.name, bucket);
  }

  /** The buckets summed so far; the aggregator starts empty again. */
  take(): MetricBucket[] {
    const out = [...this.buckets.values()];
    this.buckets = new Map();
    this.byLabels = new Map();
    return out;
  }
}

/** A record's observations: its `samples` when the engine batched them, else its `value`. */
function addSamples(bucket: MetricBucket, metric: MetricRecord): void {
  const samples = metric.samples;
  if (samples === undefined) addSample(bucket, metric.value);
  else for (const value of samples) addSample(bucket, value);
}

export function addSample(bucket: MetricBucket, value: number): void {
  bucket.count++;
  bucket.sum += value;
  if (value < bucket.min) bucket.min = value;
  if (value > bucket.max) bucket.max = value;
  if (bucket.hist) {
    let i = 0;
    while (value > BOUNDS[i]!) i++;
    bucket.hist[i]!++;
  }
}

/** Adds `from` into `into` (same series). */
export function mergeBucket(into: MetricBucket, from: MetricBucket): void {
  into.count += from.count;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  if (from.hist) {
    into.hist ??= new Array<number>(BOUNDS.length).fill(0);
    for (let i = 0; i < BOUNDS.length; i++) into.hist[i]! += from.hist[i] ?? 0;
  }
}

/**
 * The value below which `q` of the samples fall, interpolated inside the
 * bucket that holds it and clamped to the observed min and max.
 */
export function percentile(bucket: Pick<MetricBucket, "hist" | "count" | "min" | "max">, q: number): number | undefined {
  if (!bucket.hist || bucket.count === 0) return undefined;
  const rank = q * bucket.count;
  let seen = 0;
  for (let i = 0; i < BOUNDS.length; i++) {
    const n = bucket.hist[i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? bucket.min : Math.max(BOUNDS[i - 1]!, bucket.min);
      const upper = Math.min(BOUNDS[i]!, bucket.max);
      const estimate = lower + ((upper - lower) * Math.max(0, rank - seen)) / n;
      return Math.min(bucket.max, Math.max(bucket.min, estimate));
    }
    seen += n;
  }
  return bucket.max;
}

export function toPoint(bucket: MetricBucket): MetricPoint {
  const point: MetricPoint = { time: bucket.time, count: bucket.count, sum: bucket.sum, min: bucket.min, max: bucket.max };
  if (bucket.hist) {
    point.p50 = percentile(bucket, 0.5);
    point.p95 = percentile(bucket, 0.95);
    point.p99 = percentile(bucket, 0.99);
  }
  return point;
}
