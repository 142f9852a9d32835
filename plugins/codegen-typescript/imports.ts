/**
 * The import block of one generated module. Names are aliased when they
 * would clash with something the module defines (api Health returning type
 * HealthResponse defines its own HealthResponse) or with another import.
 */
import { posix } from "node:path";

interface ImportedName {
  name: string;
  local: string;
  typeOnly: boolean;
}

export class ModuleImports {
  private readonly taken: Set<string>;
  private readonly byKey = new Map<string, ImportedName>();
  private readonly byModule = new Map<string, ImportedName[]>();

  /**
   * `resolve` turns a generated module id ("models/user") into the specifier
   * this module imports it by; `locals` are the names the module defines.
   */
  constructor(
    private readonly resolve: (target: string) => string,
    locals: Iterable<string>,
  ) {
    this.taken = new Set(locals);
  }

  /** Imports for a module inside src/generated, identified by its id (e.g. "api/create_user"). */
  static forModule(self: string, locals: Iterable<string>): ModuleImports {
    return new ModuleImports((target) => specifier(self, target), locals);
  }

  /** Imports `name` from generated module `target` (e.g. "models/user"); returns the local name to use. */
  add(target: string, name: string, typeOnly = true): string {
    const key = `${target}#${name}`;
    const known = this.byKey.get(key);
    if (known) {
      if (!typeOnly) known.typeOnly = false;
      return known.local;
    }
    let local = name;
    for (let n = 1; this.taken.has(local); n++) local = n === 1 ? `${name}Shape` : `${name}Shape${n}`;
    this.taken.add(local);
    const entry: ImportedName = { name, local, typeOnly };
    this.byKey.set(key, entry);
    const list = this.byModule.get(target) ?? [];
    list.push(entry);
    this.byModule.set(target, list);
    return local;
  }

  /** Imports from a package (not a generated module). */
  addPackage(pkg: string, name: string, typeOnly: boolean): string {
    return this.add(`pkg:${pkg}`, name, typeOnly);
  }

  /** `import` lines: packages first, then generated modules, each sorted. */
  lines(): string[] {
    const targets = [...this.byModule.keys()].sort((a, b) => {
      const pa = a.startsWith("pkg:") ? 0 : 1;
      const pb = b.startsWith("pkg:") ? 0 : 1;
      return pa - pb || (a < b ? -1 : a > b ? 1 : 0);
    });
    return targets.map((target) => {
      const names = this.byModule.get(target)!;
      const spec = target.startsWith("pkg:") ? target.slice(4) : this.resolve(target);
      const allTypes = names.every((n) => n.typeOnly);
      const parts = names.map((n) => {
        const base = n.local === n.name ? n.name : `${n.name} as ${n.local}`;
        return !allTypes && n.typeOnly ? `type ${base}` : base;
      });
      return `import ${allTypes ? "type " : ""}{ ${parts.join(", ")} } from "${spec}";`;
    });
  }
}

const specifiers = new Map<string, string>();

/** Relative import specifier between two generated modules, without extension. */
export function specifier(from: string, to: string): string {
  const fromDir = posix.dirname(from);
  const key = `${fromDir}\0${to}`;
  let spec = specifiers.get(key);
  if (spec === undefined) {
    const rel = posix.relative(fromDir, to);
    spec = rel.startsWith(".") ? rel : `./${rel}`;
    specifiers.set(key, spec);
  }
  return spec;
}
