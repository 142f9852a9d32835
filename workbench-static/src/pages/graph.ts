/**
 * Graph: API/cron/ws → event → handler → event, laid out in columns. Drag to
 * pan, wheel to zoom, click a node to trace what it leads to and what leads to
 * it. Nodes pulse when live spans touch them.
 */
import { getJson, type GraphEdge, type GraphNode, type SpanRecord } from "../api.ts";
import { h, replace, svg } from "../dom.ts";
import { edgeKey, layeredLayout } from "../layout.ts";
import { onLive } from "../live.ts";
import type { PageContext } from "../page.ts";

const W = 200;
const H = 48;
const KIND_LABEL: Record<string, string> = { api: "API", cron: "cron", ws: "WebSocket", event: "event", handler: "handler" };

export async function graphPage(ctx: PageContext): Promise<void> {
  const graph = await getJson<{ nodes: GraphNode[]; edges: GraphEdge[] }>("/graph");
  if (ctx.left) return;
  if (graph.nodes.length === 0) {
    replace(ctx.main, h("h2", {}, "Flow graph"), h("p", { class: "empty" }, "Nothing to draw: the schema declares no APIs, events, crons or WebSockets."));
    return;
  }
  const layout = layeredLayout(
    graph.nodes.map((n) => n.id),
    graph.edges,
    { nodeWidth: W, nodeHeight: H, gapX: 90, gapY: 22 },
  );
  const margin = 40;
  const world = svg("g", { class: "world" });
  const canvas = svg("svg", { class: "graph", role: "img", "aria-label": "Flow graph of the schema", "data-testid": "graph" }, defs(), world);

  const edgeEls = new Map<string, SVGPathElement>();
  for (const e of graph.edges) {
    const a = layout.nodes.get(e.from);
    const b = layout.nodes.get(e.to);
    if (!a || !b) continue;
    const back = layout.backEdges.has(edgeKey(e.from, e.to)) || b.x <= a.x;
    const d = back
      ? `M${a.x + W / 2},${a.y + H} C${a.x + W / 2},${a.y + H + 70} ${b.x + W / 2},${b.y + H + 70} ${b.x + W / 2},${b.y + H}`
      : `M${a.x + W},${a.y + H / 2} C${a.x + W + 45},${a.y + H / 2} ${b.x - 45},${b.y + H / 2} ${b.x},${b.y + H / 2}`;
    const path = svg("path", { class: `edge${back ? " back" : ""}`, d, "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to });
    edgeEls.set(edgeKey(e.from, e.to), path);
    world.appendChild(path);
  }

  const nodeEls = new Map<string, SVGGElement>();
  for (const n of graph.nodes) {
    const p = layout.nodes.get(n.id)!;
    const g = svg(
      "g",
      { class: `node kind-${n.kind}`, transform: `translate(${p.x},${p.y})`, tabindex: 0, role: "button", "data-testid": "graph-node", "data-id": n.id },
      svg("rect", { width: W, height: H, rx: 8 }),
      svg("text", { x: 12, y: 19, class: "label" }, clip(n.label, 24)),
      svg("text", { x: 12, y: 36, class: "sub" }, clip(`${KIND_LABEL[n.kind] ?? n.kind}${n.detail ? ` · ${n.detail}` : ""}`, 30)),
      svg("title", {}, `${n.kind} ${n.label}${n.detail ? `\n${n.detail}` : ""}`),
    );
    g.addEventListener("click", (ev) => {
      ev.stopPropagation();
      select(n.id);
    });
    g.addEventListener("keydown", (ev) => {
      if ((ev as KeyboardEvent).key === "Enter") select(n.id);
    });
    nodeEls.set(n.id, g);
    world.appendChild(g);
  }

  const panel = h("aside", { class: "graph-panel" }, h("p", { class: "dim" }, "Click a node to follow its flow."));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const reach = (start: string, dir: "down" | "up") => {
    const seen = new Set([start]);
    const queue = [start];
    while (queue.length) {
      const id = queue.shift()!;
      for (const e of graph.edges) {
        const [from, to] = dir === "down" ? [e.from, e.to] : [e.to, e.from];
        if (from === id && !seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    return seen;
  };
  const select = (id: string | undefined) => {
    canvas.classList.toggle("focused", !!id);
    for (const [nid, el] of nodeEls) el.classList.remove("selected", "related");
    for (const el of edgeEls.values()) el.classList.remove("related");
    if (!id || !byId.has(id)) {
      replace(panel, h("p", { class: "dim" }, "Click a node to follow its flow."));
      return;
    }
    const related = new Set([...reach(id, "down"), ...reach(id, "up")]);
    for (const nid of related) nodeEls.get(nid)?.classList.add("related");
    nodeEls.get(id)?.classList.add("selected");
    for (const e of graph.edges) if (related.has(e.from) && related.has(e.to)) edgeEls.get(edgeKey(e.from, e.to))?.classList.add("related");
    const n = byId.get(id)!;
    const outgoing = graph.edges.filter((e) => e.from === id).map((e) => byId.get(e.to)!);
    const incoming = graph.edges.filter((e) => e.to === id).map((e) => byId.get(e.from)!);
    const link = (m: GraphNode) => h("a", { href: "#", onclick: (ev: Event) => (ev.preventDefault(), select(m.id)) }, `${m.kind} ${m.label}`);
    const schemaKind = n.kind === "handler" ? undefined : n.kind;
    replace(
      panel,
      h("h3", {}, h("span", { class: `kind kind-${n.kind}` }, n.kind), " ", n.label),
      n.detail ? h("p", {}, h("code", {}, n.detail)) : null,
      incoming.length ? [h("h4", {}, "Triggered by"), h("ul", {}, incoming.map((m) => h("li", {}, link(m))))] : null,
      outgoing.length ? [h("h4", {}, "Leads to"), h("ul", {}, outgoing.map((m) => h("li", {}, link(m))))] : null,
      h(
        "div",
        { class: "actions" },
        schemaKind ? h("a", { class: "button ghost", href: `#/schema/${schemaKind}/${encodeURIComponent(n.label)}` }, "Schema") : null,
        n.kind === "api" ? h("a", { class: "button", href: `#/tester/api/${encodeURIComponent(n.label)}` }, "Call it") : null,
        n.kind === "event" ? h("a", { class: "button", href: `#/tester/event/${encodeURIComponent(n.label)}` }, "Publish") : null,
        h("a", { class: "button ghost", href: `#/traces?name=${encodeURIComponent(n.label)}` }, "Traces"),
      ),
    );
  };
  canvas.addEventListener("click", () => select(undefined));

  // Pan and zoom through the viewBox.
  const box = { x: -margin, y: -margin, w: layout.width + 2 * margin, h: layout.height + 2 * margin };
  const apply = () => canvas.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
  apply();
  canvas.addEventListener(
    "wheel",
    (ev) => {
      const e = ev as WheelEvent;
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const scale = Math.exp(e.deltaY * 0.001);
      const fx = (e.clientX - rect.left) / rect.width;
      const fy = (e.clientY - rect.top) / rect.height;
      const nw = Math.min(Math.max(box.w * scale, 200), 20_000);
      const nh = (nw / box.w) * box.h;
      box.x += (box.w - nw) * fx;
      box.y += (box.h - nh) * fy;
      box.w = nw;
      box.h = nh;
      apply();
    },
    { passive: false },
  );
  let drag: { x: number; y: number; bx: number; by: number } | undefined;
  canvas.addEventListener("pointerdown", (ev) => {
    const e = ev as PointerEvent;
    if ((e.target as Element).closest(".node")) return;
    drag = { x: e.clientX, y: e.clientY, bx: box.x, by: box.y };
    canvas.setPointerCapture(e.pointerId);
    canvas.classList.add("dragging");
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const e = ev as PointerEvent;
    const rect = canvas.getBoundingClientRect();
    const k = box.w / rect.width;
    box.x = drag.bx - (e.clientX - drag.x) * k;
    box.y = drag.by - (e.clientY - drag.y) * k;
    apply();
  });
  const endDrag = () => {
    drag = undefined;
    canvas.classList.remove("dragging");
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);

  const reset = h("button", { type: "button", class: "ghost", onclick: () => (Object.assign(box, { x: -margin, y: -margin, w: layout.width + 2 * margin, h: layout.height + 2 * margin }), apply()) }, "Fit");
  replace(
    ctx.main,
    h("div", { class: "page-head" }, h("h2", {}, "Flow graph ", h("span", { class: "count" }, `${graph.nodes.length} nodes · ${graph.edges.length} edges`)), h("span", { class: "dim" }, "Drag to pan, scroll to zoom; nodes light up as traffic flows."), reset),
    h("div", { class: "graph-wrap" }, canvas, panel),
  );
  const initial = ctx.args[0];
  if (initial) select(initial);

  // Live: pulse the nodes a span belongs to.
  ctx.onCleanup(
    onLive((records) => {
      for (const r of records) {
        if (r.type !== "span") continue;
        const id = nodeForSpan(r.span);
        const el = id ? nodeEls.get(id) : undefined;
        if (!el) continue;
        el.classList.remove("pulse", "pulse-error");
        void (el as unknown as HTMLElement).getBoundingClientRect();
        el.classList.add(r.span.status === "error" ? "pulse-error" : "pulse");
      }
    }),
  );
}

function nodeForSpan(span: SpanRecord): string | undefined {
  const a = span.attributes;
  if (span.kind === "handler") {
    const kind = a["handler.kind"];
    const name = a["handler.name"];
    if (kind === "api") return `api:${name}`;
    if (kind === "event") return `handler:${name}`;
    if (kind === "cron") return undefined;
  }
  if (span.kind === "consume" || span.kind === "publish") return a["event.name"] ? `event:${a["event.name"]}` : undefined;
  if (span.kind === "cron") return `cron:${span.name.replace(/^cron /, "")}`;
  return undefined;
}

function defs(): SVGDefsElement {
  return svg(
    "defs",
    {},
    svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" })),
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
