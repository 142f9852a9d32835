/**
 * Query strings: parsed by hand (only when the URL has one), and for APIs
 * with a `query:` shape, coerced from strings to the field types the shape
 * declares before it is validated (`?limit=5` → `{ limit: 5 }`).
 */
import type { TypeRef } from "../../grammar/ast.ts";
import type { ShapeDef } from "../../core/schema.ts";

export type RawQuery = Record<string, string | string[]>;

const EMPTY = "";

/** Repeated keys collect into arrays; `+` and percent escapes are decoded; malformed escapes are kept as written. */
export function parseQuery(url: string): RawQuery {
  const out: RawQuery = {};
  const q = url.indexOf("?");
  if (q === -1 || q === url.length - 1) return out;
  const hash = url.indexOf("#", q);
  const search = url.slice(q + 1, hash === -1 ? undefined : hash);
  for (const pair of search.split("&")) {
    if (pair === EMPTY) continue;
    const eq = pair.indexOf("=");
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? EMPTY : decode(pair.slice(eq + 1));
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

function decode(s: string): string {
  const plus = s.includes("+") ? s.replace(/\+/g, " ") : s;
  if (!plus.includes("%")) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** What an API without a `query:` shape sees of a URL's query: the last value of each key. */
export function untypedQuery(url: string): Record<string, string> {
  return flattenQuery(parseQuery(url));
}

/** The last value of each key: what an API without a `query:` shape sees. */
export function flattenQuery(raw: RawQuery): Record<string, string> {
  for (const key in raw) {
    const v = raw[key];
    if (Array.isArray(v)) raw[key] = v[v.length - 1]!;
  }
  return raw as Record<string, string>;
}

type Coerce = (value: string) => unknown;

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function scalarCoercion(name: string): Coerce {
  switch (name) {
    case "Int":
      return (v) => (INTEGER.test(v) ? Number(v) : v);
    case "Float":
      return (v) => (NUMBER.test(v) ? Number(v) : v);
    case "Boolean":
      return (v) => (v === "true" || v === "1" || v === "" ? true : v === "false" || v === "0" ? false : v);
    case "Json":
      return (v) => {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      };
    default:
      return (v) => v;
  }
}

/**
 * A function turning a raw query into typed values for the `query:` shape;
 * keys the shape does not name are passed through as strings. Returns
 * undefined when the reference is not a shape (nothing to coerce).
 */
export function queryCoercer(type: TypeRef, shapes: Map<string, ShapeDef>): ((raw: RawQuery) => Record<string, unknown>) | undefined {
  const shape = shapes.get(type.name);
  if (!shape) return undefined;
  const fields = shape.fields.map((f) => ({ name: f.name, array: f.type.array, coerce: scalarCoercion(f.type.name) }));
  return (raw) => {
    const out: Record<string, unknown> = {};
    for (const key in raw) {
      const v = raw[key]!;
      out[key] = Array.isArray(v) ? v[v.length - 1] : v;
    }
    for (const field of fields) {
      const v = raw[field.name];
      if (v === undefined) continue;
      if (field.array) out[field.name] = (Array.isArray(v) ? v : [v]).map(field.coerce);
      else out[field.name] = field.coerce(Array.isArray(v) ? v[v.length - 1]! : v);
    }
    return out;
  };
}
