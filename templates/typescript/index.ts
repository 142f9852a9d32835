/**
 * The TypeScript templates, imported as text so the single binary embeds them.
 * Adding a template: put the .eta file here and list it below.
 */
/// <reference path="../eta.d.ts" />
import api from "./api.eta" with { type: "text" };
import event from "./event.eta" with { type: "text" };
import index from "./index.eta" with { type: "text" };
import input from "./input.eta" with { type: "text" };
import schemas from "./schemas.eta" with { type: "text" };
import shape from "./shape.eta" with { type: "text" };
import state from "./state.eta" with { type: "text" };
import stubApi from "./stub-api.eta" with { type: "text" };
import stubCron from "./stub-cron.eta" with { type: "text" };
import stubEvent from "./stub-event.eta" with { type: "text" };
import stubMiddleware from "./stub-middleware.eta" with { type: "text" };
import stubWebsocket from "./stub-websocket.eta" with { type: "text" };
import websocket from "./websocket.eta" with { type: "text" };

export const typescriptTemplates = {
  api,
  event,
  index,
  input,
  schemas,
  shape,
  state,
  "stub-api": stubApi,
  "stub-cron": stubCron,
  "stub-event": stubEvent,
  "stub-middleware": stubMiddleware,
  "stub-websocket": stubWebsocket,
  websocket,
} as const;

export type TypeScriptTemplateName = keyof typeof typescriptTemplates;
