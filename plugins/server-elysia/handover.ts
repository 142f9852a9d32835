/**
 * Listener hand-over for `rohas dev` config restarts: the stopping server
 * parks its Bun listener here instead of closing it, requests arriving
 * meanwhile wait, and the next server in this process on the same address
 * adopts the listener (its fetch and native routes) and answers them. Clients
 * are never refused.
 */
import type { Server } from "bun";
import { jsonResponse } from "./http.ts";

type Fetch = (request: Request) => Response | Promise<Response>;

interface Waiting {
  request: Request;
  resolve: (response: Response | Promise<Response>) => void;
}

interface Parked {
  server: Server<unknown>;
  hostname: string;
  port: number;
  waiting: Waiting[];
  expiry: ReturnType<typeof setTimeout>;
}

/** How long a parked listener waits for the next engine before it answers 503 and closes. */
export const HANDOVER_WINDOW_MS = 15_000;

const parked: Parked[] = [];

/** From now on `server` queues requests for the next server; parked until adopted or the window ends. */
export function park(server: Server<unknown>): void {
  const entry: Parked = {
    server,
    hostname: server.hostname ?? "",
    port: server.port ?? 0,
    waiting: [],
    expiry: setTimeout(() => expire(entry), HANDOVER_WINDOW_MS),
  };
  parked.push(entry);
  // `routes: {}`: Bun keeps native routes across reload unless replaced, and they point at the old app.
  server.reload({
    routes: {},
    fetch: (request: Request) => new Promise<Response>((resolve) => entry.waiting.push({ request, resolve })),
  } as never);
}

/**
 * The parked listener on `hostname` and `port` (0: any port, as a restart of a
 * server that asked for port 0 should keep the port it got), switched to
 * `fetch`; the requests that waited are answered by it, after `adopted` has
 * seen the server (the new app must know its server first: client addresses
 * are read through it).
 */
export function adopt(
  hostname: string,
  port: number,
  fetch: Fetch,
  routes: Record<string, unknown> = {},
  adopted: (server: Server<unknown>) => void = () => {},
): Server<unknown> | undefined {
  const i = parked.findIndex((p) => p.hostname === hostname && (port === 0 || p.port === port));
  if (i < 0) return undefined;
  const [entry] = parked.splice(i, 1) as [Parked];
  clearTimeout(entry.expiry);
  entry.server.reload({ routes, fetch } as never);
  adopted(entry.server);
  for (const w of entry.waiting.splice(0)) w.resolve(fetch(w.request));
  return entry.server;
}

function expire(entry: Parked): void {
  const i = parked.indexOf(entry);
  if (i < 0) return;
  parked.splice(i, 1);
  for (const w of entry.waiting.splice(0)) {
    w.resolve(jsonResponse(503, { error: "the server is restarting and its new settings did not start; try again after the next change" }));
  }
  void entry.server.stop(true);
}
