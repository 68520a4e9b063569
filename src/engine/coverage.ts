// A run over part of a collection: what it was told (the keys it asked for, present or
// absent, and the field values whose every record it holds) and what it found it still
// needed. A read that a run did not make is unknown, never empty: where a run needs a record
// it was not told of, it notes a miss instead of deciding, and the read loop (read-loop.ts)
// reads the misses and plans again. A run with misses writes nothing.
import type { ReadRequest, SystemReadRequest } from "../input/read-request.js";
import { filterText } from "../input/read-request.js";

/** What a run knows of a collection it read in part. */
export class Coverage {
  /** Keys asked for: a key here and not among the records is known to be absent. */
  private readonly keys = new Set<string>();
  /** Field -> values (as filters compare them) whose every record is among the records. */
  private readonly values = new Map<string, Set<string>>();

  constructor(
    /** The collection's key field: a query by it is a question about keys. */
    readonly keyField: string,
    /** How many records the collection holds, when known (its last whole read): what safety limits measure against. */
    readonly total?: number,
  ) {}

  /** Notes an answered request; a modified-since answer covers no key and no value. */
  add(request: ReadRequest): void {
    if ("keys" in request) for (const key of request.keys) this.keys.add(key);
    else if ("field" in request) {
      if (request.field === this.keyField) for (const key of request.values) this.keys.add(key);
      else {
        let values = this.values.get(request.field);
        if (!values) this.values.set(request.field, (values = new Set()));
        for (const value of request.values) values.add(value);
      }
    }
  }

  /** What it was told, as data: to rebuild it where it is sent (plan-wire.ts). */
  told(): { keys: string[]; values: [field: string, values: string[]][] } {
    return { keys: [...this.keys], values: [...this.values].map(([field, values]) => [field, [...values]]) };
  }

  coversKey(key: string): boolean {
    return this.keys.has(key);
  }

  /** Whether every record whose `field` equals `value` is known. */
  coversValue(field: string, value: string): boolean {
    return field === this.keyField ? this.keys.has(value) : (this.values.get(field)?.has(value) ?? false);
  }
}

interface Missing {
  whole: boolean;
  readonly keys: Set<string>;
  readonly values: Map<string, Set<string>>;
}

/** What a run over part of its collections needed and was not told. */
export class Misses {
  private readonly collections = new Map<string, Map<string, Missing>>();

  get empty(): boolean {
    return this.collections.size === 0;
  }

  key(system: string, collection: string, key: string): void {
    this.of(system, collection).keys.add(key);
  }

  /** Every record whose field equals the value; a value no filter can say (a list, an object) needs the collection whole. */
  value(system: string, collection: string, field: string, value: unknown): void {
    const text = filterText(value);
    if (text === undefined) return this.whole(system, collection);
    const missing = this.of(system, collection);
    let values = missing.values.get(field);
    if (!values) missing.values.set(field, (values = new Set()));
    values.add(text);
  }

  whole(system: string, collection: string): void {
    this.of(system, collection).whole = true;
  }

  /** The reads that answer the misses: a collection needed whole in one request, else its keys and each field's values. */
  requests(): SystemReadRequest[] {
    const requests: SystemReadRequest[] = [];
    for (const [system, collections] of this.collections) {
      for (const [collection, missing] of collections) {
        const ask = (request: ReadRequest): number => requests.push({ system, request });
        if (missing.whole) ask({ collection, whole: true });
        else {
          if (missing.keys.size > 0) ask({ collection, keys: [...missing.keys] });
          for (const [field, values] of missing.values) ask({ collection, field, values: [...values] });
        }
      }
    }
    return requests;
  }

  private of(system: string, collection: string): Missing {
    let collections = this.collections.get(system);
    if (!collections) this.collections.set(system, (collections = new Map()));
    let missing = collections.get(collection);
    if (!missing) collections.set(collection, (missing = { whole: false, keys: new Set(), values: new Map() }));
    return missing;
  }
}

/** A collection read in part: what it was told, and where its misses go. */
export interface PartialRead {
  readonly coverage: Coverage;
  readonly misses: Misses;
}
