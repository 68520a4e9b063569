// Values as the runtime sees them: records are plain objects read only through their own
// properties, so a field or key such as `__proto__` is data and never a prototype.

export type Rec = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/** Strings in code-unit order, the order of record keys everywhere: the same on every machine, unlike localeCompare. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A record's field; missing and null are both empty (null). */
export function field(record: unknown, name: string): unknown {
  if (record === null || typeof record !== "object") return null;
  if (!hasOwn.call(record, name)) return null;
  const value = (record as Rec)[name];
  return value === undefined ? null : value;
}

/** A copy of a record that can be changed without touching the snapshot it came from. */
export function copyRecord(record: Rec): Rec {
  return { ...record };
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined;
}

/** Equality of values as the language means it: deep, with missing and null the same. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of keys) if (!equal(field(a, key), field(b, key))) return false;
  return true;
}

/** Whether two lists hold the same items, in any order: how sets compare. */
export function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string, number>();
  for (const item of a) counts.set(setKey(item), (counts.get(setKey(item)) ?? 0) + 1);
  for (const item of b) {
    const k = setKey(item);
    const n = counts.get(k);
    if (!n) return false;
    counts.set(k, n - 1);
  }
  return true;
}

/** A string that identifies a value for sets and indexes: strings as themselves, others as JSON, kept apart by a prefix. */
export function setKey(value: unknown): string {
  if (typeof value === "string") return value.charCodeAt(0) === 0 ? `\u0000s${value}` : value;
  return `\u0000j${JSON.stringify(value)}`;
}

/** Moments as milliseconds, for comparing datetimes written with different precision or offsets. */
export function moment(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The order of two values compared as a type: numbers, strings, dates, datetimes. */
export function order(a: unknown, b: unknown, as: string): number | null {
  if (isEmpty(a) || isEmpty(b)) return null;
  if (as === "datetime") {
    const x = moment(a);
    const y = moment(b);
    return x === null || y === null ? null : x - y;
  }
  if (as === "number") return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `==` of two values compared as a type; null equals only null. */
export function same(a: unknown, b: unknown, as: string): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (as === "datetime") return moment(a) === moment(b);
  if (as === "number") return Number(a) === Number(b);
  return equal(a, b);
}
