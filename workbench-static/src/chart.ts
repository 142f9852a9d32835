/** A small SVG line chart: time on x, one or more series on y, gridlines and hover titles. */
import { fmtClock, fmtNumber, h, svg } from "./dom.ts";

export interface ChartSeries {
  label: string;
  points: { time: number; value: number }[];
}

const COLORS = ["#6aa9ff", "#f0883e", "#3fb950", "#b48cff", "#f85149", "#d29922", "#39c5cf", "#db61a2"];

export function lineChart(series: ChartSeries[], opts: { since: number; until: number; unit?: string; height?: number }): HTMLElement {
  const W = 560;
  const H = opts.height ?? 180;
  const pad = { l: 48, r: 12, t: 10, b: 24 };
  const all = series.flatMap((s) => s.points.map((p) => p.value));
  const maxV = Math.max(1e-9, ...all);
  const niceMax = nice(maxV);
  const x = (t: number) => pad.l + ((t - opts.since) / Math.max(1, opts.until - opts.since)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / niceMax) * (H - pad.t - pad.b);

  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = niceMax * f;
    return svg(
      "g",
      { class: "grid" },
      svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v) }),
      svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, fmtNumber(v)),
    );
  });
  const xTicks = [0, 0.5, 1].map((f) => {
    const t = opts.since + (opts.until - opts.since) * f;
    return svg("text", { x: x(t), y: H - 6, "text-anchor": f === 0 ? "start" : f === 1 ? "end" : "middle", class: "axis" }, fmtClock(t).slice(0, 5));
  });
  const lines = series.map((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a.time - b.time);
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    return svg(
      "g",
      { class: "series" },
      pts.length > 1 ? svg("path", { d, stroke: color, fill: "none", "stroke-width": 2 }) : null,
      pts.map((p) => svg("circle", { cx: x(p.time), cy: y(p.value), r: pts.length > 40 ? 1.8 : 3, fill: color }, svg("title", {}, `${s.label}\n${fmtClock(p.time)}: ${fmtNumber(p.value)}${opts.unit ?? ""}`))),
    );
  });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" }, grid, xTicks, lines);
  const legend = h(
    "div",
    { class: "legend" },
    series.map((s, i) => h("span", {}, h("i", { style: `background:${COLORS[i % COLORS.length]}` }), s.label)),
  );
  return h("div", { class: "chart-box" }, chart, series.length > 1 || series[0]?.label ? legend : null);
}

function nice(v: number): number {
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * exp) return m * exp;
  return 10 * exp;
}
