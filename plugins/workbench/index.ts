/**
 * workbench: the developer UI and its JSON API, served on the application's
 * own server under /_rohas/ (see core/http-routes.ts).
 */
import { registerRoutes } from "../../core/http-routes.ts";
import type { RohasPlugin } from "../../core/plugin.ts";
import { WorkbenchApi } from "./api.ts";

const workbench: RohasPlugin = {
  name: "workbench",
  apply(rohas) {
    rohas.hooks.serve.tap("workbench", (engine) => {
      const api = new WorkbenchApi(engine, { apiKey: rohas.config.workbench.api_key, allowedOrigins: rohas.config.workbench.allowed_origins });
      registerRoutes(engine, { prefix: "/_rohas", fetch: (request, info) => api.fetch(request, info) });
    });
  },
};

export default workbench;
