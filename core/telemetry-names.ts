/**
 * What the engine records for each handler and each event — span names, span
 * attributes, metric labels, counter slots — built once and shared by every
 * span and metric of it: fewer allocations per call.
 * Shared objects are frozen: spans copy them before adding their own attributes.
 */
import type { CounterSlot, HistogramSlot } from "./metric-batch.ts";
import type { HandlerRef } from "./runtime.ts";
import type { AttributeValue } from "./telemetry.ts";

type Attributes = Readonly<Record<string, AttributeValue>>;
type Labels = Readonly<Record<string, string>>;

export interface HandlerNames {
  span: string;
  attributes: Attributes;
  labels: Labels;
  /** `handler_duration_ms` of this handler (core/metric-batch.ts). */
  duration: HistogramSlot;
}

export interface EventNames {
  publishSpan: string;
  consumeSpan: string;
  /** `event.name`, for publish spans. */
  attributes: Attributes;
  /** `event.name` and `message.attempt: 1`, for first deliveries (most of them). */
  firstDelivery: Attributes;
  labels: Labels;
  /** Counter metrics of this event (core/metric-batch.ts). */
  published: CounterSlot;
  consumed: CounterSlot;
  failed: CounterSlot;
}

export class TelemetryNames {
  private readonly handlers = new Map<string, HandlerNames>();
  private readonly events = new Map<string, EventNames>();

  /* The last answer of each lookup: an API call or a delivery asks for the same names several times in a row. */
  private lastHandler?: HandlerNames;
  private lastEventName?: string;
  private lastEvent?: EventNames;

  handler(ref: HandlerRef): HandlerNames {
    const last = this.lastHandler;
    if (last !== undefined && last.labels.handler === ref.name && last.labels.kind === ref.kind) return last;
    // Keyed by name: names are unique within a kind, and kinds rarely share one (then it is rebuilt).
    let names = this.handlers.get(ref.name);
    if (names === undefined || names.labels.kind !== ref.kind) {
      const labels = Object.freeze({ handler: ref.name, kind: ref.kind });
      names = {
        span: `${ref.kind} ${ref.name}`,
        attributes: Object.freeze({ "handler.kind": ref.kind, "handler.name": ref.name }),
        labels,
        duration: { name: "handler_duration_ms", labels, values: [] },
      };
      this.handlers.set(ref.name, names);
    }
    return (this.lastHandler = names);
  }

  event(name: string): EventNames {
    if (name === this.lastEventName) return this.lastEvent!;
    let names = this.events.get(name);
    if (names === undefined) {
      const labels = Object.freeze({ event: name });
      names = {
        publishSpan: `publish ${name}`,
        consumeSpan: `event ${name}`,
        attributes: Object.freeze({ "event.name": name }),
        firstDelivery: Object.freeze({ "event.name": name, "message.attempt": 1 }),
        labels,
        published: { name: "events_published", labels, n: 0 },
        consumed: { name: "events_consumed", labels, n: 0 },
        failed: { name: "events_failed", labels, n: 0 },
      };
      this.events.set(name, names);
    }
    this.lastEventName = name;
    return (this.lastEvent = names);
  }
}
