/**
 * Rule 4: two routes never answer the same request. APIs collide on method and
 * path with parameter names ignored (`/users/:id` = `/users/:userId`) and a
 * trailing slash ignored (the HTTP server matches both); WebSocket paths collide
 * with each other and with GET routes, since an upgrade is a GET request.
 * A ws path and a GET path of different shapes that still match one request
 * (`/ws/chat` and `/ws/:room`) are legal: the more specific one answers it, so
 * that is a warning naming which. Paths with problems of their own (rule 5)
 * are left out.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, warning, type ApiDef, type Schema, type WsDef } from "../schema.ts";
import { analysePath } from "./paths.ts";
import { pathSpan, writtenMethod, writtenPath } from "./properties.ts";
import { where } from "./source.ts";

/** The part of a path that decides which requests it matches. */
export function routeShape(path: string): string {
  return analysePath(path).shape;
}

interface Route<T> {
  def: T;
  path: string;
}

/** The written path and its shape, when it is routable (no problems of its own). */
function routable(def: ApiDef | WsDef): { path: string; shape: string } | undefined {
  const path = writtenPath(def);
  if (path === undefined) return undefined;
  const analysis = analysePath(path);
  return analysis.problems.length === 0 ? { path, shape: analysis.shape } : undefined;
}

export function checkRoutes(schema: Schema, diagnostics: Diagnostic[]): void {
  const apis = new Map<string, Route<ApiDef>>();
  for (const api of schema.apis) {
    const method = writtenMethod(api);
    if (!method) continue;
    const route = routable(api);
    if (!route) continue;
    const key = `${method} ${route.shape}`;
    const earlier = apis.get(key);
    if (!earlier) {
      apis.set(key, { def: api, path: route.path });
      continue;
    }
    diagnostics.push(
      error(
        "validate/duplicate-route",
        `api ${api.name} and api ${earlier.def.name} both route ${method} ${route.path}`,
        pathSpan(api),
        `api ${earlier.def.name} declares ${method} ${earlier.path} at ${where(pathSpan(earlier.def))}; parameter names do not tell routes apart`,
      ),
    );
  }

  const sockets = new Map<string, Route<WsDef>>();
  const gets = getsBySegmentCount(apis);
  for (const ws of schema.websockets) {
    const route = routable(ws);
    if (!route) continue;
    const earlier = sockets.get(route.shape);
    if (earlier) {
      diagnostics.push(
        error(
          "validate/duplicate-ws-path",
          `ws ${ws.name} and ws ${earlier.def.name} both use path ${route.path}`,
          pathSpan(ws),
          `ws ${earlier.def.name} declares ${earlier.path} at ${where(pathSpan(earlier.def))}`,
        ),
      );
      continue;
    }
    sockets.set(route.shape, { def: ws, path: route.path });
    const get = apis.get(`GET ${route.shape}`);
    if (get) {
      diagnostics.push(
        error(
          "validate/ws-path-conflict",
          `ws ${ws.name} path ${route.path} collides with GET ${get.path} of api ${get.def.name}`,
          pathSpan(ws),
          `a WebSocket upgrade is a GET request; give one of them another path (api ${get.def.name} is at ${where(pathSpan(get.def))})`,
        ),
      );
      continue;
    }
    reportOverlaps(ws, route, gets.get(segments(route.shape).length) ?? [], diagnostics);
  }
}

interface ShapedRoute<T> extends Route<T> {
  shape: string;
}

const segments = (shape: string): string[] => shape.split("/");
const isParam = (segment: string): boolean => segment === ":";

/**
 * GET routes by number of segments: only routes of one length can match one request. Pairs are
 * compared within a length, so the cost is ws paths × GET routes of their length (ws blocks are few).
 * Wildcard paths (`*`) are left out: they match any length.
 */
function getsBySegmentCount(apis: Map<string, Route<ApiDef>>): Map<number, ShapedRoute<ApiDef>[]> {
  const byCount = new Map<number, ShapedRoute<ApiDef>[]>();
  for (const [key, route] of apis) {
    if (!key.startsWith("GET ")) continue;
    const shape = key.slice(4);
    if (shape.includes("*")) continue;
    const count = segments(shape).length;
    let list = byCount.get(count);
    if (!list) byCount.set(count, (list = []));
    list.push({ ...route, shape });
  }
  return byCount;
}

/**
 * The request path both shapes match (statics taken from whichever has one), and which route
 * answers it: at the first segment where one is static and the other a parameter, the router
 * prefers the static one. Undefined when no request matches both.
 */
function overlap(wsShape: string, getShape: string): { example: string; wsWins: boolean } | undefined {
  const a = segments(wsShape);
  const b = segments(getShape);
  const example: string[] = [];
  let wsWins: boolean | undefined;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (isParam(x) && isParam(y)) example.push(":param");
    // A parameter never matches an empty segment (the root path).
    else if ((isParam(x) && y === "") || (isParam(y) && x === "")) return undefined;
    else if (isParam(x)) {
      example.push(y);
      wsWins ??= false;
    } else if (isParam(y)) {
      example.push(x);
      wsWins ??= true;
    } else if (x === y) example.push(x);
    else return undefined;
  }
  return wsWins === undefined ? undefined : { example: example.join("/") || "/", wsWins };
}

function reportOverlaps(ws: WsDef, route: { path: string; shape: string }, gets: ShapedRoute<ApiDef>[], diagnostics: Diagnostic[]): void {
  if (route.shape.includes("*")) return;
  for (const get of gets) {
    const shared = overlap(route.shape, get.shape);
    if (!shared) continue;
    const answers = shared.wsWins
      ? `ws ${ws.name} answers it, so api ${get.def.name} never gets a plain GET ${shared.example}`
      : `api ${get.def.name} answers it, so a WebSocket upgrade to ${shared.example} never reaches ws ${ws.name}`;
    diagnostics.push(
      warning(
        "validate/ws-path-overlap",
        `ws ${ws.name} path ${route.path} and GET ${get.path} of api ${get.def.name} both match ${shared.example}: ${answers}`,
        pathSpan(ws),
        `the more specific path answers a request both match; give one of them another path if both should answer it (api ${get.def.name} is at ${where(pathSpan(get.def))})`,
      ),
    );
  }
}
