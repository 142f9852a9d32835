/**
 * workbench: the developer UI and its JSON API, served on the application's
 * own server under /_rohas/ (registered through core/http-routes.ts, mounted by
 * the server plugin). Telemetry comes from whichever store registered a query
 * object (core/telemetry-query.ts); this plugin imports no other plugin.
 */
import { registerRoutes } from "../../core/http-routes.ts";
import type { RohasPlugin } from "../../core/plugin.ts";
import { getTelemetryQuery } from "../../core/telemetry-query.ts";
import { WorkbenchApi } from "./api.ts";
import { DiagnosticsBoard } from "./diagnostics.ts";
import { PREFIX, WorkbenchRoutes } from "./routes.ts";
import { isLoopback } from "./security.ts";
import { AssetTable } from "./static.ts";

const workbench: RohasPlugin = {
  name: "workbench",
  apply(rohas) {
    const assets = new AssetTable();
    // Per Rohas instance, not per serve: the CLI reports on the instance it watches.
    const diagnostics = new DiagnosticsBoard();
    rohas.hooks.diagnostics.tap("workbench", (report) => diagnostics.report(report));
    rohas.hooks.serve.tap("workbench", (engine) => {
      const { api_key, allowed_origins } = rohas.config.workbench;
      const host = rohas.config.server.host;
      const api = new WorkbenchApi(engine, () => getTelemetryQuery(rohas), { name: rohas.config.project.name, version: rohas.config.project.version }, diagnostics);
      const routes = new WorkbenchRoutes(api, assets, { apiKey: api_key, allowedOrigins: allowed_origins, serverHost: host });
      registerRoutes(engine, { prefix: PREFIX, fetch: (request, info) => routes.fetch(request, info) });
      // Live streams never end on their own: close them so the server can drain.
      rohas.onShutdown("workbench", () => api.live.closeAll());
      if (!api_key && !isLoopback(host) && host !== "localhost") {
        process.stderr.write(`warning: the server listens on ${host} but the Workbench answers only 127.0.0.1; set [workbench] api_key to use it from elsewhere\n`);
      }
    });
  },
};

export default workbench;
