// Counts the keys of each collection in a JSON snapshot's raw bytes: the members at depth 2,
// by the collection (depth 1) they are in. JSON.parse keeps one of two equal keys, so fewer
// records than counted keys means a key written twice. Bytes, not a string: this runs in a
// worker thread beside JSON.parse, on shared memory, and every byte JSON's structure depends
// on is ASCII, never part of a UTF-8 sequence.

export interface KeyCounts {
  /** Collection name -> how many record keys it has in the text. */
  readonly counts: Map<string, number>;
  /** A collection name written twice. */
  readonly repeatedCollection?: string;
}

/**
 * The reply a key-count worker writes into shared memory: three Int32 slots (the bytes read:
 * 1, or -1 when the file could not be read; 1 once the counts are written; their length),
 * then the counts as JSON from this offset.
 */
export const REPLY_COUNTS_AT = 12;

/** JSON's structural characters, as bytes or UTF-16 code units alike (all ASCII). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

export function countKeys(bytes: Uint8Array): KeyCounts {
  const counts = new Map<string, number>();
  let repeatedCollection: string | undefined;
  let depth = 0;
  let collection = "";
  let count = 0;
  const n = bytes.length;
  const decoder = new TextDecoder();
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const start = i;
      for (i++; i < n; i++) {
        const c = bytes[i]!;
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
      if (depth !== 1 && depth !== 2) continue;
      // A string at depth 1 or 2 followed by a colon is a key.
      let j = i + 1;
      while (j < n && bytes[j]! <= 0x20) j++;
      if (bytes[j] !== COLON) continue;
      if (depth === 2) {
        count++;
        continue;
      }
      const name = JSON.parse(decoder.decode(bytes.subarray(start, i + 1))) as string;
      if (counts.has(name) && repeatedCollection === undefined) repeatedCollection = name;
      collection = name;
      count = 0;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (depth === 2) counts.set(collection, (counts.get(collection) ?? 0) + count);
      depth--;
    }
  }
  return { counts, ...(repeatedCollection !== undefined ? { repeatedCollection } : {}) };
}
