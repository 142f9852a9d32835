/**
 * Traces: a live list (recent first, filters) and, for one trace, a waterfall
 * of its spans as a tree on a shared timeline, span details and the trace's logs.
 */
import { getJson, type LogRecord, type SpanRecord, type TraceDetail, type TraceSummary } from "../api.ts";
import { debounce, empty, fmtAgo, fmtClock, fmtDateTime, fmtMs, h, levelBadge, pretty, replace, statusBadge } from "../dom.ts";
import { onLive } from "../live.ts";
import type { PageContext } from "../page.ts";

const RANGES: [string, number | undefined][] = [
  ["last 15 minutes", 15 * 60_000],
  ["last hour", 3_600_000],
  ["last 24 hours", 86_400_000],
  ["last 7 days", 7 * 86_400_000],
  ["all", undefined],
];

export async function tracesPage(ctx: PageContext): Promise<void> {
  if (ctx.args[0]) return traceDetail(ctx, ctx.args[0]);
  const name = h("input", { type: "search", placeholder: "Name contains…", "aria-label": "Trace name", value: ctx.query.get("name") ?? "", "data-testid": "trace-filter-name" });
  const status = h("select", { "aria-label": "Status" }, h("option", { value: "" }, "any status"), h("option", { value: "ok" }, "ok"), h("option", { value: "error" }, "error"));
  status.value = ctx.query.get("status") ?? "";
  const range = h("select", { "aria-label": "Time range" }, RANGES.map(([label], i) => h("option", { value: String(i) }, label)));
  range.value = "2";
  const live = h("input", { type: "checkbox", checked: true, "aria-label": "Follow new traces" });
  const table = h("div", { class: "table-wrap" });
  const counter = h("span", { class: "count" });

  const load = async () => {
    const window = RANGES[Number(range.value)]![1];
    const traces = await getJson<TraceSummary[]>("/traces", {
      name: name.value.trim() || undefined,
      status: status.value || undefined,
      since: window ? Date.now() - window : undefined,
      limit: 200,
    });
    if (ctx.left) return;
    counter.textContent = `${traces.length}${traces.length === 200 ? "+" : ""}`;
    replace(table, traces.length === 0 ? empty("No traces match. Call an API (the API tester can) and it shows up here live.") : traceTable(traces));
  };
  const reload = debounce(() => void load().catch(() => undefined), 250);
  for (const el of [status, range]) el.addEventListener("change", () => void load());
  name.addEventListener("input", reload);
  ctx.onCleanup(reload.cancel);
  ctx.onCleanup(
    onLive((records) => {
      if (live.checked && records.some((r) => r.type === "span")) reload();
    }),
  );

  replace(
    ctx.main,
    h("div", { class: "page-head" }, h("h2", {}, "Traces ", counter)),
    h("div", { class: "filters" }, name, status, range, h("label", { class: "toggle" }, live, " follow live")),
    table,
  );
  await load();
}

function traceTable(traces: TraceSummary[]): HTMLElement {
  const longest = Math.max(1, ...traces.map((t) => t.durationMs));
  const now = Date.now();
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, h("th", {}, "Started"), h("th", {}, "Trace"), h("th", { class: "num" }, "Spans"), h("th", {}, "Duration"), h("th", {}, "Status"))),
    h(
      "tbody",
      {},
      traces.map((t) =>
        h(
          "tr",
          {
            class: "click",
            "data-testid": "trace-row",
            "data-trace-id": t.traceId,
            "data-name": t.name,
            onclick: () => (location.hash = `#/traces/${t.traceId}`),
          },
          h("td", { class: "nowrap" }, fmtClock(t.startTime), h("div", { class: "dim small" }, fmtAgo(t.startTime, now))),
          h("td", {}, h("span", { class: `kind kind-${t.kind}` }, t.kind), " ", h("a", { href: `#/traces/${t.traceId}` }, t.name), h("div", { class: "dim small mono" }, t.traceId)),
          h("td", { class: "num" }, t.spanCount, t.errorCount ? h("span", { class: "error" }, ` (${t.errorCount} failed)`) : null),
          h("td", { class: "duration" }, h("div", { class: "minibar" }, h("span", { style: `width:${Math.max(2, (t.durationMs / longest) * 100)}%` })), fmtMs(t.durationMs)),
          h("td", {}, statusBadge(t.status)),
        ),
      ),
    ),
  );
}

interface Row {
  span: SpanRecord;
  depth: number;
}

/** Spans as a tree, depth-first, children by start time; orphans (parent elsewhere) are roots. */
export function spanTree(spans: SpanRecord[]): Row[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const rows: Row[] = [];
  const seen = new Set<string>();
  const walk = (s: SpanRecord, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    rows.push({ span: s, depth });
    for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  return rows;
}

async function traceDetail(ctx: PageContext, traceId: string): Promise<void> {
  let selected: string | undefined = ctx.args[1];
  const body = h("div", { class: "trace" });
  replace(ctx.main, h("p", {}, h("a", { href: "#/traces" }, "← All traces")), body);

  let trace: TraceDetail | undefined;
  const load = async () => {
    try {
      trace = await getJson<TraceDetail>(`/traces/${encodeURIComponent(traceId)}`);
    } catch (error) {
      if (!trace && !ctx.left) replace(body, h("div", { class: "error-box" }, error instanceof Error ? error.message : String(error)));
      return;
    }
    if (!ctx.left) render();
  };
  const render = () => {
    const t = trace!;
    const rows = spanTree(t.spans);
    const start = Math.min(...t.spans.map((s) => s.startTime));
    const end = Math.max(...t.spans.map((s) => s.startTime + s.durationMs));
    const total = Math.max(end - start, 0.001);
    selected ??= rows.find((r) => r.span.status === "error")?.span.spanId ?? rows[0]?.span.spanId;
    const current = t.spans.find((s) => s.spanId === selected);
    const ticks = [0, 0.25, 0.5, 0.75, 1];

    replace(
      body,
      h(
        "header",
        { class: "trace-head" },
        h("h2", {}, h("span", { class: `kind kind-${t.summary.kind}` }, t.summary.kind), " ", t.summary.name, " ", statusBadge(t.summary.status)),
        h(
          "div",
          { class: "facts" },
          fact("Started", fmtDateTime(t.summary.startTime)),
          fact("Duration", fmtMs(t.summary.durationMs)),
          fact("Spans", String(t.spans.length)),
          fact("Errors", String(t.summary.errorCount)),
          fact("Trace id", h("code", {}, t.summary.traceId)),
        ),
      ),
      h(
        "div",
        { class: "waterfall", "data-testid": "waterfall" },
        h("div", { class: "wf-axis" }, h("span", {}), h("div", { class: "wf-ticks" }, ticks.map((f) => h("span", { style: `left:${f * 100}%` }, fmtMs(f * total)))), h("span", {})),
        rows.map(({ span, depth }) => {
          const left = ((span.startTime - start) / total) * 100;
          const width = Math.max((span.durationMs / total) * 100, 0.3);
          return h(
            "div",
            {
              class: `wf-row${span.spanId === selected ? " selected" : ""}${span.status === "error" ? " failed" : ""}`,
              role: "button",
              tabindex: 0,
              "data-testid": "waterfall-row",
              "data-kind": span.kind,
              "data-span-name": span.name,
              onclick: () => {
                selected = span.spanId;
                render();
              },
            },
            h("div", { class: "wf-label", style: `padding-left:${8 + depth * 16}px`, title: span.name }, h("span", { class: `kind kind-${span.kind}` }, span.kind), " ", span.name),
            h("div", { class: "wf-track" }, h("div", { class: `wf-bar kind-${span.kind}${span.status === "error" ? " error" : ""}`, style: `left:${Math.min(left, 99.7)}%;width:${Math.min(width, 100 - Math.min(left, 99.7))}%` })),
            h("div", { class: "wf-dur" }, fmtMs(span.durationMs)),
          );
        }),
      ),
      h("div", { class: "trace-bottom" }, current ? spanPanel(current, t.logs, start) : null, logPanel(t.logs, start)),
    );
  };

  const reload = debounce(() => void load(), 300);
  ctx.onCleanup(reload.cancel);
  ctx.onCleanup(
    onLive((records) => {
      if (records.some((r) => (r.type === "span" && r.span.traceId === traceId) || (r.type === "log" && r.log.traceId === traceId))) reload();
    }),
  );
  await load();
}

function fact(label: string, value: Node | string): HTMLElement {
  return h("div", { class: "fact" }, h("span", { class: "dim" }, label), h("span", {}, value));
}

function spanPanel(span: SpanRecord, logs: LogRecord[], traceStart: number): HTMLElement {
  const own = logs.filter((l) => l.spanId === span.spanId);
  const attrs = Object.entries(span.attributes);
  return h(
    "section",
    { class: "card span-detail", "data-testid": "span-detail" },
    h("h3", {}, span.name, " ", statusBadge(span.status)),
    h(
      "table",
      { class: "props" },
      h(
        "tbody",
        {},
        [
          ["Kind", span.kind],
          ["Starts at", `+${fmtMs(span.startTime - traceStart)} (${fmtClock(span.startTime)})`],
          ["Duration", fmtMs(span.durationMs)],
          ["Span id", span.spanId],
          ["Parent", span.parentSpanId ?? "–"],
          ...attrs.map(([k, v]) => [k, String(v)] as [string, string]),
        ].map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", { class: "mono" }, v))),
      ),
    ),
    span.error
      ? h("div", { class: "error-box" }, h("strong", {}, `${span.error.type}: `), span.error.message, span.error.stack ? h("pre", { class: "stack" }, span.error.stack) : null)
      : null,
    own.length ? [h("h4", {}, "Logs from this span"), logList(own, traceStart)] : null,
  );
}

function logPanel(logs: LogRecord[], traceStart: number): HTMLElement {
  return h("section", { class: "card" }, h("h3", {}, "Logs ", h("span", { class: "count" }, logs.length)), logs.length ? logList(logs, traceStart) : empty("No log lines in this trace."));
}

function logList(logs: LogRecord[], traceStart: number): HTMLElement {
  return h(
    "ul",
    { class: "loglines" },
    logs.map((l) =>
      h(
        "li",
        { "data-testid": "trace-log" },
        h("span", { class: "dim mono" }, `+${fmtMs(l.time - traceStart)}`),
        " ",
        levelBadge(l.level),
        " ",
        l.source ? h("span", { class: "source" }, l.source) : null,
        " ",
        h("span", { class: "message" }, l.message),
        l.attributes && Object.keys(l.attributes).length ? h("pre", { class: "attrs" }, pretty(l.attributes)) : null,
      ),
    ),
  );
}
