// A community plugin is a module exporting { name, apply(rohas) } or a factory
// taking the options table from config/rohas.toml. It needs nothing from Rohas
// at import time: everything arrives through the `rohas` object.
const PASCAL = /^[A-Z][A-Za-z0-9]*$/;

export default function naming(options = {}) {
  const severity = options.severity === "error" ? "error" : "warning";
  return {
    name: "rohas-plugin-naming",
    apply(rohas) {
      rohas.hooks.validate.tap("rohas-plugin-naming", (schema, diagnostics) => {
        const blocks = [...schema.apis, ...schema.events, ...schema.crons, ...schema.websockets, ...schema.shapes];
        for (const block of blocks) {
          if (PASCAL.test(block.name)) continue;
          const fixed = block.name.replace(/(^|[_-])([a-z])/g, (_, __, c) => c.toUpperCase());
          diagnostics.push({
            severity,
            code: "naming/pascal-case",
            message: `${block.kind} '${block.name}' should be PascalCase`,
            span: block.span,
            hint: `rename it to '${fixed}'`,
          });
        }
      });
    },
  };
}
