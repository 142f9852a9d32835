/**
 * How long and how large the adapter lets its JetStream streams grow: the `[adapter]` keys
 * `max_age_hours`, `dlq_max_age_hours` and `max_bytes` checked and turned into the three
 * stream settings the adapter owns (max_age, max_bytes, duplicate_window). Every other stream
 * setting belongs to whoever made the stream.
 */
import { AdapterError } from "../../core/adapter.ts";
import { nanos, type StreamConfig } from "nats";

/** The stream settings the adapter sets on create and brings up to date on an existing stream. */
export type StreamLimits = Pick<StreamConfig, "max_age" | "max_bytes" | "duplicate_window">;

export interface RetentionOptions {
  /** Oldest message an event stream keeps, in hours (fractions allowed); 0 = unlimited. Default 168. */
  maxAgeHours?: number;
  /** The same for ROHAS_DLQ. Default 720. */
  dlqMaxAgeHours?: number;
  /** Largest size of each stream in bytes, the oldest messages dropped beyond it; 0 = unlimited. Default 0. */
  maxBytes?: number;
}

/** 7 days: Kafka's default retention, long enough to outlast a consumer down over a weekend. */
const DEFAULT_MAX_AGE_HOURS = 168;
/** 30 days: dead letters wait for an operator, who may look days later. */
const DEFAULT_DLQ_MAX_AGE_HOURS = 720;
/** JetStream's duplicate window when none is given; it must not exceed max_age. */
const DEFAULT_DUPLICATE_WINDOW = nanos(2 * 60_000);
const NANOS_PER_HOUR = 3_600 * 1e9;
/** JetStream refuses a max_age under 100 ms ("max age needs to be >= 100ms"). */
const MIN_AGE_HOURS = 0.1 / 3_600;
/** JetStream keeps durations as int64 nanoseconds: 2^63 ns is about 292 years. */
const MAX_AGE_HOURS = 2_562_047;

/** The limits of the event streams and of ROHAS_DLQ; a bad value is a start-up error naming its key. */
export function retentionLimits(options: RetentionOptions): { events: StreamLimits; dlq: StreamLimits } {
  const maxBytes = bytesSetting("max_bytes", options.maxBytes);
  return {
    events: limits(ageSetting("max_age_hours", options.maxAgeHours, DEFAULT_MAX_AGE_HOURS), maxBytes),
    dlq: limits(ageSetting("dlq_max_age_hours", options.dlqMaxAgeHours, DEFAULT_DLQ_MAX_AGE_HOURS), maxBytes),
  };
}

function limits(maxAge: number, maxBytes: number): StreamLimits {
  // Unlimited age keeps JetStream's default window; a shorter age caps it, or the stream is refused.
  const window = maxAge === 0 ? DEFAULT_DUPLICATE_WINDOW : Math.min(DEFAULT_DUPLICATE_WINDOW, maxAge);
  return { max_age: maxAge, max_bytes: maxBytes, duplicate_window: window };
}

/**
 * Whether a stream's limits differ from the wanted ones. The duplicate window alone is not a
 * reason to update: the adapter sends no message ids, so an operator's window is harmless.
 */
export function limitsDiffer(config: Partial<StreamConfig>, wanted: StreamLimits): boolean {
  return (config.max_age ?? 0) !== wanted.max_age || (config.max_bytes ?? -1) !== wanted.max_bytes;
}

/** "max_age 168 h, max_bytes unlimited", for warnings an operator reads. */
export function describeLimits(config: Partial<StreamConfig>): string {
  const age = config.max_age ? `${+(config.max_age / NANOS_PER_HOUR).toPrecision(6)} h` : "unlimited";
  const bytes = config.max_bytes === undefined || config.max_bytes < 0 ? "unlimited" : `${config.max_bytes} bytes`;
  return `max_age ${age}, max_bytes ${bytes}`;
}

/** Hours as JetStream's nanoseconds (whole: the server rejects a fraction as invalid JSON). */
function ageSetting(key: string, value: unknown, fallback: number): number {
  const hours = value === undefined ? fallback : value;
  if (typeof hours !== "number" || !Number.isFinite(hours) || hours < 0) {
    throw configError(key, `must be a number of hours, 0 (unlimited) or more, such as 168 or 0.5`, value);
  }
  if (hours > 0 && hours < MIN_AGE_HOURS) {
    throw configError(key, `must be 0 (unlimited) or at least 100 ms (0.0000278 hours), JetStream's shortest max_age`, value);
  }
  if (hours > MAX_AGE_HOURS) {
    throw configError(key, `must be at most ${MAX_AGE_HOURS} hours (JetStream counts nanoseconds in 64 bits)`, value);
  }
  return Math.round(hours * NANOS_PER_HOUR);
}

/** Bytes as JetStream's max_bytes, where unlimited is -1. */
function bytesSetting(key: string, value: unknown): number {
  const bytes = value === undefined ? 0 : value;
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw configError(key, "must be a whole number of bytes, 0 (unlimited) or more", value);
  }
  return bytes === 0 ? -1 : bytes;
}

function configError(key: string, rule: string, value: unknown): AdapterError {
  return new AdapterError("adapter/config", `[adapter] ${key} for nats ${rule}, not ${show(value)}`);
}

/** A value as written in TOML: strings quoted, nan and inf as such. */
const show = (value: unknown): string => (typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value)));
