/**
 * Rule 9: events that trigger each other in a loop where no event has a
 * handler. With no handler, nothing can decide to stop, so the loop runs
 * forever. Only handler-less events can take part in such a loop, so the check
 * looks for cycles in the graph of handler-less events: each strongly connected
 * component with a cycle is reported once, by its shortest cycle through its
 * first event (in source order). Linear in events + triggers.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { warning, type EventDef, type NameRef, type Schema } from "../schema.ts";

interface Edge {
  to: number;
  ref: NameRef;
}

export function checkTriggerCycles(schema: Schema, diagnostics: Diagnostic[]): void {
  // Nodes: the first definition of each handler-less event (duplicates are reported elsewhere).
  const nodes: EventDef[] = [];
  const nodeOf = new Map<string, number>();
  for (const event of schema.events) {
    if (event.handlers.length > 0 || event.triggers.length === 0 || schema.eventByName.get(event.name) !== event) continue;
    nodeOf.set(event.name, nodes.length);
    nodes.push(event);
  }
  if (nodes.length === 0) return;
  const edges: Edge[][] = [];
  for (const event of nodes) {
    const out: Edge[] = [];
    for (const ref of event.triggers) {
      const to = nodeOf.get(ref.name);
      if (to !== undefined) out.push({ to, ref });
    }
    edges.push(out);
  }

  const cycles: { path: number[]; closing: NameRef; members: number[] }[] = [];
  for (const component of stronglyConnected(edges)) {
    // A lone event is a cycle only if it triggers itself.
    if (component.length === 1 && !edges[component[0]!]!.some((edge) => edge.to === component[0])) continue;
    component.sort((a, b) => a - b);
    cycles.push({ ...shortestCycle(component, edges), members: component });
  }
  // Tarjan finds components in reverse topological order; report in source order.
  cycles.sort((a, b) => a.members[0]! - b.members[0]!);

  for (const cycle of cycles) {
    const names = cycle.path.map((n) => nodes[n]!.name);
    // Every event of the component, not just this cycle's: all of them loop with each other.
    const members = cycle.members.map((n) => nodes[n]!.name);
    diagnostics.push(
      warning(
        "validate/trigger-cycle",
        `trigger cycle ${chain(names)} never ends`,
        cycle.closing.span,
        members.length === 1
          ? `event ${members[0]} triggers itself and has no handler to stop it; add a handler or remove the trigger`
          : `none of ${listed(members)} has a handler that could stop it; add a handler to one of them or remove a trigger`,
      ),
    );
  }
}

/** `A → B → A`; a very long loop keeps its ends so the message stays one readable line. */
function chain(names: string[]): string {
  const closed = [...names, names[0]!];
  if (closed.length <= 9) return closed.join(" → ");
  return [...closed.slice(0, 4), "…", ...closed.slice(-3)].join(" → ");
}

function listed(names: string[]): string {
  return names.length <= 6 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

/** Tarjan's algorithm without recursion (a 5,000-event chain would overflow the stack). */
export function stronglyConnected(edges: { to: number }[][]): number[][] {
  const n = edges.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let stackSize = 0;
  // The depth-first path: node and the next of its edges to follow.
  const pathNode = new Int32Array(n);
  const pathNext = new Int32Array(n);
  let depth = 0;
  const components: number[][] = [];
  let counter = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    index[root] = low[root] = counter++;
    stack[stackSize++] = root;
    onStack[root] = 1;
    pathNode[0] = root;
    pathNext[0] = 0;
    depth = 1;
    while (depth > 0) {
      const node = pathNode[depth - 1]!;
      const out = edges[node]!;
      const next = pathNext[depth - 1]!;
      if (next < out.length) {
        pathNext[depth - 1] = next + 1;
        const to = out[next]!.to;
        if (index[to] === -1) {
          index[to] = low[to] = counter++;
          stack[stackSize++] = to;
          onStack[to] = 1;
          pathNode[depth] = to;
          pathNext[depth] = 0;
          depth++;
        } else if (onStack[to] && index[to]! < low[node]!) {
          low[node] = index[to]!;
        }
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = pathNode[depth - 1]!;
        if (low[node]! < low[parent]!) low[parent] = low[node]!;
      }
      if (low[node] === index[node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack[--stackSize]!;
          onStack[member] = 0;
          component.push(member);
        } while (member !== node);
        components.push(component);
      }
    }
  }
  return components;
}

/**
 * The shortest cycle through the component's first node (the component is
 * sorted), staying inside the component, which is strongly connected and so
 * has one.
 */
function shortestCycle(component: number[], edges: Edge[][]): { path: number[]; closing: NameRef } {
  const start = component[0]!;
  const inside = new Set(component);
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const edge of edges[node]!) {
      if (edge.to === start) {
        const path = [node];
        for (let at = node; at !== start; ) path.push((at = parent.get(at)!));
        return { path: path.reverse(), closing: edge.ref };
      }
      if (!inside.has(edge.to) || parent.has(edge.to)) continue;
      parent.set(edge.to, node);
      queue.push(edge.to);
    }
  }
  throw new Error("shortestCycle: component has no cycle through its first node");
}
