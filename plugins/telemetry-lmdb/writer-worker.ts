/**
 * The writer worker: owns the write side of the telemetry store, so encoding
 * and queuing every record's writes happens off the thread that answers
 * requests. The main thread posts each batch as one JSON string.
 */
import { openTables, type Tables } from "./tables.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";
import { LmdbWriter, type WriteBatch } from "./writer.ts";

declare const self: Worker;

let tables: Tables | undefined;
let writer: LmdbWriter | undefined;
const reply = (message: FromWriter) => self.postMessage(message);
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

self.onmessage = async (event: MessageEvent<ToWriter>) => {
  const message = event.data;
  switch (message.op) {
    case "open":
      try {
        tables = openTables(message.path);
        writer = new LmdbWriter(tables, message.maxCachedTraces);
        reply({ op: "ready" });
      } catch (error) {
        reply({ op: "failed", error: reason(error) });
      }
      return;
    case "write":
      try {
        await writer!.write(JSON.parse(message.json) as WriteBatch);
        reply({ op: "done", id: message.id });
      } catch (error) {
        reply({ op: "error", id: message.id, error: reason(error) });
      }
      return;
    case "removeBefore":
      try {
        reply({ op: "done", id: message.id, value: await writer!.removeBefore(message.cutoff) });
      } catch (error) {
        reply({ op: "error", id: message.id, error: reason(error) });
      }
      return;
    case "close":
      try {
        await tables?.root.close();
      } finally {
        reply({ op: "done", id: message.id });
      }
      return;
  }
};
