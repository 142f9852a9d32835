/**
 * The Workbench tester shows the trace of the call it made even when traffic
 * is over the telemetry budget (`[telemetry] max_spans_per_second`), where
 * most requests are not recorded: `rohas start --workbench` on a copy of
 * test/fixtures/workbench-app with a budget of 1 span per second.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyFixture, eventually, startRohas, type RunningServer } from "../support.ts";

let server: RunningServer;

beforeAll(async () => {
  const projectDir = copyFixture("workbench-app");
  const config = join(projectDir, "config", "rohas.toml");
  writeFileSync(config, readFileSync(config, "utf8").replace('path = ".rohas/telemetry"', 'path = ".rohas/telemetry"\nmax_spans_per_second = 1'));
  server = await startRohas(projectDir, { command: "start", args: ["--workbench"], timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const order = { item: "lamp", quantity: 1 };

describe("Workbench tester over the sampling budget", () => {
  test("direct requests are mostly not recorded, yet every tester call names its trace and the trace is stored", async () => {
    // Direct calls: beyond the budget's first trace or so, answers carry no traceparent (not recorded).
    let named = 0;
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(order) });
      expect(res.status).toBe(200);
      if (res.headers.get("traceparent")) named++;
    }
    expect(named).toBeLessThan(10);

    const traceIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/_rohas/api/invoke/CreateOrder`, { method: "POST", body: JSON.stringify({ body: order }) });
      expect(res.status).toBe(200);
      const result = (await res.json()) as { status: number; traceId?: string };
      expect(result.status).toBe(200);
      expect(result.traceId).toMatch(/^[0-9a-f]{32}$/);
      traceIds.push(result.traceId!);
    }
    for (const id of traceIds) {
      const trace = await eventually(async () => {
        const res = await fetch(`${server.url}/_rohas/api/traces/${id}`);
        return res.status === 200 ? ((await res.json()) as { spans: { name: string }[] }) : undefined;
      }, 10_000);
      const names = trace!.spans.map((s) => s.name);
      // The whole chain of the call, not only its HTTP span.
      expect(names).toContain("POST /orders");
      expect(names).toContain("api CreateOrder");
      expect(names).toContain("event OrderPlaced");
    }
  }, 60_000);
});
