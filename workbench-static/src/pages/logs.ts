/** Logs: newest first, filtered by minimum level, text and trace; new lines stream in live. */
import { getJson, type LogRecord } from "../api.ts";
import { debounce, empty, fmtDateTime, h, levelBadge, pretty, replace } from "../dom.ts";
import { onLive } from "../live.ts";
import type { PageContext } from "../page.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;
const RANK: Record<string, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const MAX_ROWS = 500;

export async function logsPage(ctx: PageContext): Promise<void> {
  const level = h("select", { "aria-label": "Minimum level", "data-testid": "log-level" }, LEVELS.map((l) => h("option", { value: l }, `${l} and above`)));
  level.value = ctx.query.get("level") ?? "debug";
  const text = h("input", { type: "search", placeholder: "Text in message or source…", "aria-label": "Text", value: ctx.query.get("text") ?? "", "data-testid": "log-text" });
  const trace = h("input", { type: "search", placeholder: "Trace id", "aria-label": "Trace id", value: ctx.query.get("trace") ?? "", class: "mono" });
  const live = h("input", { type: "checkbox", checked: true, "aria-label": "Follow new lines" });
  const tbody = h("tbody", {});
  const holder = h("div", { class: "table-wrap" });
  let rows: LogRecord[] = [];

  const matches = (l: LogRecord) => {
    const q = text.value.trim().toLowerCase();
    return (
      RANK[l.level]! >= RANK[level.value]! &&
      (!trace.value.trim() || l.traceId === trace.value.trim()) &&
      (!q || l.message.toLowerCase().includes(q) || (l.source ?? "").toLowerCase().includes(q))
    );
  };
  const render = () => {
    if (rows.length === 0) {
      replace(holder, empty("No log lines match. Lines written through state.logger appear here as they happen."));
      return;
    }
    replace(tbody, rows.map(logRow));
    replace(
      holder,
      h("table", { class: "list logs" }, h("thead", {}, h("tr", {}, h("th", {}, "Time"), h("th", {}, "Level"), h("th", {}, "Source"), h("th", {}, "Message"), h("th", {}, "Trace"))), tbody),
    );
  };
  const load = async () => {
    const result = await getJson<LogRecord[]>("/logs", { level: level.value, text: text.value.trim() || undefined, trace: trace.value.trim() || undefined, limit: 300 });
    if (ctx.left) return;
    rows = result;
    render();
  };
  const reload = debounce(() => void load().catch(() => undefined), 250);
  level.addEventListener("change", () => void load());
  text.addEventListener("input", reload);
  trace.addEventListener("input", reload);
  ctx.onCleanup(reload.cancel);
  ctx.onCleanup(
    onLive((records) => {
      if (!live.checked) return;
      const fresh = records.flatMap((r) => (r.type === "log" && matches(r.log) ? [r.log] : []));
      if (fresh.length === 0) return;
      rows = [...fresh.sort((a, b) => b.time - a.time), ...rows].slice(0, MAX_ROWS);
      render();
    }),
  );

  replace(ctx.main, h("div", { class: "page-head" }, h("h2", {}, "Logs")), h("div", { class: "filters" }, level, text, trace, h("label", { class: "toggle" }, live, " follow live")), holder);
  await load();
}

function logRow(l: LogRecord): HTMLElement {
  const attrs = l.attributes && Object.keys(l.attributes).length ? l.attributes : undefined;
  return h(
    "tr",
    { class: `level-row-${l.level}`, "data-testid": "log-row", "data-level": l.level },
    h("td", { class: "nowrap mono small" }, fmtDateTime(l.time)),
    h("td", {}, levelBadge(l.level)),
    h("td", { class: "source" }, l.source ?? ""),
    h("td", { class: "message" }, l.message, attrs ? h("details", {}, h("summary", {}, "attributes"), h("pre", {}, pretty(attrs))) : null),
    h("td", {}, l.traceId ? h("a", { href: `#/traces/${l.traceId}`, class: "mono small", title: l.traceId }, `${l.traceId.slice(0, 8)}…`) : ""),
  );
}
