// A collection's records as read: its keys and records in two arrays, in the order JSON.parse
// of the file would enumerate them, and a Map to find one by key (a key such as `__proto__`
// is a record like any other). A lookup by key into a million keys misses the CPU's caches
// every time, so a pass over all records reads the arrays in order instead.
import type { Rec } from "../json/values.js";

export class RecordTable implements ReadonlyMap<string, Rec> {
  constructor(
    /** The keys, in the order JSON.parse enumerates them. */
    readonly order: readonly string[],
    /** The records, in the same order. */
    readonly inOrder: readonly Rec[],
    private readonly byKey: ReadonlyMap<string, Rec>,
  ) {}

  /** A table over a parsed collection. */
  static of(records: Readonly<Record<string, Rec>>): RecordTable {
    const order = Object.keys(records);
    const inOrder = order.map((key) => records[key]!);
    return new RecordTable(order, inOrder, new Map(order.map((key, i) => [key, inOrder[i]!])));
  }

  get size(): number {
    return this.order.length;
  }

  get(key: string): Rec | undefined {
    return this.byKey.get(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
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
