/** Compiles embedded eta templates once and renders them. */
import { Eta } from "eta";

export type Render = (data: object) => string;

/** Code, not HTML: no escaping, and no implicit trimming (templates use `-%>` where they mean it). */
const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false, varName: "it" });

export function compileTemplates<K extends string>(sources: Record<K, string>): Record<K, Render> {
  const out = {} as Record<K, Render>;
  for (const name of Object.keys(sources) as K[]) {
    const fn = eta.compile(sources[name]);
    out[name] = (data) => fn.call(eta, data);
  }
  return out;
}
