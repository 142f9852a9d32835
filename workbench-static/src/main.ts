/**
 * Rohas Workbench: a small single-page app over /_rohas/api/. Hash routes
 * (#/page/arg…) so the server serves one page; each page renders into <main>.
 */
import { getJson, type Info } from "./api.ts";
import { h, replace } from "./dom.ts";
import { loadDiagnostics } from "./diagnostics.ts";
import { connectLive } from "./live.ts";
import type { Page, PageContext } from "./page.ts";
import { deadLettersPage } from "./pages/dead-letters.ts";
import { graphPage } from "./pages/graph.ts";
import { logsPage } from "./pages/logs.ts";
import { metricsPage } from "./pages/metrics.ts";
import { schemaPage } from "./pages/schema.ts";
import { testerPage } from "./pages/tester.ts";
import { tracesPage } from "./pages/traces.ts";

const PAGES: { id: string; title: string; page: Page }[] = [
  { id: "schema", title: "Schema", page: schemaPage },
  { id: "graph", title: "Graph", page: graphPage },
  { id: "traces", title: "Traces", page: tracesPage },
  { id: "logs", title: "Logs", page: logsPage },
  { id: "metrics", title: "Metrics", page: metricsPage },
  { id: "dead-letters", title: "Dead letters", page: deadLettersPage },
  { id: "tester", title: "API tester", page: testerPage },
];

let leave: () => void = () => {};

async function route(main: HTMLElement, nav: HTMLElement): Promise<void> {
  leave();
  const hash = location.hash.replace(/^#\/?/, "");
  const q = hash.indexOf("?");
  const [id = "schema", ...args] = (q === -1 ? hash : hash.slice(0, q)).split("/").map(decodeURIComponent);
  const query = new URLSearchParams(q === -1 ? "" : hash.slice(q + 1));
  const entry = PAGES.find((p) => p.id === id) ?? PAGES[0]!;
  for (const a of nav.querySelectorAll<HTMLAnchorElement>("a")) a.classList.toggle("active", a.dataset.page === entry.id);
  document.title = `${entry.title} · Rohas Workbench`;
  const cleanups: (() => void)[] = [];
  const ctx: PageContext = { main, args, query, onCleanup: (fn) => cleanups.push(fn), left: false };
  leave = () => {
    (ctx as { left: boolean }).left = true;
    for (const fn of cleanups.splice(0)) fn();
  };
  main.dataset.page = entry.id;
  replace(main, h("p", { class: "dim" }, "Loading…"));
  try {
    await entry.page(ctx);
  } catch (error) {
    if (!ctx.left) replace(main, h("div", { class: "error-box", role: "alert" }, h("strong", {}, "Could not load this page. "), error instanceof Error ? error.message : String(error)));
  }
}

async function showInfo(el: HTMLElement): Promise<void> {
  try {
    const info = await getJson<Info>("/info");
    const t = info.telemetry;
    document.getElementById("project")!.textContent = `${info.project.name} ${info.project.version}`;
    replace(
      el,
      t === null
        ? h("span", { class: "warn" }, "telemetry off")
        : [
            h("span", { title: "records written to the telemetry store" }, `${t.written.toLocaleString()} written`),
            t.sampleRatio < 1
              ? h("span", { class: "warn", title: "Traffic is over the store's span budget: whole traces are sampled; metrics, logs and failures are all kept" }, ` · keeping ${Math.max(1, Math.round(t.sampleRatio * 100))}% of traces`)
              : null,
            t.dropped > 0 ? h("span", { class: "warn", title: t.lastError ?? "buffer full: the store could not keep up" }, ` · ${t.dropped.toLocaleString()} dropped`) : null,
          ],
    );
  } catch {
    replace(el, h("span", { class: "error" }, "server unreachable"));
  }
}

function start(): void {
  const main = document.getElementById("main")!;
  const nav = document.getElementById("nav")!;
  replace(nav, PAGES.map((p) => h("a", { href: `#/${p.id}`, "data-page": p.id }, p.title)));
  const diagnostics = document.getElementById("diagnostics")!;
  connectLive(document.getElementById("live")!, diagnostics);
  void loadDiagnostics(diagnostics);
  const stats = document.getElementById("stats")!;
  void showInfo(stats);
  setInterval(() => void showInfo(stats), 10_000);
  window.addEventListener("hashchange", () => void route(main, nav));
  void route(main, nav);
}

start();
