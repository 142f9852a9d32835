/**
 * `/_rohas/api/live`: server-sent events of new spans, logs and dead letters,
 * one `batch` event per store flush, and a `diagnostics` event with the
 * schema's current problems on connect and whenever `rohas dev` reports them. SSE rides a plain fetch handler, so it
 * needs nothing from the server plugin. A comment line every few seconds keeps
 * idle connections open (Bun closes sockets idle for 10 s); a client that does
 * not keep up loses batches instead of growing the queue; shutdown ends every
 * stream so the server can drain.
 */
import type { TelemetryQuery } from "../../core/telemetry-query.ts";
import type { TelemetryRecord } from "../../core/telemetry.ts";
import type { DiagnosticsBoard, DiagnosticsView } from "./diagnostics.ts";

const KEEP_ALIVE_MS = 5_000;
/** Queued chunks beyond which a slow client's batches are skipped. */
const MAX_QUEUED = 256;

export class LiveStreams {
  private readonly open = new Set<() => void>();

  get size(): number {
    return this.open.size;
  }

  /** Either source may be missing (telemetry off): the stream carries what there is. */
  stream(sources: { telemetry?: TelemetryQuery; diagnostics?: DiagnosticsBoard }, request: Request, headers: Record<string, string> = {}): Response {
    const encoder = new TextEncoder();
    let close = () => {};
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          let closed = false;
          const send = (text: string) => {
            if (closed) return;
            if ((controller.desiredSize ?? 0) < -MAX_QUEUED) return;
            try {
              controller.enqueue(encoder.encode(text));
            } catch {
              close();
            }
          };
          const sendDiagnostics = (view: DiagnosticsView) => send(`event: diagnostics\ndata: ${JSON.stringify(view)}\n\n`);
          const unsubscribers = [
            sources.telemetry?.subscribe((records: TelemetryRecord[]) => {
              send(`event: batch\ndata: ${JSON.stringify(records)}\n\n`);
            }),
            sources.diagnostics?.subscribe(sendDiagnostics),
          ];
          const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
          close = () => {
            if (closed) return;
            closed = true;
            for (const unsubscribe of unsubscribers) unsubscribe?.();
            clearInterval(keepAlive);
            this.open.delete(close);
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          };
          this.open.add(close);
          request.signal.addEventListener("abort", close);
          send(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ time: Date.now(), telemetry: sources.telemetry !== undefined })}\n\n`);
          if (sources.diagnostics) sendDiagnostics(sources.diagnostics.current);
        },
        cancel: () => close(),
      },
      { highWaterMark: 1 },
    );
    return new Response(body, {
      headers: {
        ...headers,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
