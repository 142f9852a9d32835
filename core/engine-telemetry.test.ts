/**
 * What the engine records for an API call whose event handler fails once:
 * span names and attributes per handler, publish and delivery attempt, and
 * the metric labels (shared per handler and event, see telemetry-names.ts).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../plugins/builtin.ts";
import { Rohas } from "./rohas.ts";
import type { MetricRecord, SpanRecord } from "./telemetry.ts";

const dir = mkdtempSync(join(tmpdir(), "rohas-engine-telemetry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
};

test("spans carry their handler's or event's attributes; a second delivery says attempt 2", async () => {
  write("config/rohas.toml", `[project]\nname = "t"\nlanguage = "typescript"\n[server]\nport = 0\n[adapter]\ntype = "memory"\n[telemetry]\ntype = "none"\n[workbench]\nenabled = false\n[events]\nbackoff_ms = 10\n`);
  write("schema/app.ro", `type User { id: Int }\napi CreateUser { method: POST  path: "/users"  response: User  triggers: [UserCreated] }\nevent UserCreated { payload: User  handler: [flaky] }\n`);
  write("src/handlers/api/CreateUser.ts", "export function handler() {\n  return { id: 1 };\n}\n");
  write("src/handlers/events/flaky.ts", "let calls = 0;\nexport function handler() {\n  if (++calls === 1) throw new Error('first time fails');\n}\n");
  const rohas = await Rohas.create({ projectDir: dir, registry: builtinPlugins });
  const spans: SpanRecord[] = [];
  const metrics: MetricRecord[] = [];
  rohas.hooks.record.tap("test", (r) => {
    if (r.type === "span") spans.push(r.span);
    if (r.type === "metric") metrics.push(r.metric);
  });
  const loaded = await rohas.loadSchema();
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  const engine = await rohas.serve(loaded.schema);
  try {
    const api = loaded.schema.apis[0]!;
    const response = await engine.callApi(api, { params: {}, queryParams: {}, body: undefined, headers: {} });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (spans.filter((s) => s.name === "event UserCreated").length < 2 && Date.now() < deadline) await Bun.sleep(10);

    const byName = (name: string) => spans.filter((s) => s.name === name);
    expect(byName("api CreateUser")[0]!.attributes).toEqual({ "handler.kind": "api", "handler.name": "CreateUser" });
    expect(byName("publish UserCreated")[0]!.attributes).toEqual({ "event.name": "UserCreated" });
    expect(byName("event UserCreated").map((s) => [s.attributes["message.attempt"], s.status])).toEqual([
      [1, "error"],
      [2, "ok"],
    ]);
    expect(byName("event flaky").map((s) => s.status)).toEqual(["error", "ok"]);
    expect(byName("event flaky")[0]!.attributes).toEqual({ "handler.kind": "event", "handler.name": "flaky" });
    // One labels object per handler: every sample of a series shares it.
    const durations = metrics.filter((m) => m.name === "handler_duration_ms" && m.labels?.handler === "CreateUser");
    expect(durations[0]!.labels).toEqual({ handler: "CreateUser", kind: "api" });
    expect(metrics.find((m) => m.name === "events_consumed")!.labels).toEqual({ event: "UserCreated" });
    expect(metrics.filter((m) => m.name === "events_failed")).toHaveLength(1);
  } finally {
    await engine.stop();
  }
});
