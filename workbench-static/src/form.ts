/**
 * Forms generated from the schema: one input per scalar field, nested
 * fieldsets for models/types/inputs, JSON text for lists and Json. A blank
 * optional field is left out of the value.
 */
import type { FieldJson } from "./api.ts";
import { h } from "./dom.ts";

export interface FieldControl {
  el: HTMLElement;
  /** `undefined` when left blank. Throws a message when the text is not valid for the type. */
  read(): unknown;
  write(value: unknown): void;
}

const SCALARS = new Set(["String", "Int", "Float", "Boolean", "DateTime", "Json"]);

export function fieldControl(field: FieldJson, path: string, bare = false): FieldControl {
  const id = `f-${path.replace(/[^\w-]/g, "_")}`;
  const label = (control: HTMLElement) =>
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, field.name, h("span", { class: "type" }, ` ${field.type}${field.array ? "[]" : ""}${field.optional ? "?" : ""}`)),
      control,
    );

  if (field.array || field.type === "Json" || (!SCALARS.has(field.type) && !field.fields)) {
    const area = h("textarea", { id, rows: 3, class: "mono", name: path, placeholder: field.array ? "[ … ] as JSON" : "JSON", "data-field": path });
    return {
      el: label(area),
      read: () => {
        const text = area.value.trim();
        if (!text) return undefined;
        try {
          return JSON.parse(text);
        } catch {
          throw new Error(`${path}: not valid JSON`);
        }
      },
      write: (v) => {
        area.value = v === undefined ? "" : JSON.stringify(v, null, 2);
      },
    };
  }
  if (field.fields) {
    const children = field.fields.map((f) => ({ f, c: fieldControl(f, `${path}.${f.name}`) }));
    const set = bare
      ? h("div", { class: "fields" }, children.map((x) => x.c.el))
      : h("fieldset", { class: "nested" }, h("legend", {}, field.name, h("span", { class: "type" }, ` ${field.type}${field.optional ? "?" : ""}`)), children.map((x) => x.c.el));
    return {
      el: set,
      read: () => {
        const out: Record<string, unknown> = {};
        for (const { f, c } of children) {
          const v = c.read();
          if (v !== undefined) out[f.name] = v;
        }
        return Object.keys(out).length === 0 && field.optional ? undefined : out;
      },
      write: (v) => {
        const obj = (v && typeof v === "object" ? v : {}) as Record<string, unknown>;
        for (const { f, c } of children) c.write(obj[f.name]);
      },
    };
  }
  if (field.type === "Boolean") {
    const select = h("select", { id, name: path, "data-field": path }, h("option", { value: "" }, "(leave out)"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
    return {
      el: label(select),
      read: () => (select.value === "" ? undefined : select.value === "true"),
      write: (v) => {
        select.value = v === true ? "true" : v === false ? "false" : "";
      },
    };
  }
  const numeric = field.type === "Int" || field.type === "Float";
  const input = h("input", {
    id,
    name: path,
    "data-field": path,
    type: numeric ? "number" : "text",
    step: field.type === "Int" ? "1" : numeric ? "any" : undefined,
    placeholder: field.type === "DateTime" ? "2025-01-31T12:00:00Z" : field.optional ? "optional" : "",
  });
  const el =
    field.type === "DateTime"
      ? label(h("div", { class: "with-button" }, input, h("button", { type: "button", class: "ghost small", onclick: () => (input.value = new Date().toISOString()) }, "now")))
      : label(input);
  return {
    el,
    read: () => {
      const text = input.value;
      if (text === "") return undefined;
      if (!numeric) return text;
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error(`${path}: not a number`);
      return n;
    },
    write: (v) => {
      input.value = v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    },
  };
}

/** A whole value (body or payload): either a nested form or, for scalars and lists, one control. */
export function valueControl(type: string, fields: FieldJson[] | undefined, array: boolean, path: string): FieldControl {
  return fieldControl({ name: path, type, array, optional: false, fields }, path, true);
}
