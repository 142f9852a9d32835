/**
 * Rule 4: two routes never answer the same request. APIs collide on method and
 * path with parameter names ignored (`/users/:id` = `/users/:userId`) and a
 * trailing slash ignored (the HTTP server matches both); WebSocket paths collide
 * with each other and with GET routes, since an upgrade is a GET request.
 * Paths with problems of their own (rule 5) are left out.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, type ApiDef, type Schema, type WsDef } from "../schema.ts";
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
    }
  }
}
