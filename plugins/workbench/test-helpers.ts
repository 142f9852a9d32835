/** Fakes for the Workbench's unit tests: a schema from .ro text, an engine, a telemetry query. */
import { defaultConfig } from "../../core/config.ts";
import { buildSchema, type Schema } from "../../core/schema.ts";
import type { StoredDeadLetter, TelemetryQuery, TraceDetail, TraceFilter, LogFilter } from "../../core/telemetry-query.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";
import type { TraceContext } from "../../core/tracing.ts";
import { parse } from "../../grammar/parser.ts";
import type { WorkbenchEngine } from "./api.ts";

export const SCHEMA_TEXT = `// Orders
input Address { street: String  zip: String? }
input PlaceOrderInput {
  item: String
  quantity: Int
  gift: Boolean?
  address: Address?
  tags: String[]
}
model Order {
  id String @id
  item String
  createdAt DateTime @default(now)
}
input OrderQuery { verbose: Boolean?  limit: Int? }

api PlaceOrder { method: POST  path: "/orders"  body: PlaceOrderInput  response: Order  triggers: [OrderPlaced] }
api GetOrder { method: GET  path: "/orders/:id"  query: OrderQuery  response: Order }
event OrderPlaced { payload: Order  handler: [reserve_stock]  triggers: [StockReserved] }
event StockReserved { payload: Order  handler: [notify] }
cron Nightly { schedule: "0 0 3 * * *"  triggers: [StockReserved] }
`;

export function schemaFrom(text = SCHEMA_TEXT): Schema {
  const { file, diagnostics } = parse(text, "schema/orders.ro");
  if (diagnostics.some((d) => d.severity === "error")) throw new Error(diagnostics.map((d) => d.message).join("; "));
  return buildSchema([file]).schema;
}

export class FakeEngine implements WorkbenchEngine {
  readonly config = defaultConfig();
  readonly published: { event: string; payload: unknown; parent?: TraceContext }[] = [];
  readonly records: TelemetryRecord[] = [];
  failPublish?: Error;

  constructor(public schema: Schema = schemaFrom()) {}

  async publish(event: string, payload: unknown, parent?: TraceContext): Promise<void> {
    if (this.failPublish) throw this.failPublish;
    this.published.push({ event, payload, parent });
  }

  record(record: TelemetryRecord): void {
    this.records.push(record);
  }

  readonly keptTraces: string[] = [];

  keepTrace(traceId: string): void {
    this.keptTraces.push(traceId);
  }
}

/** An in-memory TelemetryQuery that remembers what it was asked. */
export class FakeQuery implements TelemetryQuery {
  traces: TraceDetail[] = [];
  deadLetters: StoredDeadLetter[] = [];
  readonly calls: { method: string; arg: unknown }[] = [];
  private readonly listeners = new Set<(records: TelemetryRecord[]) => void>();

  listTraces(filter: TraceFilter = {}) {
    this.calls.push({ method: "listTraces", arg: filter });
    return this.traces.map((t) => t.summary);
  }
  getTrace(traceId: string) {
    return this.traces.find((t) => t.summary.traceId === traceId);
  }
  listLogs(filter: LogFilter = {}) {
    this.calls.push({ method: "listLogs", arg: filter });
    return this.traces.flatMap((t) => t.logs);
  }
  metricNames() {
    return ["events_published"];
  }
  metricSeries(query = {}) {
    this.calls.push({ method: "metricSeries", arg: query });
    return [];
  }
  listDeadLetters() {
    return this.deadLetters;
  }
  getDeadLetter(id: string) {
    return this.deadLetters.find((d) => d.id === id);
  }
  async markReplayed(id: string, time = Date.now()) {
    this.getDeadLetter(id)?.replays.push({ time });
  }
  subscribe(listener: (records: TelemetryRecord[]) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
  emit(records: TelemetryRecord[]) {
    for (const l of this.listeners) l(records);
  }
  get subscribers() {
    return this.listeners.size;
  }
  stats() {
    return { written: 1, dropped: 0, sampled: 0, sampleRatio: 1, pending: 0, flushes: 1, writeErrors: 0 };
  }
}
