/** Messages between the store (main thread) and its writer worker. */
export type ToWriter =
  | { op: "open"; path: string; maxCachedTraces: number }
  /** `json`: the batch as JSON text (far cheaper to post than structured-cloning the records). */
  | { op: "write"; id: number; json: string }
  | { op: "removeBefore"; id: number; cutoff: number }
  | { op: "close"; id: number };

export type FromWriter =
  | { op: "ready" }
  | { op: "failed"; error: string }
  | { op: "done"; id: number; value?: number }
  | { op: "error"; id: number; error: string };
