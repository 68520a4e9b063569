// What syncspec can hold of a parsed document as it was written, and the first place where it
// cannot. JSON.parse and the YAML parser accept more than they can keep: a number past
// ±1.8e308 becomes Infinity (which JSON.stringify writes as null), a whole number of 2^53 or
// more is rounded to its neighbour, "\ud800" makes a string that is no text, and a list nested
// 100,000 deep is read, then overflows the stack of whatever walks it recursively. Such input
// is refused with its place rather than changed on the way in.
//
// The walk keeps its own stack, so no depth of input can overflow the call stack here.

/** How deep a document may nest, itself the first level: a snapshot's records are at the third. */
export const MAX_DEPTH = 100;

/** Why a value cannot be held; the names are the catalog's (INP002 and INP003). */
export type NotHeld =
  | { readonly why: "tooDeep" }
  | { readonly why: "numberOutOfRange" }
  | { readonly why: "numberNotExact" }
  | { readonly why: "loneSurrogate"; readonly what: "string" | "key"; readonly unit: string };

export interface NotHeldAt {
  /** The path of keys to the value (or to the key, for a key). */
  readonly path: readonly string[];
  readonly notHeld: NotHeld;
}

/** Whether a number is held as written: finite, and under 2^53 in size, below which every whole number is a double of its own. */
export function numberHeld(n: number): boolean {
  return Math.abs(n) <= Number.MAX_SAFE_INTEGER;
}

/** Why a number is not held, when it is not. */
export function numberNotHeld(n: number): NotHeld | undefined {
  if (numberHeld(n)) return undefined;
  return Number.isFinite(n) ? { why: "numberNotExact" } : { why: "numberOutOfRange" };
}

/** Half of a surrogate pair without the other half: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first code unit of a string that is half of a surrogate pair without the other half, as hex digits; undefined when there is none. */
export function loneSurrogate(text: string): string | undefined {
  const found = LONE_SURROGATE.exec(text);
  return found ? found[0].charCodeAt(0).toString(16) : undefined;
}

/** An open object or list of the walk: its keys (undefined for a list), the next to visit, and its own key in its parent. */
interface Frame {
  readonly value: Record<string, unknown> | unknown[];
  readonly keys: readonly string[] | undefined;
  readonly length: number;
  next: number;
  readonly key: string;
}

/**
 * Walks a parsed document depth first, in the order of its keys: the first value it cannot
 * hold, and how many members its objects have in all (which a text that writes a key twice
 * has more of than its parse: duplicate-keys.ts), up to MAX_DEPTH.
 */
export function findNotHeld(document: unknown): { first: NotHeldAt | undefined; members: number } {
  const frames: Frame[] = [];
  let first: NotHeldAt | undefined;
  let members = 0;
  const note = (key: string | undefined, notHeld: NotHeld): void => {
    if (first) return;
    const path = frames.slice(1).map((f) => f.key);
    first = { path: key === undefined ? path : [...path, key], notHeld };
  };
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === "string") {
      const unit = loneSurrogate(value);
      if (unit !== undefined) note(key, { why: "loneSurrogate", what: "string", unit });
    } else if (typeof value === "number") {
      const notHeld = numberNotHeld(value);
      if (notHeld) note(key, notHeld);
    } else if (value !== null && typeof value === "object") {
      // Not walked past the limit: a YAML alias may make a document that holds itself, endlessly deep.
      if (frames.length >= MAX_DEPTH) return note(key, { why: "tooDeep" });
      const keys = Array.isArray(value) ? undefined : Object.keys(value);
      frames.push({ value: value as Frame["value"], keys, length: keys ? keys.length : (value as unknown[]).length, next: 0, key: key ?? "" });
      if (keys) {
        members += keys.length;
        if (!first) for (const k of keys) visitKey(k);
      }
    }
  };
  const visitKey = (key: string): void => {
    const unit = loneSurrogate(key);
    if (unit !== undefined) note(key, { why: "loneSurrogate", what: "key", unit });
  };
  visit(document, undefined);
  while (frames.length > 0) {
    const top = frames[frames.length - 1]!;
    if (top.next === top.length) {
      frames.pop();
      continue;
    }
    const i = top.next++;
    if (top.keys) {
      const key = top.keys[i]!;
      visit((top.value as Record<string, unknown>)[key], key);
    } else visit((top.value as unknown[])[i], String(i));
  }
  return { first, members };
}
