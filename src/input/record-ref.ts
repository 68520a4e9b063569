// A reference to one record of one system, and a set of them: what the engine, the state and
// the service name records by, instead of strings joined with a separator and split again.

/** One record of one system. */
export interface RecordRef {
  readonly system: string;
  readonly collection: string;
  readonly key: string;
}

/** A set of record references: by system, then collection, then key, with no key built by joining strings. */
export class RecordRefSet {
  private readonly bySystem = new Map<string, Map<string, Set<string>>>();
  private count = 0;

  constructor(refs: Iterable<RecordRef> = []) {
    for (const ref of refs) this.add(ref);
  }

  add(ref: RecordRef): void {
    let collections = this.bySystem.get(ref.system);
    if (!collections) this.bySystem.set(ref.system, (collections = new Map()));
    let keys = collections.get(ref.collection);
    if (!keys) collections.set(ref.collection, (keys = new Set()));
    if (keys.has(ref.key)) return;
    keys.add(ref.key);
    this.count++;
  }

  has(ref: RecordRef): boolean {
    return this.bySystem.get(ref.system)?.get(ref.collection)?.has(ref.key) ?? false;
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): IterableIterator<RecordRef> {
    for (const [system, collections] of this.bySystem) for (const [collection, keys] of collections) for (const key of keys) yield { system, collection, key };
  }
}
