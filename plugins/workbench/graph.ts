/** The flow graph of a schema: API/cron/ws → event → handler, and event → event. */
import type { Schema } from "../../core/schema.ts";

export interface GraphNode {
  id: string;
  kind: "api" | "cron" | "ws" | "event" | "handler";
  label: string;
  detail?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export function schemaGraph(schema: Schema): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (node: GraphNode) => nodes.has(node.id) || nodes.set(node.id, node);
  const event = (name: string) => add({ id: `event:${name}`, kind: "event", label: name, detail: schema.eventByName.get(name)?.payload?.name });
  for (const api of schema.apis) {
    add({ id: `api:${api.name}`, kind: "api", label: api.name, detail: `${api.method} ${api.path}` });
    for (const t of api.triggers) {
      event(t.name);
      edges.push({ from: `api:${api.name}`, to: `event:${t.name}` });
    }
  }
  for (const cron of schema.crons) {
    add({ id: `cron:${cron.name}`, kind: "cron", label: cron.name, detail: cron.schedule });
    for (const t of cron.triggers) {
      event(t.name);
      edges.push({ from: `cron:${cron.name}`, to: `event:${t.name}` });
    }
  }
  for (const ws of schema.websockets) {
    add({ id: `ws:${ws.name}`, kind: "ws", label: ws.name, detail: ws.path });
    for (const t of ws.triggers) {
      event(t.name);
      edges.push({ from: `ws:${ws.name}`, to: `event:${t.name}` });
    }
  }
  for (const e of schema.events) {
    event(e.name);
    for (const h of e.handlers) {
      add({ id: `handler:${h.name}`, kind: "handler", label: h.name });
      edges.push({ from: `event:${e.name}`, to: `handler:${h.name}` });
    }
    for (const t of e.triggers) {
      event(t.name);
      // An event's triggers fire after its handlers: draw them from the handlers when it has any.
      if (e.handlers.length === 0) edges.push({ from: `event:${e.name}`, to: `event:${t.name}` });
      for (const h of e.handlers) edges.push({ from: `handler:${h.name}`, to: `event:${t.name}` });
    }
  }
  return { nodes: [...nodes.values()], edges };
}
