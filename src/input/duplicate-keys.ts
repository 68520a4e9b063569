// Finds a key written twice in one of the top two levels of a JSON document: a collection
// or a record key. JSON.parse keeps the last of two equal keys without a word, which would
// silently drop a record; ajv and JSON.parse cannot see it, so this scan does.
//
// Between braces it lets the regex engine skip whole stretches of text (strings included,
// so braces inside strings do not count): compiled to native code, that reads a large
// snapshot about three times faster than walking it character by character in JavaScript.

export interface DuplicateKey {
  /** JSON Pointer of the duplicated member. */
  readonly pointer: string;
  readonly offset: number;
}

import { CLOSE_ARRAY, CLOSE_OBJECT, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from "./snapshot-outline.js";
import { escapePointer } from "../json/pointer.js";

/** Text with no bracket outside a string: strings whole (an unrolled loop), anything else but brackets and quotes. */
const SKIP = /[^"{}[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}[\]]*)*/y;
/** At the top two levels, where every string may be a key: text up to the next quote or bracket. */
const SHALLOW = /[^"{}[\]]+/y;
/** A string, whole. */
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/y;
/** A member's key: a string followed by a colon. */
const KEY = /"([^"\\]*(?:\\.[^"\\]*)*)"\s*:/y;

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const objects: boolean[] = []; // open containers, true for an object
  const seen: Set<string>[] = [];
  let outerKey = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      objects.push(c === OPEN_OBJECT);
      if (objects.length <= 2) seen[objects.length] = new Set();
      i++;
      continue;
    }
    if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      objects.pop();
      i++;
      continue;
    }
    const depth = objects.length;
    if (depth <= 2) {
      // Here a string may be a key: look at each one.
      if (c !== QUOTE) {
        SHALLOW.lastIndex = i;
        SHALLOW.exec(text);
        i = SHALLOW.lastIndex > i ? SHALLOW.lastIndex : i + 1;
        continue;
      }
      KEY.lastIndex = i;
      const match = depth >= 1 && objects[depth - 1] ? KEY.exec(text) : null;
      if (!match) {
        STRING.lastIndex = i;
        i = STRING.exec(text) ? STRING.lastIndex : i + 1;
        continue;
      }
      const raw = match[1]!;
      const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
      const keys = seen[depth]!;
      if (keys.has(key)) {
        return { pointer: depth === 1 ? `/${escapePointer(key)}` : `/${escapePointer(outerKey)}/${escapePointer(key)}`, offset: i };
      }
      keys.add(key);
      if (depth === 1) outerKey = key;
      i = KEY.lastIndex;
      continue;
    }
    SKIP.lastIndex = i;
    SKIP.exec(text);
    i = SKIP.lastIndex > i ? SKIP.lastIndex : i + 1;
  }
  return undefined;
}
