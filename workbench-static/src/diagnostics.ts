/**
 * The schema's problems while `rohas dev` runs: a panel above every page with
 * each error's file:line:col, the source line with a caret under the span,
 * the message and hint. It follows the live stream's `diagnostics` events
 * (sent on connect and on every reload) and hides once the list is empty.
 */
import { getJson, type DiagnosticJson, type DiagnosticsView } from "./api.ts";
import { h, replace } from "./dom.ts";

let shownAt = -1;

export function showDiagnostics(panel: HTMLElement, view: DiagnosticsView): void {
  // Events and the first fetch can cross: never let an older report replace a newer one.
  if (view.updatedAt < shownAt) return;
  shownAt = view.updatedAt;
  const list = view.diagnostics;
  panel.hidden = list.length === 0;
  panel.dataset.count = String(list.length);
  if (list.length === 0) return replace(panel);
  const errors = list.filter((d) => d.severity === "error").length;
  const warnings = list.length - errors;
  const counts = [errors > 0 ? `${errors} error${errors === 1 ? "" : "s"}` : "", warnings > 0 ? `${warnings} warning${warnings === 1 ? "" : "s"}` : ""].filter(Boolean).join(", ");
  replace(
    panel,
    h(
      "div",
      { class: "diagnostics-head" },
      h("strong", {}, `Schema: ${counts}`),
      errors > 0 ? h("span", { class: "dim" }, " — still serving the last good schema; save a fix to reload") : null,
    ),
    list.map(renderOne),
  );
}

function renderOne(d: DiagnosticJson): HTMLElement {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.column ?? 1}` : ""}` : "";
  let excerpt: HTMLElement | null = null;
  if (d.lineText !== undefined && d.line !== undefined && d.column !== undefined) {
    const gutter = `${d.line} | `;
    // Tabs are kept in the padding so the caret lines up under tabbed source.
    const padding = d.lineText.slice(0, d.column - 1).replace(/[^\t]/g, " ");
    const marker = "^".repeat(Math.max(1, d.length ?? 1));
    excerpt = h(
      "pre",
      { class: "diagnostic-source", "data-testid": "diagnostic-source" },
      h("span", { class: "dim" }, gutter),
      d.lineText,
      "\n",
      " ".repeat(gutter.length),
      padding,
      h("span", { class: `caret ${d.severity}` }, marker),
    );
  }
  return h(
    "div",
    { class: `diagnostic ${d.severity}`, "data-testid": "diagnostic", "data-severity": d.severity, "data-code": d.code, "data-where": where },
    h(
      "div",
      { class: "diagnostic-title" },
      where ? h("span", { class: "mono", "data-testid": "diagnostic-where" }, where) : null,
      h("span", { class: `badge ${d.severity}` }, d.severity),
      h("span", { "data-testid": "diagnostic-message" }, d.message),
      h("span", { class: "dim small" }, d.code),
    ),
    excerpt,
    d.hint ? h("div", { class: "diagnostic-hint" }, `hint: ${d.hint}`) : null,
  );
}

/** The current list, for a page opened between reports. */
export async function loadDiagnostics(panel: HTMLElement): Promise<void> {
  try {
    showDiagnostics(panel, await getJson<DiagnosticsView>("/diagnostics"));
  } catch {
    // the live stream delivers them as soon as it connects
  }
}
