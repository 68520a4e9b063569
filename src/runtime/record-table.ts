// A collection's records as JSON.parse made them, read as a map without building one: for a
// million records, a Map would cost as much time again as enumerating the keys, and memory.
// Lookups read own properties only, so a key such as `__proto__` is a record like any other.
import type { Rec } from "./values.js";

const hasOwn = Object.prototype.hasOwnProperty;

export class RecordTable implements ReadonlyMap<string, Rec> {
  constructor(
    private readonly records: Readonly<Record<string, Rec>>,
    /** The keys, in the order JSON.parse enumerates them. */
    private readonly order: readonly string[],
  ) {}

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
    for (const key of this.order) yield [key, this.records[key]!];
  }

  *keys(): MapIterator<string> {
    yield* this.order;
  }

  *values(): MapIterator<Rec> {
    for (const key of this.order) yield this.records[key]!;
  }

  [Symbol.iterator](): MapIterator<[string, Rec]> {
    return this.entries();
  }

  forEach(callback: (value: Rec, key: string, map: ReadonlyMap<string, Rec>) => void): void {
    for (const key of this.order) callback(this.records[key]!, key, this);
  }

  /** Calls `visit` with each record and its key, in order, without an iterator. */
  each(visit: (key: string, record: Rec) => void): void {
    const { order, records } = this;
    for (let i = 0; i < order.length; i++) visit(order[i]!, records[order[i]!]!);
  }
}
