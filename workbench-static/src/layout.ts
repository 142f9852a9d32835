/**
 * Layered layout for the flow graph: columns by longest path from a source
 * (cycles broken at back edges), rows ordered by repeated barycenter sweeps so
 * edges cross less. Small graphs (a schema's worth) only; O(sweeps · edges).
 */
export interface Placed {
  id: string;
  layer: number;
  x: number;
  y: number;
}

export interface LayoutResult {
  nodes: Map<string, Placed>;
  /** Edges that point backwards (part of a cycle); drawn as loops. */
  backEdges: Set<string>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
}

export const edgeKey = (from: string, to: string) => `${from}\u0000${to}`;

export function layeredLayout(ids: string[], edges: { from: string; to: string }[], o: LayoutOptions): LayoutResult {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from)!.push(e.to);

  // Back edges: found by DFS from every node in order (sources first).
  const hasIncoming = new Set(edges.map((e) => e.to));
  const roots = [...ids.filter((id) => !hasIncoming.has(id)), ...ids];
  const state = new Map<string, 1 | 2>();
  const backEdges = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 1);
    for (const next of out.get(id)!) {
      const s = state.get(next);
      if (s === 1) backEdges.add(edgeKey(id, next));
      else if (s === undefined) visit(next);
    }
    state.set(id, 2);
  };
  for (const id of roots) if (!state.has(id)) visit(id);

  const forward = edges.filter((e) => out.has(e.from) && out.has(e.to) && e.from !== e.to && !backEdges.has(edgeKey(e.from, e.to)));
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of forward) {
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }

  // Longest path layering over the acyclic part.
  const layer = new Map<string, number>();
  const layerOf = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    layer.set(id, 0); // guards against any cycle that slipped through
    const l = Math.max(0, ...preds.get(id)!.map((p) => layerOf(p) + 1));
    layer.set(id, l);
    return l;
  };
  for (const id of ids) layerOf(id);

  const layers: string[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  for (let i = 0; i < layers.length; i++) layers[i] ??= [];

  const position = new Map<string, number>();
  const index = () => layers.forEach((row) => row.forEach((id, i) => position.set(id, i)));
  index();
  const barycenter = (id: string, neighbours: Map<string, string[]>) => {
    const ns = neighbours.get(id)!;
    if (ns.length === 0) return position.get(id)!;
    return ns.reduce((sum, n) => sum + position.get(n)!, 0) / ns.length;
  };
  for (let sweep = 0; sweep < 8; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.keys() : [...layers.keys()].reverse();
    for (const l of order) {
      const row = layers[l]!;
      const score = new Map(row.map((id) => [id, barycenter(id, down ? preds : succs)]));
      row.sort((a, b) => score.get(a)! - score.get(b)! || position.get(a)! - position.get(b)!);
      row.forEach((id, i) => position.set(id, i));
    }
  }

  const tallest = Math.max(1, ...layers.map((row) => row.length));
  const height = tallest * o.nodeHeight + (tallest - 1) * o.gapY;
  const nodes = new Map<string, Placed>();
  layers.forEach((row, l) => {
    const rowHeight = row.length * o.nodeHeight + (row.length - 1) * o.gapY;
    const top = (height - rowHeight) / 2;
    row.forEach((id, i) => nodes.set(id, { id, layer: l, x: l * (o.nodeWidth + o.gapX), y: top + i * (o.nodeHeight + o.gapY) }));
  });
  const width = Math.max(1, layers.length) * o.nodeWidth + Math.max(0, layers.length - 1) * o.gapX;
  return { nodes, backEdges, width, height };
}
