// Finds a key written twice in one of the top two levels of a JSON document: a collection
// or a record key. JSON.parse keeps the last of two equal keys without a word, which would
// silently drop a record; ajv and JSON.parse cannot see it, so this scan does.
//
// It reads the text once, jumping from quote to quote with indexOf (native and fast), and
// keeps only the depth and the keys of the open objects at depth 1 and 2.

export interface DuplicateKey {
  /** JSON Pointer of the duplicated member. */
  readonly pointer: string;
  readonly offset: number;
}

const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COLON = 58;

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // Open containers: true for an object. Keys seen at depth 1 and 2, and the depth-1 key
  // we are inside, for the pointer.
  const containers: boolean[] = [];
  const seen: (Set<string> | undefined)[] = [undefined, undefined, undefined];
  let outerKey = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const quote = text.indexOf('"', i);
    const gapEnd = quote === -1 ? n : quote;
    for (let j = i; j < gapEnd; j++) {
      const c = text.charCodeAt(j);
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        containers.push(c === OPEN_OBJECT);
        const depth = containers.length;
        if (depth <= 2 && c === OPEN_OBJECT) seen[depth] = new Set();
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        containers.pop();
      }
    }
    if (quote === -1) break;
    // The string's end: the next quote not escaped by an odd run of backslashes.
    let end = quote;
    for (;;) {
      end = text.indexOf('"', end + 1);
      if (end === -1) return undefined; // not JSON; JSON.parse will say where
      let backslashes = 0;
      for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    i = end + 1;
    const depth = containers.length;
    if (depth > 2 || !containers[depth - 1]) continue;
    // A string in an object is a key when a colon follows it.
    let k = i;
    while (k < n && text.charCodeAt(k) <= 32) k++;
    if (text.charCodeAt(k) !== COLON) continue;
    const raw = text.slice(quote + 1, end);
    const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
    const keys = seen[depth]!;
    if (keys.has(key)) {
      return { pointer: depth === 1 ? `/${escapePointer(key)}` : `/${escapePointer(outerKey)}/${escapePointer(key)}`, offset: quote };
    }
    keys.add(key);
    if (depth === 1) outerKey = key;
  }
  return undefined;
}
