/** Highlights .ro source: keywords, types, strings, comments, attributes. Returns nodes, never HTML strings. */
import { h } from "./dom.ts";

const KEYWORDS = new Set(["model", "type", "input", "api", "event", "cron", "ws"]);
const SCALARS = new Set(["String", "Int", "Float", "Boolean", "DateTime", "Json"]);
const TOKEN = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*")|(@@?[A-Za-z_]\w*)|([A-Za-z_]\w*)|(\s+|.)/g;

export function highlightRo(source: string): Node[] {
  const out: Node[] = [];
  for (const m of source.matchAll(TOKEN)) {
    const [text, comment, string, attribute, word] = m;
    if (comment) out.push(h("span", { class: "tok-comment" }, comment));
    else if (string) out.push(h("span", { class: "tok-string" }, string));
    else if (attribute) out.push(h("span", { class: "tok-attr" }, attribute));
    else if (word && KEYWORDS.has(word)) out.push(h("span", { class: "tok-keyword" }, word));
    else if (word && SCALARS.has(word)) out.push(h("span", { class: "tok-scalar" }, word));
    else if (word && /^[A-Z]/.test(word)) out.push(h("span", { class: "tok-type" }, word));
    else out.push(document.createTextNode(text));
  }
  return out;
}

/** Source with line numbers starting at `firstLine`. */
export function codeBlock(source: string, firstLine: number): HTMLElement {
  const lines = source.split("\n");
  const gutter = lines.map((_, i) => String(firstLine + i)).join("\n");
  return h("div", { class: "code" }, h("pre", { class: "gutter", "aria-hidden": "true" }, gutter), h("pre", { class: "source" }, h("code", {}, highlightRo(source))));
}
