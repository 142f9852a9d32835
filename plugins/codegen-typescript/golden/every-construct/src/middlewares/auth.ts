// Middleware auth, used by api CreateUser, api GetUser, ws Chat (declared in schema/api/user.ro, schema/websockets/chat.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { State, MiddlewareContext, MiddlewareResult } from "../generated/state";

// Return nothing to continue, { body, queryParams } to change the request, or throw to reject
// (an error with a numeric `status` picks the HTTP status; otherwise 403).
export async function middleware(context: MiddlewareContext, state: State): Promise<MiddlewareResult> {
  state.logger.debug("auth middleware", { traceId: context.traceId });
}
