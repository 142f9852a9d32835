/**
 * The import block of one generated Python module, grouped as isort would
 * (standard library, third party, the generated package). Names are aliased
 * when they would clash with a class the module defines (api Health returning
 * type HealthResponse defines its own HealthResponse). Imports inside a cycle
 * of shapes go to the bottom of the module ("late"), after the classes exist.
 */

interface ImportedName {
  name: string;
  local: string;
}

type Group = "stdlib" | "third" | "local";

const STDLIB = new Set(["typing", "datetime", "collections.abc", "enum"]);

export class PyImports {
  private readonly taken: Set<string>;
  private readonly byKey = new Map<string, ImportedName>();
  private readonly modules = new Map<string, { names: ImportedName[]; late: boolean }>();

  /**
   * `self` is the module's dotted name ("generated.api.create_user"), used to
   * write imports from the generated package as relative ones; pass
   * `undefined` for modules outside it (stubs), which import absolutely.
   */
  constructor(
    private readonly self: string | undefined,
    locals: Iterable<string>,
  ) {
    this.taken = new Set(locals);
  }

  /** Imports `name` from `module` (dotted, absolute); returns the local name to use. */
  add(module: string, name: string, late = false): string {
    const key = `${module}#${name}`;
    const known = this.byKey.get(key);
    if (known) return known.local;
    let local = name;
    for (let n = 1; this.taken.has(local); n++) local = n === 1 ? `${name}Shape` : `${name}Shape${n}`;
    this.taken.add(local);
    const entry = { name, local };
    this.byKey.set(key, entry);
    const group = this.modules.get(module) ?? { names: [], late };
    group.names.push(entry);
    // A module imported both early and late is imported early: the class is needed at definition time.
    group.late = group.late && late;
    this.modules.set(module, group);
    return local;
  }

  /** Top-of-module import lines, blank lines between groups. */
  lines(): string[] {
    const groups: Record<Group, string[]> = { stdlib: [], third: [], local: [] };
    for (const module of [...this.modules.keys()].sort(compareModules)) {
      const entry = this.modules.get(module)!;
      if (entry.late) continue;
      groups[groupOf(module)].push(this.line(module, entry.names));
    }
    const out: string[] = [];
    for (const group of ["stdlib", "third", "local"] as const) {
      if (groups[group].length === 0) continue;
      if (out.length) out.push("");
      out.push(...groups[group]);
    }
    return out;
  }

  /** Imports that must follow the class definitions (cycles between generated shapes). */
  lateLines(): string[] {
    return [...this.modules.keys()]
      .sort(compareModules)
      .filter((m) => this.modules.get(m)!.late)
      .map((m) => this.line(m, this.modules.get(m)!.names));
  }

  private line(module: string, names: ImportedName[]): string {
    const list = [...names]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((n) => (n.local === n.name ? n.name : `${n.name} as ${n.local}`))
      .join(", ");
    return `from ${this.moduleSpecifier(module)} import ${list}`;
  }

  private moduleSpecifier(module: string): string {
    if (!this.self || !module.startsWith("generated.") && module !== "generated") return module;
    return relativeModule(this.self, module);
  }
}

function groupOf(module: string): Group {
  if (STDLIB.has(module)) return "stdlib";
  if (module === "generated" || module.startsWith("generated.")) return "local";
  return "third";
}

function compareModules(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `generated.api.create_user` importing `generated.models.user` → `..models.user`. */
export function relativeModule(from: string, to: string): string {
  const fromPackage = from.split(".").slice(0, -1);
  const target = to.split(".");
  let common = 0;
  while (common < fromPackage.length && common < target.length - 1 && fromPackage[common] === target[common]) common++;
  const dots = ".".repeat(fromPackage.length - common + 1);
  return dots + target.slice(common).join(".");
}
