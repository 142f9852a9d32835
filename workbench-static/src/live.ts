/**
 * One EventSource for the whole app (/_rohas/api/live). Pages subscribe while
 * they are shown; the header's dot shows whether the stream is connected.
 */
import { API_BASE, type DiagnosticsView, type TelemetryRecord } from "./api.ts";
import { showDiagnostics } from "./diagnostics.ts";

type Listener = (records: TelemetryRecord[]) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

export function connectLive(indicator: HTMLElement, diagnostics: HTMLElement): void {
  if (source) return;
  source = new EventSource(`${API_BASE}/live`);
  const set = (state: "on" | "off") => {
    indicator.dataset.state = state;
    indicator.title = state === "on" ? "live: receiving new spans and logs" : "live stream disconnected (retrying)";
  };
  set("off");
  source.addEventListener("ready", () => set("on"));
  source.onerror = () => set("off");
  source.addEventListener("diagnostics", (e) => showDiagnostics(diagnostics, JSON.parse((e as MessageEvent<string>).data) as DiagnosticsView));
  source.addEventListener("batch", (e) => {
    const records = JSON.parse((e as MessageEvent<string>).data) as TelemetryRecord[];
    for (const fn of listeners) {
      try {
        fn(records);
      } catch (error) {
        console.error(error);
      }
    }
  });
}

export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
