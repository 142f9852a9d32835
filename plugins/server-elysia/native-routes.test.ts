/**
 * API routes are Bun native routes (decision 014): what the listener answers
 * on the first listen, after a `rohas dev` schema swap and after a listener
 * hand-over must be the same, including paths Bun's router treats specially.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { ApiResponse } from "../../core/engine.ts";
import type { ServerEngine } from "./engine-port.ts";
import { clientAddresses } from "./rate-limit.ts";
import { RohasServer } from "./server.ts";
import { api, FakeEngine, schemaOf, ws } from "./test-helpers.ts";

let running: RohasServer[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop(1000)));
  running = [];
});

function serve(engine: FakeEngine): { server: RohasServer; url: string } {
  const server = new RohasServer(engine);
  const { url } = server.listen();
  running.push(server);
  return { server, url };
}

/** Whether a WebSocket upgrade to `url` is accepted (an API answering the upgrade with JSON is a refusal). */
function upgrades(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      socket.close();
      resolve(true);
    });
    socket.addEventListener("error", () => resolve(false));
  });
}

/** Every state the listener can be in: first listen, after a schema swap, after a hand-over to a new server. */
async function inEveryState(engine: FakeEngine, check: (url: string) => Promise<void>): Promise<void> {
  const first = serve(engine);
  await check(first.url);
  first.server.swapSchema();
  await check(first.url);
  await first.server.stop(1000, true);
  const next = serve(engine);
  expect(next.url).toBe(first.url);
  await check(next.url);
}

describe("server-elysia native routes", () => {
  test("parameter routes do not capture /health or a WebSocket path, in every state of the listener", async () => {
    const engine = new FakeEngine(
      schemaOf({
        apis: [api("Page", "GET", "/:slug"), api("Room", "GET", "/ws/:room")],
        websockets: [ws("Chat", "/ws/chat")],
      }),
    );
    engine.apiHandlers.set("Page", (req) => ({ slug: req.params.slug }));
    engine.apiHandlers.set("Room", (req) => ({ room: req.params.room }));
    await inEveryState(engine, async (url) => {
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
      expect(await (await fetch(`${url}/about`)).json()).toEqual({ slug: "about" });
      expect(await (await fetch(`${url}/ws/lobby`)).json()).toEqual({ room: "lobby" });
      expect(await upgrades(`${url.replace("http", "ws")}/ws/chat`)).toBe(true);
    });
  });

  test("paths with characters outside ASCII are served, and a swap to another such path moves the route", async () => {
    const engine = new FakeEngine(schemaOf({ apis: [api("Cafe", "GET", "/café")] }));
    engine.apiHandlers.set("Cafe", () => "café");
    engine.apiHandlers.set("Creme", () => "crème");
    const { server, url } = serve(engine);
    expect(await (await fetch(`${url}/caf%C3%A9`)).json()).toBe("café");

    engine.schema = schemaOf({ apis: [api("Creme", "GET", "/crème")] });
    server.swapSchema();
    expect(await (await fetch(`${url}/cr%C3%A8me`)).json()).toBe("crème");
    expect((await fetch(`${url}/caf%C3%A9`)).status).toBe(404);
  });

  test("an engine answering in the same step (or throwing) is answered at once and leaves nothing in flight", async () => {
    const engine = new FakeEngine(schemaOf({ apis: [api("Now", "GET", "/now"), api("Broken", "GET", "/broken")] }));
    // The real engine answers a value (not a promise) when the handler did not wait; the port allows it.
    (engine as ServerEngine).callApi = (def): ApiResponse | Promise<ApiResponse> => {
      if (def.name === "Broken") throw new Error("engine broke");
      return { status: 200, body: { now: true } };
    };
    const { server, url } = serve(engine);
    const now = await fetch(`${url}/now`);
    expect(now.status).toBe(200);
    expect(await now.json()).toEqual({ now: true });
    const broken = await fetch(`${url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ error: "engine broke" });
    expect(server.inFlight).toBe(0);
  });

  test("requests that waited for a hand-over are answered knowing the client's address", async () => {
    // An API behind `rate_limit` gets the client's address from the route; the handler answers what the limit would key on.
    const engine = new FakeEngine(schemaOf({ apis: [api("Who", "GET", "/who", { middlewares: ["rate_limit"] })] }));
    engine.middlewares.set("rate_limit", () => undefined);
    engine.apiHandlers.set("Who", (req) => clientAddresses.get(req.headers) ?? "unknown");
    const first = serve(engine);
    expect(await (await fetch(`${first.url}/who`)).json()).toBe("127.0.0.1");
    await first.server.stop(1000, true);
    // Parked: this request waits for the next server, which answers it when it adopts the listener.
    const waiting = fetch(`${first.url}/who`);
    await Bun.sleep(50);
    const next = serve(engine);
    expect(next.url).toBe(first.url);
    expect(await (await waiting).json()).toBe("127.0.0.1");
    expect(await (await fetch(`${next.url}/who`)).json()).toBe("127.0.0.1");
  });
});
