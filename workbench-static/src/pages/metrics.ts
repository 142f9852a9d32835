/**
 * Metrics: one chart per metric over the chosen range, refreshed every few
 * seconds. Counters show their total per interval; histograms their p50/p95/p99
 * (from the store's fixed buckets), with a table per label set.
 */
import { getJson, type MetricSeries } from "../api.ts";
import { type ChartSeries, lineChart } from "../chart.ts";
import { empty, fmtMs, fmtNumber, h, replace } from "../dom.ts";
import type { PageContext } from "../page.ts";

const RANGES: [string, number][] = [
  ["last 15 minutes", 15 * 60_000],
  ["last hour", 3_600_000],
  ["last 6 hours", 6 * 3_600_000],
  ["last 24 hours", 86_400_000],
];
const MAX_LINES = 6;

export async function metricsPage(ctx: PageContext): Promise<void> {
  const range = h("select", { "aria-label": "Time range" }, RANGES.map(([label], i) => h("option", { value: String(i) }, label)));
  range.value = "0";
  const grid = h("div", { class: "grid" });
  const load = async () => {
    const until = Date.now();
    const since = until - RANGES[Number(range.value)]![1];
    const { series } = await getJson<{ names: string[]; series: MetricSeries[] }>("/metrics", { since, until });
    if (ctx.left) return;
    const byName = new Map<string, MetricSeries[]>();
    for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    if (byName.size === 0) {
      replace(grid, empty("No metrics in this range yet. Request counts, handler durations and event counts appear once traffic flows."));
      return;
    }
    replace(grid, [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => metricCard(name, list, since, until)));
  };
  range.addEventListener("change", () => void load());
  const timer = setInterval(() => void load().catch(() => undefined), 5_000);
  ctx.onCleanup(() => clearInterval(timer));
  replace(ctx.main, h("div", { class: "page-head" }, h("h2", {}, "Metrics"), range), grid);
  await load();
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ") || "all";

function metricCard(name: string, list: MetricSeries[], since: number, until: number): HTMLElement {
  const top = [...list].sort((a, b) => b.total.count - a.total.count).slice(0, MAX_LINES);
  const isDuration = /_ms$|duration|latency/.test(name);
  const fmt = (v: number | undefined) => (v === undefined ? "–" : isDuration ? fmtMs(v) : fmtNumber(v));
  if (list[0]!.kind === "counter") {
    const total = list.reduce((sum, s) => sum + s.total.sum, 0);
    const seconds = (until - since) / 1000;
    const series: ChartSeries[] = top.map((s) => ({ label: labelText(s.labels), points: s.points.map((p) => ({ time: p.time, value: p.sum })) }));
    return h(
      "section",
      { class: "card metric", "data-testid": "metric-chart", "data-metric": name },
      h("h3", {}, name, " ", h("span", { class: "dim small" }, "counter")),
      h("p", { class: "dim" }, `${fmtNumber(total)} in range · ${(total / seconds).toFixed(2)}/s`),
      lineChart(series, { since, until }),
    );
  }
  const series: ChartSeries[] =
    top.length === 1
      ? (["p50", "p95", "p99"] as const).map((q) => ({ label: q, points: top[0]!.points.map((p) => ({ time: p.time, value: p[q] ?? 0 })) }))
      : top.map((s) => ({ label: `${labelText(s.labels)} p95`, points: s.points.map((p) => ({ time: p.time, value: p.p95 ?? 0 })) }));
  return h(
    "section",
    { class: "card metric", "data-testid": "metric-chart", "data-metric": name },
    h("h3", {}, name, " ", h("span", { class: "dim small" }, "histogram")),
    lineChart(series, { since, until, unit: isDuration ? " ms" : "" }),
    h(
      "table",
      { class: "list compact" },
      h("thead", {}, h("tr", {}, ["labels", "count", "avg", "p50", "p95", "p99", "max"].map((c) => h("th", {}, c)))),
      h(
        "tbody",
        {},
        [...list]
          .sort((a, b) => b.total.count - a.total.count)
          .map((s) =>
            h(
              "tr",
              {},
              h("td", { class: "mono small" }, labelText(s.labels)),
              h("td", {}, fmtNumber(s.total.count)),
              h("td", {}, fmt(s.total.sum / s.total.count)),
              h("td", {}, fmt(s.total.p50)),
              h("td", {}, fmt(s.total.p95)),
              h("td", {}, fmt(s.total.p99)),
              h("td", {}, fmt(s.total.max)),
            ),
          ),
      ),
    ),
  );
}
