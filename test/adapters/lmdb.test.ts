import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LmdbAdapter } from "../../plugins/adapter-lmdb/adapter.ts";
import { conformance } from "./conformance.ts";

const root = mkdtempSync(join(tmpdir(), "rohas-lmdb-adapter-"));

conformance("lmdb", {
  durable: true,
  async create(scope) {
    const adapter = new LmdbAdapter({ path: join(root, scope), pollMs: 50 });
    await adapter.connect();
    return adapter;
  },
});
