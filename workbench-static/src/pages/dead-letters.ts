/** Dead letters: events whose handlers kept failing; inspect one and publish it again. */
import { getJson, postJson, type StoredDeadLetter } from "../api.ts";
import { debounce, empty, fmtAgo, fmtDateTime, h, pretty, replace } from "../dom.ts";
import { onLive } from "../live.ts";
import type { PageContext } from "../page.ts";

export async function deadLettersPage(ctx: PageContext): Promise<void> {
  let selected = ctx.args[0];
  const list = h("div", { class: "table-wrap" });
  const detail = h("section", { class: "detail" });
  let letters: StoredDeadLetter[] = [];
  /** The outcome of the last replay per dead letter: kept across the re-renders live updates cause. */
  const outcomes = new Map<string, ReplayOutcome>();

  const render = () => {
    const now = Date.now();
    replace(
      list,
      letters.length === 0
        ? empty("No dead letters. An event lands here when its handlers fail on every attempt ([events] max_attempts).")
        : h(
            "table",
            { class: "list" },
            h("thead", {}, h("tr", {}, h("th", {}, "Parked"), h("th", {}, "Event"), h("th", {}, "Attempts"), h("th", {}, "Error"), h("th", {}, "Replays"))),
            h(
              "tbody",
              {},
              letters.map((d) =>
                h(
                  "tr",
                  {
                    class: `click${d.id === selected ? " selected" : ""}`,
                    "data-testid": "dead-letter-row",
                    "data-event": d.event,
                    "data-id": d.id,
                    onclick: () => {
                      selected = d.id;
                      history.replaceState(null, "", `#/dead-letters/${encodeURIComponent(d.id)}`);
                      render();
                    },
                  },
                  h("td", { class: "nowrap" }, fmtAgo(d.time, now)),
                  h("td", {}, h("span", { class: "kind kind-event" }, "event"), " ", d.event),
                  h("td", { class: "num" }, d.attempts),
                  h("td", { class: "error clip" }, `${d.error.type}: ${d.error.message}`),
                  h("td", { class: "num" }, d.replays.length),
                ),
              ),
            ),
          ),
    );
    const current = letters.find((d) => d.id === selected);
    const replay = async (d: StoredDeadLetter) => {
      outcomes.set(d.id, { pending: true });
      render();
      try {
        const r = await postJson<{ replayed: string; event: string; traceId: string }>(`/dead-letters/${encodeURIComponent(d.id)}/replay`, {});
        outcomes.set(d.id, { event: r.event, traceId: r.traceId });
      } catch (error) {
        outcomes.set(d.id, { error: error instanceof Error ? error.message : String(error) });
      }
      await load().catch(() => render());
    };
    replace(
      detail,
      current ? letterDetail(current, outcomes.get(current.id), replay) : letters.length ? h("p", { class: "dim" }, "Select a dead letter to see its payload and replay it.") : null,
    );
  };
  const load = async () => {
    const result = await getJson<StoredDeadLetter[]>("/dead-letters", { limit: 200 });
    if (ctx.left) return;
    letters = result;
    render();
  };
  const reload = debounce(() => void load().catch(() => undefined), 300);
  ctx.onCleanup(reload.cancel);
  ctx.onCleanup(
    onLive((records) => {
      if (records.some((r) => r.type === "dead-letter")) reload();
    }),
  );
  replace(ctx.main, h("div", { class: "page-head" }, h("h2", {}, "Dead letters")), h("div", { class: "split wide" }, list, detail));
  await load();
}

type ReplayOutcome = { pending: true } | { event: string; traceId: string } | { error: string };

function letterDetail(d: StoredDeadLetter, outcome: ReplayOutcome | undefined, replay: (d: StoredDeadLetter) => Promise<void>): HTMLElement {
  const button = h("button", { type: "button", class: "primary", "data-testid": "replay-button", disabled: outcome !== undefined && "pending" in outcome }, "Replay");
  button.addEventListener("click", () => void replay(d));
  const result = h(
    "div",
    { class: "replay-result", "data-testid": "replay-result", "aria-live": "polite" },
    !outcome
      ? null
      : "pending" in outcome
        ? h("span", { class: "dim" }, "Publishing…")
        : "error" in outcome
          ? h("span", { class: "error" }, outcome.error)
          : [h("span", { class: "ok" }, `Published ${outcome.event} again. `), h("a", { href: `#/traces/${outcome.traceId}`, "data-testid": "replay-trace-link" }, "Follow its trace →")],
  );
  const traceId = /^00-([0-9a-f]{32})-/.exec(d.headers.traceparent ?? "")?.[1];
  return h(
    "article",
    { class: "card", "data-testid": "dead-letter-detail" },
    h("h3", {}, d.event, " ", h("span", { class: "dim small mono" }, d.id)),
    h(
      "table",
      { class: "props" },
      h(
        "tbody",
        {},
        h("tr", {}, h("th", {}, "Parked at"), h("td", {}, fmtDateTime(d.time))),
        h("tr", {}, h("th", {}, "Attempts"), h("td", {}, d.attempts)),
        h("tr", {}, h("th", {}, "Failed handlers"), h("td", {}, d.handlers.join(", ") || "–")),
        h("tr", {}, h("th", {}, "Original trace"), h("td", {}, traceId ? h("a", { href: `#/traces/${traceId}`, class: "mono" }, traceId) : "–")),
        h("tr", {}, h("th", {}, "Replays"), h("td", {}, d.replays.length ? d.replays.map((r) => fmtDateTime(r.time)).join(", ") : "none")),
      ),
    ),
    h("div", { class: "error-box" }, h("strong", {}, `${d.error.type}: `), d.error.message, d.error.stack ? h("pre", { class: "stack" }, d.error.stack) : null),
    h("h4", {}, "Payload"),
    h("pre", { class: "json" }, pretty(d.payload)),
    Object.keys(d.headers).length ? [h("h4", {}, "Headers"), h("pre", { class: "json" }, pretty(d.headers))] : null,
    h("div", { class: "actions" }, button, result),
  );
}
