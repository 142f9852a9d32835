import { MemoryAdapter } from "../../plugins/adapter-memory/adapter.ts";
import { conformance } from "./conformance.ts";

conformance("memory", {
  durable: false,
  async create() {
    const adapter = new MemoryAdapter({ bufferSize: 1000 });
    await adapter.connect();
    return adapter;
  },
});
