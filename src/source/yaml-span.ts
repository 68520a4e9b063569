// Where a value sits in a YAML file: the span of the node at a path, for errors in system
// definitions and deployment files that point at the line the author wrote.
import { isMap, isNode, isScalar, type Document } from "yaml";
import type { Span } from "./source-file.js";

/** The span of the YAML node at a path, or of its nearest ancestor that exists. */
export function yamlSpan(doc: Document, path: readonly (string | number)[]): Span {
  for (let length = path.length; length >= 0; length--) {
    const found = doc.getIn(path.slice(0, length), true);
    if (isNode(found) && found.range) return { start: found.range[0], end: found.range[1] };
  }
  return { start: 0, end: 0 };
}

/** The span of the key at the end of a path (the name an author misspelled), else of its value. */
export function yamlKeySpan(doc: Document, path: readonly (string | number)[]): Span {
  const parent = doc.getIn(path.slice(0, -1), true);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
    if (pair && isScalar(pair.key) && pair.key.range) return { start: pair.key.range[0], end: pair.key.range[1] };
  }
  return yamlSpan(doc, path);
}
