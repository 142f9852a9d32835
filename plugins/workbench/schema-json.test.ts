import { describe, expect, test } from "bun:test";
import { schemaGraph } from "./graph.ts";
import { schemaJson } from "./schema-json.ts";
import { schemaFrom } from "./test-helpers.ts";

describe("the schema as the Workbench shows it", () => {
  const json = schemaJson(schemaFrom());

  test("every block with its exact source text, file and line", () => {
    const names = json.blocks.map((b) => `${b.kind} ${b.name}`);
    expect(names).toContain("api PlaceOrder");
    expect(names).toContain("cron Nightly");
    expect(names).toContain("model Order");
    const api = json.blocks.find((b) => b.name === "GetOrder")!;
    expect(api.source).toBe('api GetOrder { method: GET  path: "/orders/:id"  query: OrderQuery  response: Order }');
    expect(api).toMatchObject({ file: "schema/orders.ro", line: 18, summary: "GET /orders/:id" });
    expect(json.blocks.find((b) => b.name === "Order")!.source).toStartWith("model Order {\n");
    expect(json.files).toEqual([{ path: "schema/orders.ro", lines: 21 }]);
  });

  test("API forms resolve path params, query and nested body fields", () => {
    const get = json.apis.find((a) => a.name === "GetOrder")!;
    expect(get.pathParams).toEqual(["id"]);
    expect(get.body).toBeUndefined();
    expect(get.query.map((f) => [f.name, f.type, f.optional])).toEqual([
      ["verbose", "Boolean", true],
      ["limit", "Int", true],
    ]);
    const place = json.apis.find((a) => a.name === "PlaceOrder")!;
    expect(place.body!.type).toBe("PlaceOrderInput");
    const fields = place.body!.fields!;
    expect(fields.map((f) => f.name)).toEqual(["item", "quantity", "gift", "address", "tags"]);
    expect(fields.find((f) => f.name === "tags")).toMatchObject({ type: "String", array: true, optional: false });
    expect(fields.find((f) => f.name === "address")!.fields!.map((f) => [f.name, f.optional])).toEqual([
      ["street", false],
      ["zip", true],
    ]);
    // Fields with a default are optional in a form.
    expect(json.events.find((e) => e.name === "OrderPlaced")!.fields!.find((f) => f.name === "createdAt")!.optional).toBe(true);
  });

  test("a self-referencing type stops instead of recursing forever", () => {
    const cyclic = schemaJson(schemaFrom('input Node { name: String  next: Node? }\napi Add { method: POST  path: "/n"  body: Node }\n'));
    const next = cyclic.apis[0]!.body!.fields!.find((f) => f.name === "next")!;
    expect(next.fields).toBeUndefined();
  });

  test("the graph joins API → event → handler → event and cron → event", () => {
    const graph = schemaGraph(schemaFrom());
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: "api:PlaceOrder", to: "event:OrderPlaced" },
        { from: "event:OrderPlaced", to: "handler:reserve_stock" },
        { from: "handler:reserve_stock", to: "event:StockReserved" },
        { from: "event:StockReserved", to: "handler:notify" },
        { from: "cron:Nightly", to: "event:StockReserved" },
      ]),
    );
    expect(graph.nodes.find((n) => n.id === "api:GetOrder")).toMatchObject({ kind: "api", detail: "GET /orders/:id" });
  });
});
