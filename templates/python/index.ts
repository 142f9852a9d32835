/**
 * The Python templates, imported as text so the single binary embeds them.
 * Adding a template: put the .eta file here and list it below.
 */
/// <reference path="../eta.d.ts" />
import api from "./api.eta" with { type: "text" };
import event from "./event.eta" with { type: "text" };
import init from "./init.eta" with { type: "text" };
import shape from "./shape.eta" with { type: "text" };
import state from "./state.eta" with { type: "text" };
import stubApi from "./stub-api.eta" with { type: "text" };
import stubCron from "./stub-cron.eta" with { type: "text" };
import stubEvent from "./stub-event.eta" with { type: "text" };
import stubMiddleware from "./stub-middleware.eta" with { type: "text" };
import stubWebsocket from "./stub-websocket.eta" with { type: "text" };
import websocket from "./websocket.eta" with { type: "text" };

export const pythonTemplates = {
  api,
  event,
  init,
  shape,
  state,
  "stub-api": stubApi,
  "stub-cron": stubCron,
  "stub-event": stubEvent,
  "stub-middleware": stubMiddleware,
  "stub-websocket": stubWebsocket,
  websocket,
} as const;

export type PythonTemplateName = keyof typeof pythonTemplates;
