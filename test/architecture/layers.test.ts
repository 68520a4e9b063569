// The layers of src/ go one way, bottom up, and nothing imports in a circle: a lower layer
// that reaches for a higher one is a sign the thing belongs lower, or an interface is missing.
// ARCHITECTURE.md draws the same list.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(__dirname, "../../src");

/** Bottom up. A file belongs to the layer of its first folder under src/; the files at src/'s top are the API, above all. */
export const LAYERS = ["source", "diagnostics", "json", "plan", "language", "input", "state", "engine", "stores", "connectors", "scheduler", "server", "sandbox", "spectest", "lsp", "pages", "cli", "(api)"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") || name.endsWith(".json") ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|new URL\(\s*["'](\.[^"']+)["']\s*,\s*import\.meta\.url/g;

/** Every file under src/ with the files it imports (relative imports only; packages are not layers). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = file.endsWith(".ts") ? readFileSync(file, "utf8") : "";
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith(".")) continue;
      targets.push(resolve(dirname(file), spec).replace(/\.js$/, ".ts"));
    }
    graph.set(file, targets);
  }
  return graph;
}

const name = (file: string): string => relative(SRC, file);

function layerOf(file: string): string {
  const parts = name(file).split("/");
  return parts.length === 1 ? "(api)" : parts[0]!;
}

/** The strongly connected components with more than one member (Tarjan), as sorted name lists. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("the layers of src/", () => {
  const graph = importGraph();

  it("every folder of src/ is a layer in the list", () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
    expect(LAYERS.filter((l) => l !== "(api)" && !folders.includes(l))).toEqual([]);
  });

  it("every import resolves to a file under src/", () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${name(file)} -> ${relative(SRC, t)}`));
    expect(missing).toEqual([]);
  });

  it("no layer imports from a layer above it", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = LAYERS.indexOf(layerOf(file));
      for (const target of targets) {
        const to = LAYERS.indexOf(layerOf(target));
        if (to > from) upward.push(`${name(file)} (${layerOf(file)}) imports ${name(target)} (${layerOf(target)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("no files import each other in a circle", () => {
    expect(circles(graph).map((c) => c.map(name).join(" -> "))).toEqual([]);
  });

  it("no folders import each other in a circle, at any depth", () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = dirname(file);
      if (!folders.has(from)) folders.set(from, new Set());
      for (const target of targets) {
        const to = dirname(target);
        if (to === from) continue;
        // A folder nested in another is part of it: src/language/check -> src/language is the
        // parent's own business only when the parent is not an ancestor of the importer.
        if (from.startsWith(`${to}/`) || to.startsWith(`${from}/`)) continue;
        folders.get(from)!.add(to);
      }
    }
    const asLists = new Map([...folders].map(([k, v]) => [k, [...v]]));
    expect(circles(asLists).map((c) => c.map(name).join(" -> "))).toEqual([]);
  });

  it("finds what it looks for: a circle and an upward import in a made-up graph", () => {
    const a = join(SRC, "engine/a.ts");
    const b = join(SRC, "engine/b.ts");
    expect(circles(new Map([[a, [b]], [b, [a]]]))).toEqual([[a, b]]);
    expect(LAYERS.indexOf(layerOf(join(SRC, "cli/x.ts")))).toBeGreaterThan(LAYERS.indexOf(layerOf(a)));
    expect(layerOf(join(SRC, "pipeline.ts"))).toBe("(api)");
  });
});
