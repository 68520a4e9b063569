// A collection's records as JSON.parse made them, read as a map without building one: for a
// million records, a Map would cost as much time again as enumerating the keys, and memory.
// Lookups read own properties only, so a key such as `__proto__` is a record like any other.
// The records are also kept in an array beside their keys: a lookup by key into a million
// keys misses the CPU's caches every time, so a pass over all records reads them in order.
import type { Rec } from "./values.js";

const hasOwn = Object.prototype.hasOwnProperty;

export class RecordTable implements ReadonlyMap<string, Rec> {
  constructor(
    private readonly records: Readonly<Record<string, Rec>>,
    /** The keys, in the order JSON.parse enumerates them. */
    readonly order: readonly string[],
    /** The records, in the same order. */
    readonly inOrder: readonly Rec[],
  ) {}

  /** A table over a parsed collection, its keys and records listed here. */
  static of(records: Readonly<Record<string, Rec>>): RecordTable {
    const order = Object.keys(records);
    return new RecordTable(records, order, order.map((key) => records[key]!));
  }

  get size(): number {
    return this.order.length;
  }

  get(key: string): Rec | undefined {
    return hasOwn.call(this.records, key) ? this.records[key] : undefined;
  }

  has(key: string): boolean {
    return hasOwn.call(this.records, key);
  }

  *entries(): MapIterator<[string, Rec]> {
    for (let i = 0; i < this.order.length; i++) yield [this.order[i]!, this.inOrder[i]!];
  }

  *keys(): MapIterator<string> {
    yield* this.order;
  }

  *values(): MapIterator<Rec> {
    yield* this.inOrder;
  }

  [Symbol.iterator](): MapIterator<[string, Rec]> {
    return this.entries();
  }

  forEach(callback: (value: Rec, key: string, map: ReadonlyMap<string, Rec>) => void): void {
    for (let i = 0; i < this.order.length; i++) callback(this.inOrder[i]!, this.order[i]!, this);
  }
}
