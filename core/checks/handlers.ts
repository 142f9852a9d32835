/**
 * Rule 8: handler and middleware names become file and function names, so they
 * must be identifiers; and a name listed twice in one list would run twice.
 */
import type { Diagnostic } from "../../grammar/ast.ts";
import { error, type NameRef, type Schema } from "../schema.ts";
import { isIdentifier, toIdentifier } from "./names.ts";
import { where } from "./source.ts";

type Role = "handler" | "middleware";

interface Owner {
  kind: string;
  name: string;
}

export function checkHandlerNames(schema: Schema, diagnostics: Diagnostic[]): void {
  for (const api of schema.apis) checkList(diagnostics, "middleware", "middlewares", api, api.middlewares);
  // `handler` and `handlers` are merged by buildSchema: one list.
  for (const event of schema.events) checkList(diagnostics, "handler", "handlers", event, event.handlers);
  for (const cron of schema.crons) if (cron.handler) checkName(diagnostics, "handler", "handler", cron, cron.handler);
  for (const ws of schema.websockets) {
    checkList(diagnostics, "handler", "onConnect", ws, ws.onConnect);
    checkList(diagnostics, "handler", "onMessage", ws, ws.onMessage);
    checkList(diagnostics, "handler", "onDisconnect", ws, ws.onDisconnect);
    checkList(diagnostics, "middleware", "middlewares", ws, ws.middlewares);
  }
}

/** `list` names the property ("onMessage"); the full place is spelled out only when reporting. */
function checkList(diagnostics: Diagnostic[], role: Role, list: string, owner: Owner, names: NameRef[]): void {
  // Lists are short: looking back is cheaper than a map, which only long lists get.
  const firstByName = names.length > 16 ? new Map<string, NameRef>() : undefined;
  for (let i = 0; i < names.length; i++) {
    const ref = names[i]!;
    if (!checkName(diagnostics, role, list, owner, ref)) continue;
    let earlier: NameRef | undefined;
    if (firstByName) {
      earlier = firstByName.get(ref.name);
      if (!earlier) firstByName.set(ref.name, ref);
    } else {
      for (let j = 0; j < i && !earlier; j++) if (names[j]!.name === ref.name) earlier = names[j];
    }
    if (earlier) {
      diagnostics.push(
        error(
          "validate/duplicate-handler",
          `${role} '${ref.name}' is listed twice`,
          ref.span,
          `already listed in ${list} of ${owner.kind} ${owner.name} at ${where(earlier.span)}; remove one`,
        ),
      );
    }
  }
}

/** Reports a name that is not an identifier; true when the name is fine. */
function checkName(diagnostics: Diagnostic[], role: Role, list: string, owner: Owner, ref: NameRef): boolean {
  if (isIdentifier(ref.name)) return true;
  diagnostics.push(
    error(
      "validate/bad-handler-name",
      `${role} name '${ref.name}' in ${list} of ${owner.kind} ${owner.name} is not a valid identifier`,
      ref.span,
      `use letters, digits and '_', not starting with a digit, e.g. '${toIdentifier(ref.name)}'`,
    ),
  );
  return false;
}
