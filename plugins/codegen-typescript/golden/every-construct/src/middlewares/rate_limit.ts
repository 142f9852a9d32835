// Middleware rate_limit, used by api GetUser (declared in schema/api/user.ro).
// Created once by `rohas codegen`; this file is yours and is never overwritten.
import type { State, MiddlewareContext, MiddlewareResult } from "../generated/state";

// Return nothing to continue, { body, queryParams } to change the request, or throw to reject
// (an error with a numeric `status` picks the HTTP status; otherwise 403).
export async function middleware(context: MiddlewareContext, state: State): Promise<MiddlewareResult> {
  state.logger.debug("rate_limit middleware", { traceId: context.traceId });
}
