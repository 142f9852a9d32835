/**
 * Compiled validators for request bodies, query strings and WebSocket
 * messages, and the `{ error, fields }` shape every validation failure takes.
 */
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import type { TSchema } from "@sinclair/typebox";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import type { TypeRef } from "../../grammar/ast.ts";
import type { ShapeDef } from "../../core/schema.ts";
import { typeBoxFor, type TypeBoxOptions } from "./typebox-from-schema.ts";

export interface FieldError {
  /** JSON pointer into the checked value, e.g. `/email` or `/tags/0`; "" for the value itself. */
  path: string;
  message: string;
}

export interface ValidationFailure {
  error: string;
  fields: FieldError[];
}

/** At most this many field errors are reported, so a huge bad array cannot produce a huge response. */
const MAX_FIELD_ERRORS = 20;

export class Validator {
  private readonly check: TypeCheck<TSchema>;

  constructor(
    readonly type: TypeRef,
    shapes: Map<string, ShapeDef>,
    options?: TypeBoxOptions,
  ) {
    const { root, references } = typeBoxFor(type, shapes, options);
    this.check = TypeCompiler.Compile(root, references);
  }

  /** True when the value conforms; the fast path allocates nothing. */
  test(value: unknown): boolean {
    return this.check.Check(value);
  }

  /** One error per offending path (the first TypeBox reports for it). */
  errors(value: unknown): FieldError[] {
    const out: FieldError[] = [];
    collect(this.check.Errors(value), out, new Set<string>());
    return out;
  }
}

/**
 * Optional fields are `T | null` unions, for which TypeBox reports only
 * "Expected union value" at the field; the errors of the first variant (the
 * declared type) say what is actually wrong inside it.
 */
function collect(errors: Iterable<ValueError>, out: FieldError[], seen: Set<string>): void {
  for (const e of errors) {
    if (out.length >= MAX_FIELD_ERRORS) return;
    const variant = e.type === ValueErrorType.Union && e.value !== null && e.value !== undefined ? e.errors[0] : undefined;
    if (variant) {
      const before = out.length;
      collect(variant, out, seen);
      if (out.length > before) continue;
    }
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push({ path: e.path, message: e.message });
  }
}

/** Compiled once per type reference and options; APIs sharing an input share its validator. */
export class ValidatorCache {
  private readonly cache = new Map<string, Validator>();
  constructor(private readonly shapes: Map<string, ShapeDef>) {}

  for(type: TypeRef, options: TypeBoxOptions = {}): Validator {
    const key = `${type.name}${type.array ? "[]" : ""}${type.optional ? "?" : ""}${options.relaxGenerated ? "~" : ""}`;
    let v = this.cache.get(key);
    if (!v) {
      v = new Validator(type, this.shapes, options);
      this.cache.set(key, v);
    }
    return v;
  }
}
