/**
 * API tester: pick an API, fill a form generated from its path parameters,
 * query and body types (or edit the JSON), send it through the application's
 * own route, and follow the trace it created. Events can be published by hand.
 */
import { getJson, postJson, type ApiFormJson, type InvokeResult, type SchemaJson } from "../api.ts";
import { empty, fmtMs, h, pretty, replace } from "../dom.ts";
import { fieldControl, valueControl, type FieldControl } from "../form.ts";
import type { PageContext } from "../page.ts";

interface HistoryEntry {
  api: string;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  traceId?: string;
}
const history: HistoryEntry[] = [];

export async function testerPage(ctx: PageContext): Promise<void> {
  const schema = await getJson<SchemaJson>("/schema");
  if (ctx.left) return;
  const [kind = "api", name] = ctx.args;
  const api = kind === "api" ? (schema.apis.find((a) => a.name === name) ?? (name ? undefined : schema.apis[0])) : undefined;
  const event = kind === "event" ? schema.events.find((e) => e.name === name) : undefined;

  const side = h(
    "aside",
    { class: "sidebar" },
    h("h2", {}, "API tester"),
    h("section", {}, h("h3", {}, "APIs"), schema.apis.length ? schema.apis.map((a) =>
      h("a", { href: `#/tester/api/${encodeURIComponent(a.name)}`, class: `block-link${a === api ? " active" : ""}`, "data-testid": "tester-api", "data-name": a.name },
        h("span", { class: `method method-${a.method}` }, a.method), h("span", { class: "name" }, a.name), h("span", { class: "summary" }, a.path)),
    ) : h("p", { class: "dim" }, "No APIs.")),
    h("section", {}, h("h3", {}, "Publish an event"), schema.events.map((e) =>
      h("a", { href: `#/tester/event/${encodeURIComponent(e.name)}`, class: `block-link${e === event ? " active" : ""}`, "data-testid": "tester-event", "data-name": e.name },
        h("span", { class: "kind kind-event" }, "event"), h("span", { class: "name" }, e.name), h("span", { class: "summary" }, e.payload ?? "")),
    )),
  );
  const main = api ? apiForm(api) : event ? eventForm(event) : empty(name ? `No ${kind} named ${name} in the schema.` : "Pick an API or an event.");
  replace(ctx.main, h("div", { class: "split" }, side, h("section", { class: "detail" }, main)));
}

function apiForm(api: ApiFormJson): HTMLElement {
  const params = api.pathParams.map((p) => ({ name: p, c: fieldControl({ name: p, type: "String", array: false, optional: false }, `params.${p}`) }));
  const query = api.query.map((f) => ({ name: f.name, c: fieldControl(f, `query.${f.name}`) }));
  const body: FieldControl | undefined = api.body ? valueControl(api.body.type, api.body.fields, api.body.array, "body") : undefined;
  const bodyJson = h("textarea", { rows: 10, class: "mono", "aria-label": "Body as JSON", "data-testid": "body-json" });
  let jsonMode = false;
  const formTab = h("button", { type: "button", class: "tab active" }, "Form");
  const jsonTab = h("button", { type: "button", class: "tab", "data-testid": "json-tab" }, "JSON");
  const bodyForm = h("div", { class: "body-form" }, body ? body.el : null);
  const bodyArea = h("div", {}, bodyForm);
  const switchMode = (json: boolean) => {
    if (!body || json === jsonMode) return;
    try {
      if (json) bodyJson.value = JSON.stringify(body.read() ?? {}, null, 2);
      else body.write(bodyJson.value.trim() ? JSON.parse(bodyJson.value) : undefined);
    } catch (error) {
      showError(error);
      return;
    }
    jsonMode = json;
    formTab.classList.toggle("active", !json);
    jsonTab.classList.toggle("active", json);
    replace(bodyArea, json ? bodyJson : bodyForm);
  };
  formTab.addEventListener("click", () => switchMode(false));
  jsonTab.addEventListener("click", () => switchMode(true));

  const headerRows = h("div", { class: "header-rows" });
  const addHeader = (k = "", v = "") =>
    headerRows.appendChild(
      h("div", { class: "header-row" }, h("input", { placeholder: "header", value: k, class: "hk", "aria-label": "Header name" }), h("input", { placeholder: "value", value: v, class: "hv", "aria-label": "Header value" }), h("button", { type: "button", class: "ghost small", onclick: (e: Event) => (e.currentTarget as HTMLElement).parentElement!.remove() }, "×")),
    );

  const result = h("div", { class: "response", "aria-live": "polite" });
  const send = h("button", { type: "submit", class: "primary", "data-testid": "send-button" }, `Send ${api.method}`);
  const showError = (error: unknown) => replace(result, h("div", { class: "error-box", role: "alert" }, error instanceof Error ? error.message : String(error)));
  const historyBox = h("div", { class: "history" });
  const renderHistory = () =>
    replace(
      historyBox,
      history.length
        ? [h("h3", {}, "Recent calls"), h("ul", { class: "plain" }, history.map((e) => h("li", {}, h("span", { class: `badge status-${statusClass(e.status)}` }, e.status), ` ${e.method} ${e.url} · ${fmtMs(e.durationMs)} `, e.traceId ? h("a", { href: `#/traces/${e.traceId}` }, "trace") : null)))]
        : null,
    );
  renderHistory();

  const form = h(
    "form",
    { class: "tester", "data-testid": "tester-form", "data-api": api.name },
    h("header", {}, h("h2", {}, h("span", { class: `method method-${api.method}` }, api.method), " ", api.name), h("code", { class: "route" }, api.path)),
    api.triggers.length ? h("p", { class: "dim" }, `Triggers ${api.triggers.join(", ")}`) : null,
    params.length ? h("fieldset", {}, h("legend", {}, "Path parameters"), params.map((p) => p.c.el)) : null,
    query.length ? h("fieldset", {}, h("legend", {}, "Query"), query.map((q) => q.c.el)) : null,
    body ? h("fieldset", {}, h("legend", {}, "Body ", h("span", { class: "type" }, api.body!.type + (api.body!.array ? "[]" : "")), h("span", { class: "tabs" }, formTab, jsonTab)), bodyArea) : null,
    h("details", {}, h("summary", {}, "Headers"), headerRows, h("button", { type: "button", class: "ghost small", onclick: () => addHeader() }, "Add header")),
    h("div", { class: "actions" }, send),
    result,
    historyBox,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let input: { params: Record<string, unknown>; query: Record<string, unknown>; body?: unknown; headers: Record<string, string> };
    try {
      const headers: Record<string, string> = {};
      for (const row of headerRows.querySelectorAll<HTMLElement>(".header-row")) {
        const k = row.querySelector<HTMLInputElement>(".hk")!.value.trim();
        if (k) headers[k] = row.querySelector<HTMLInputElement>(".hv")!.value;
      }
      input = {
        params: Object.fromEntries(params.map((p) => [p.name, p.c.read()])),
        query: Object.fromEntries(query.map((q) => [q.name, q.c.read()]).filter(([, v]) => v !== undefined)),
        body: body ? (jsonMode ? (bodyJson.value.trim() ? JSON.parse(bodyJson.value) : undefined) : (body.read() ?? {})) : undefined,
        headers,
      };
    } catch (error) {
      showError(error);
      return;
    }
    send.disabled = true;
    replace(result, h("p", { class: "dim" }, "Sending…"));
    try {
      const r = await postJson<InvokeResult>(`/invoke/${encodeURIComponent(api.name)}`, input);
      history.unshift({ api: api.name, method: r.request.method, url: r.request.url, status: r.status, durationMs: r.durationMs, traceId: r.traceId });
      history.splice(10);
      renderHistory();
      replace(result, responseView(r));
    } catch (error) {
      showError(error);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

function statusClass(status: number): string {
  return status < 300 ? "ok" : status < 500 ? "warn" : "error";
}

function responseView(r: InvokeResult): HTMLElement {
  return h(
    "div",
    { class: "card", "data-testid": "response" },
    h(
      "div",
      { class: "response-head" },
      h("span", { class: `badge big status-${statusClass(r.status)}`, "data-testid": "response-status" }, r.status),
      h("code", {}, `${r.request.method} ${r.request.url}`),
      h("span", { class: "dim" }, fmtMs(r.durationMs)),
      r.traceId ? h("a", { href: `#/traces/${r.traceId}`, class: "button", "data-testid": "trace-link" }, "View trace →") : null,
    ),
    h("pre", { class: "json", "data-testid": "response-body" }, r.body === "" ? "(empty body)" : pretty(r.body)),
    h("details", {}, h("summary", {}, "Response headers"), h("pre", { class: "json" }, pretty(r.headers))),
  );
}

function eventForm(event: SchemaJson["events"][number]): HTMLElement {
  const type = event.payload?.replace(/[[\]?]/g, "") ?? "Json";
  const payload = valueControl(type, event.fields, event.payload?.includes("[]") ?? false, "payload");
  const result = h("div", { class: "response", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary", "data-testid": "publish-button" }, `Publish ${event.name}`);
  const form = h(
    "form",
    { class: "tester", "data-testid": "publish-form" },
    h("header", {}, h("h2", {}, h("span", { class: "kind kind-event" }, "event"), " ", event.name), h("span", { class: "dim" }, event.payload ? `payload: ${event.payload}` : "no payload type")),
    h("p", { class: "dim" }, "Publishes through the configured adapter, exactly like a handler's trigger: every subscribed handler runs."),
    h("fieldset", {}, h("legend", {}, "Payload"), payload.el),
    h("div", { class: "actions" }, button),
    result,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      const value = payload.read();
      const r = await postJson<{ published: string; traceId: string }>(`/publish/${encodeURIComponent(event.name)}`, { payload: value ?? {} });
      replace(result, h("div", { class: "card" }, h("span", { class: "ok" }, `Published ${r.published}. `), h("a", { href: `#/traces/${r.traceId}`, "data-testid": "trace-link" }, "Follow its trace →")));
    } catch (error) {
      replace(result, h("div", { class: "error-box", role: "alert" }, error instanceof Error ? error.message : String(error)));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
