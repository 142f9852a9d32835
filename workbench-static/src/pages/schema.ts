/** Schema: every block, grouped by kind, with its source and links between blocks. */
import { getJson, type BlockJson, type SchemaJson } from "../api.ts";
import { empty, h, replace } from "../dom.ts";
import { codeBlock } from "../highlight.ts";
import type { PageContext } from "../page.ts";

const GROUPS: { kind: string; title: string }[] = [
  { kind: "api", title: "APIs" },
  { kind: "event", title: "Events" },
  { kind: "cron", title: "Crons" },
  { kind: "ws", title: "WebSockets" },
  { kind: "model", title: "Models" },
  { kind: "type", title: "Types" },
  { kind: "input", title: "Inputs" },
];

export async function schemaPage(ctx: PageContext): Promise<void> {
  const schema = await getJson<SchemaJson>("/schema");
  if (ctx.left) return;
  const [kind, name] = ctx.args;
  const byName = new Map(schema.blocks.map((b) => [b.name, b]));
  const selected = schema.blocks.find((b) => b.kind === kind && b.name === name) ?? schema.blocks[0];

  const filter = h("input", { type: "search", placeholder: "Filter blocks…", "aria-label": "Filter blocks", class: "filter-input" });
  const list = h("div", { class: "block-list" });
  const renderList = () => {
    const q = filter.value.trim().toLowerCase();
    replace(
      list,
      GROUPS.map((g) => {
        const blocks = schema.blocks.filter((b) => b.kind === g.kind && (!q || b.name.toLowerCase().includes(q) || b.summary.toLowerCase().includes(q)));
        if (blocks.length === 0) return null;
        return h(
          "section",
          {},
          h("h3", {}, g.title, " ", h("span", { class: "count" }, blocks.length)),
          blocks.map((b) =>
            h(
              "a",
              {
                href: `#/schema/${b.kind}/${encodeURIComponent(b.name)}`,
                class: `block-link${b === selected ? " active" : ""}`,
                "data-testid": "schema-block",
                "data-kind": b.kind,
                "data-name": b.name,
              },
              h("span", { class: `kind kind-${b.kind}` }, b.kind),
              h("span", { class: "name" }, b.name),
              h("span", { class: "summary" }, b.summary),
            ),
          ),
        );
      }),
    );
  };
  filter.addEventListener("input", renderList);
  renderList();

  const detail = selected ? blockDetail(selected, byName) : empty("This schema has no blocks yet: add .ro files under schema/.");
  replace(
    ctx.main,
    h(
      "div",
      { class: "split" },
      h("aside", { class: "sidebar" }, h("h2", {}, "Schema ", h("span", { class: "count" }, `${schema.blocks.length} blocks · ${schema.files.length} files`)), filter, list),
      h("section", { class: "detail" }, detail),
    ),
  );
}

function ref(name: string | undefined, byName: Map<string, BlockJson>): Node | string {
  if (!name) return "–";
  const base = name.replace(/[[\]?]/g, "");
  const target = byName.get(base);
  return target ? h("a", { href: `#/schema/${target.kind}/${encodeURIComponent(target.name)}`, class: "ref" }, name) : name;
}

function refs(names: unknown, byName: Map<string, BlockJson>): Node[] | string {
  const list = Array.isArray(names) ? (names as string[]) : [];
  if (list.length === 0) return "–";
  return list.flatMap((n, i) => [i > 0 ? document.createTextNode(", ") : null, ref(n, byName) as Node].filter((x): x is Node => x !== null));
}

function blockDetail(b: BlockJson, byName: Map<string, BlockJson>): HTMLElement {
  const d = b.details;
  const rows: [string, Node | Node[] | string][] = [];
  switch (b.kind) {
    case "api":
      rows.push(["Route", h("code", {}, `${d.method} ${d.path}`)]);
      rows.push(["Body", ref(d.body as string | undefined, byName)]);
      rows.push(["Query", ref(d.query as string | undefined, byName)]);
      rows.push(["Response", ref(d.response as string | undefined, byName)]);
      rows.push(["Triggers", refs(d.triggers, byName)]);
      rows.push(["Middlewares", (d.middlewares as string[]).join(", ") || "–"]);
      break;
    case "event":
      rows.push(["Payload", ref(d.payload as string | undefined, byName)]);
      rows.push(["Handlers", (d.handlers as string[]).join(", ") || "–"]);
      rows.push(["Triggers", refs(d.triggers, byName)]);
      break;
    case "cron":
      rows.push(["Schedule", h("code", {}, String(d.schedule))]);
      rows.push(["Handler", String(d.handler)]);
      rows.push(["Triggers", refs(d.triggers, byName)]);
      break;
    case "ws":
      rows.push(["Path", h("code", {}, String(d.path))]);
      rows.push(["Message", ref(d.message as string | undefined, byName)]);
      rows.push(["On connect", (d.onConnect as string[]).join(", ") || "–"]);
      rows.push(["On message", (d.onMessage as string[]).join(", ") || "–"]);
      rows.push(["On disconnect", (d.onDisconnect as string[]).join(", ") || "–"]);
      rows.push(["Triggers", refs(d.triggers, byName)]);
      break;
    default:
      for (const f of d.fields as { name: string; type: string; attributes: string[] }[]) {
        rows.push([f.name, h("span", {}, ref(f.type, byName), f.attributes.length ? h("span", { class: "dim" }, ` ${f.attributes.map((a) => `@${a}`).join(" ")}`) : null)]);
      }
  }
  const actions: Node[] = [];
  if (b.kind === "api") actions.push(h("a", { class: "button", href: `#/tester/api/${encodeURIComponent(b.name)}` }, "Try it in the API tester"));
  if (b.kind === "event") actions.push(h("a", { class: "button", href: `#/tester/event/${encodeURIComponent(b.name)}` }, "Publish by hand"));
  if (b.kind === "api" || b.kind === "event" || b.kind === "cron" || b.kind === "ws") {
    actions.push(h("a", { class: "button ghost", href: `#/graph/${b.kind}:${encodeURIComponent(b.name)}` }, "Show in graph"));
  }
  return h(
    "article",
    { class: "block-detail", "data-testid": "block-detail" },
    h("header", {}, h("span", { class: `kind kind-${b.kind}` }, b.kind), h("h2", {}, b.name), h("span", { class: "dim" }, `${b.file}:${b.line}`)),
    h("table", { class: "props" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v))))),
    actions.length ? h("div", { class: "actions" }, actions) : null,
    codeBlock(b.source, b.line),
  );
}
