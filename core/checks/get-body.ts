/**
 * Rule 7: GET and HEAD requests carry no body (clients and proxies drop it), so
 * an API declaring one would never receive it.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, type Schema } from "../schema.ts";
import { writtenMethod } from "./properties.ts";

export function checkBodyOnGet(schema: Schema, diagnostics: Diagnostic[]): void {
  for (const api of schema.apis) {
    if (!api.body) continue;
    const method = writtenMethod(api);
    if (method !== "GET" && method !== "HEAD") continue;
    diagnostics.push(
      error(
        "validate/body-on-get",
        `api ${api.name} is a ${method} request and cannot have a body`,
        api.body.span,
        `use \`query: ${api.body.name}\` for ${method} parameters, or change the method to POST`,
      ),
    );
  }
}
