/**
 * Extra HTTP routes that plugins (the Workbench, health probes, …) serve on
 * the application's server without importing the server plugin: they register
 * here per engine, the server plugin mounts them under their prefix.
 */
export interface RouteRequestInfo {
  /** The client's IP address as the server saw it. */
  remoteAddress?: string;
}

export interface ExtraRoutes {
  /** Path prefix, e.g. "/_rohas". Requests under it go to `fetch`. */
  prefix: string;
  fetch(request: Request, info: RouteRequestInfo): Promise<Response> | Response;
}

const registry = new WeakMap<object, ExtraRoutes[]>();

export function registerRoutes(engine: object, routes: ExtraRoutes): void {
  const list = registry.get(engine) ?? [];
  list.push(routes);
  registry.set(engine, list);
}

export function routesFor(engine: object): ExtraRoutes[] {
  return registry.get(engine) ?? [];
}
