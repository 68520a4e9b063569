// Places in a test file: a path of keys and indices (["cases", 2, "runs", 0, "expect"]) to
// the line and column where the author wrote it, so every problem points at the YAML.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type YamlPath = readonly (string | number)[];

export interface Place {
  readonly line: number;
  readonly column: number;
}

export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Where the value at `path` starts, or its key with `part: "key"`. A path that goes
   * further than the document (a missing field) stops at the deepest node that exists,
   * which is where the author would add it.
   */
  at(path: YamlPath, part: "key" | "value" = "value"): Place {
    let node: unknown = this.doc.contents;
    let found: unknown = node;
    for (let i = 0; i < path.length; i++) {
      node = this.resolve(node);
      const segment = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.pairOf(node, String(segment));
        if (!pair) break;
        if (last && part === "key" && pair.key) {
          found = pair.key;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
      } else break;
      if (!node) break;
      found = node;
    }
    const offset = (found as Node | undefined)?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  /** The pair for a key, looking through `<<` merge keys, which is how cases share fixtures. */
  private pairOf(map: unknown, key: string): { key: unknown; value: unknown } | undefined {
    if (!isMap(map)) return undefined;
    for (const pair of map.items) if (isScalar(pair.key) && String(pair.key.value) === key) return pair;
    for (const pair of map.items) {
      if (!isScalar(pair.key) || pair.key.value !== "<<") continue;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const found = this.pairOf(this.resolve(source), key);
        if (found) return found;
      }
    }
    return undefined;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}
