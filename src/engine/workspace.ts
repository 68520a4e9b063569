// The snapshots as a run changes them. Each collection keeps its parsed records untouched and
// an overlay of changes on top, so a run over a million records copies only the ones it
// writes, and the patch is read off the overlay. A collection the snapshot left out is
// unknown: it has no records to read and takes no writes. A collection read in part holds
// the records it was told of: asked for one it was not told of, it notes a miss (coverage.ts).
import { RecordTable } from "../input/record-table.js";
import { filterText } from "../input/read-request.js";
import type { PartialRead } from "./coverage.js";
import { copyRecord, type Rec } from "../json/values.js";

export class CollectionState {
  /** key -> the record as the run leaves it; null when the run deletes it. */
  private readonly changes = new Map<string, Rec | null>();
  private cachedRows: readonly Rec[] | undefined;
  /** Bumped on every change, so that indexes and cached rows know they are stale. */
  version = 0;
  /**
   * Bumped when a record comes or goes: while it stands still, each original record keeps its
   * place in `rows()`, so what was found for the record at a place still belongs to it.
   */
  shape = 0;

  constructor(
    readonly system: string,
    readonly name: string,
    readonly key: string,
    /** The records as read, or undefined when the snapshot left the collection out. */
    readonly original: ReadonlyMap<string, Rec> | undefined,
    /** Set when the records are only part of the collection. */
    readonly partial?: PartialRead,
  ) {}

  get known(): boolean {
    return this.original !== undefined;
  }

  get(key: string): Rec | null {
    if (this.changes.has(key)) return this.changes.get(key)!;
    const found = this.original?.get(key);
    if (found) return found;
    if (this.partial && !this.partial.coverage.coversKey(key)) this.partial.misses.key(this.system, this.name, key);
    return null;
  }

  /**
   * Whether every record whose `field` equals `value` is here. A collection read in part
   * notes a miss when it was not told: the caller's answer is then provisional.
   */
  require(field: string, value: unknown): void {
    const partial = this.partial;
    if (!partial) return;
    const text = filterText(value);
    if (text === undefined || !partial.coverage.coversValue(field, text)) partial.misses.value(this.system, this.name, field, value);
  }

  /** Notes that the whole collection is needed, when only part of it was read. */
  requireWhole(): void {
    if (this.partial) this.partial.misses.whole(this.system, this.name);
  }

  /**
   * The record as it stands now, given `seen`, what `get` or `rows` gave for the key earlier
   * in the run: the same as `get`, without looking the key up among a million originals.
   */
  current(key: string, seen: Rec): Rec | null {
    return this.changes.has(key) ? this.changes.get(key)! : seen;
  }

  /**
   * The records as they stand, originals in snapshot order, then created ones in order of
   * creation. Of a collection read in part, all of it is needed: a miss, unless whoever asks
   * looks only at the records a run was told of (readRows).
   */
  rows(): readonly Rec[] {
    this.requireWhole();
    return this.readRows();
  }

  /** The records read (all of them, unless read in part) as they stand: for a pass that needs only what it was told of. */
  readRows(): readonly Rec[] {
    if (this.cachedRows) return this.cachedRows;
    const original = this.original;
    // Unchanged, a parsed collection's records are its rows as they are.
    if (original instanceof RecordTable && this.changes.size === 0) return (this.cachedRows = original.inOrder);
    const rows: Rec[] = [];
    const take = (key: string, record: Rec): void => {
      if (!this.changes.has(key)) rows.push(record);
      else {
        const changed = this.changes.get(key);
        if (changed) rows.push(changed);
      }
    };
    if (original instanceof RecordTable) {
      const { order, inOrder } = original;
      for (let i = 0; i < order.length; i++) take(order[i]!, inOrder[i]!);
    } else if (original) {
      for (const [key, record] of original) take(key, record);
    }
    for (const [key, record] of this.changes) if (record && !original?.has(key)) rows.push(record);
    this.cachedRows = rows;
    return rows;
  }

  /** A record the run may change: a copy of the original on first write. */
  writable(key: string): Rec | null {
    const current = this.get(key);
    if (!current) return null;
    if (this.changes.get(key) === current) return current;
    const copy = copyRecord(current);
    this.changes.set(key, copy);
    this.touch();
    return copy;
  }

  create(key: string, record: Rec): void {
    this.changes.set(key, record);
    this.shape++;
    this.touch();
  }

  delete(key: string): void {
    this.changes.set(key, null);
    this.shape++;
    this.touch();
  }

  /** Whether this run changed, created or deleted the record. */
  changed(key: string): boolean {
    return this.changes.has(key);
  }

  /** The keys this run changed, created or deleted, in the order they were first touched. */
  changedKeys(): IterableIterator<string> {
    return this.changes.keys();
  }

  private touch(): void {
    this.version++;
    this.cachedRows = undefined;
  }
}

export class Workspace {
  /** system -> collection name -> state: looked up on every write, with no string to build. */
  private readonly collections = new Map<string, Map<string, CollectionState>>();

  add(state: CollectionState): void {
    let system = this.collections.get(state.system);
    if (!system) this.collections.set(state.system, (system = new Map()));
    system.set(state.name, state);
  }

  collection(system: string, name: string): CollectionState {
    const found = this.collections.get(system)?.get(name);
    if (!found) throw new Error(`runtime: the plan names ${system}.${name}, which was not loaded`);
    return found;
  }

  *all(): IterableIterator<CollectionState> {
    for (const system of this.collections.values()) yield* system.values();
  }
}
