// Every change a run makes goes through here: records created whole (every field of the
// schema present, null where nothing sets it), fields set (inside nested objects too), lists
// compared as sets, deletes, and the outcome of each, with its cause.
import type { CollectionDefinition, SystemCatalog } from "../language/systems/load.js";
import { recordProblem } from "../input/record-checks.js";
import type { Type } from "../language/types/type.js";
import type { Outcomes } from "./outcomes.js";
import { equal, field, isEmpty, sameSet, type Rec } from "../json/values.js";
import type { Workspace } from "./workspace.js";
import { setMember } from "../json/own.js";

/** What one round changed in a collection: which records and fields, and whether records came or went. */
export interface Touch {
  readonly keys: Set<string>;
  readonly fields: Set<string>;
  structural: boolean;
}

export type Touches = ReadonlyMap<string, Touch>;

/** Sets kept per round for the never-settles message: enough to find a field two causes fight over. */
const SETS_KEPT = 50;

export class Writer {
  /** Whether this round changed anything, and which causes did: a fixpoint needs both. */
  changedThisRound = false;
  /** What this round and the one before it changed, by "system.collection". */
  touched = new Map<string, Touch>();
  previous: Touches = new Map();
  readonly causesThisRound = new Set<string>();
  /**
   * The fields this round set, a few of them, by whom and to what: where a spec never
   * settles, the last round's say which field of which record the causes keep changing.
   */
  readonly setsThisRound: { readonly record: string; readonly field: string; readonly value: unknown; readonly cause: string }[] = [];
  private readonly updates = new Map<string, { system: string; collection: string; key: string; fields: Map<string, Set<string>> }>();
  private readonly created = new Map<string, string>();
  private readonly deleted = new Map<string, string>();

  constructor(
    private readonly workspace: Workspace,
    private readonly systems: SystemCatalog,
    private readonly outcomes: Outcomes,
  ) {}

  startRound(): void {
    this.changedThisRound = false;
    this.causesThisRound.clear();
    this.setsThisRound.length = 0;
    this.previous = this.touched;
    this.touched = new Map();
  }

  private touch(system: string, collection: string, key: string, field: string | undefined): void {
    const id = `${system}.${collection}`;
    let t = this.touched.get(id);
    if (!t) this.touched.set(id, (t = { keys: new Set(), fields: new Set(), structural: false }));
    t.keys.add(key);
    if (field === undefined) t.structural = true;
    else t.fields.add(field);
  }

  private definition(system: string, collection: string): CollectionDefinition {
    return this.systems.get(system)!.collections.get(collection)!;
  }

  typeOf(system: string, collection: string): ReadonlyMap<string, Type> {
    return this.definition(system, collection).type.fields;
  }

  private changed(cause: string): void {
    this.changedThisRound = true;
    this.causesThisRound.add(cause);
  }

  /**
   * Creates a record: the key field, every other field null, then `values` by path. A record
   * its schema would refuse (a required field left empty, a value of the wrong kind) is not
   * created: the reason is returned, for the caller to report as a skip.
   */
  create(
    system: string,
    collection: string,
    key: string,
    values: readonly (readonly [readonly string[], unknown])[],
    cause: string,
    /** Fills in more of the record before it is checked: a link's mappings into it. */
    fill?: (record: Rec) => void,
  ): Rec | string {
    const state = this.workspace.collection(system, collection);
    const record: Rec = {};
    for (const name of this.typeOf(system, collection).keys()) setMember(record, name, null);
    setMember(record, state.key, key);
    for (const [path, value] of values) writePath(record, path, value, this.typeOf(system, collection));
    fill?.(record);
    const problem = recordProblem(this.definition(system, collection), record);
    if (problem) return `${system}.${collection} ${key} was not created, because its ${problem}`;
    state.create(key, record);
    this.touch(system, collection, key, undefined);
    const id = recordId(system, collection, key);
    this.created.set(id, cause);
    this.changed(cause);
    return record;
  }

  /** Sets a field (or a sub-field, by path); returns whether the value changed. */
  set(system: string, collection: string, key: string, path: readonly string[], value: unknown, cause: string): boolean {
    const state = this.workspace.collection(system, collection);
    const current = state.get(key);
    if (!current) return false;
    const types = this.typeOf(system, collection);
    if (sameValue(readPath(current, path), value, types, path)) return false;
    // A write its schema would refuse (null into a required field, say) is not made: the
    // snapshot must stay valid for the next run. The record is reported as skipped.
    const candidate: Rec = { ...current };
    writePath(candidate, path, value, types);
    const problem = recordProblem(this.definition(system, collection), candidate);
    if (problem) {
      this.outcomes.add(system, collection, key, "skip", `${path.join(".")} was not set to ${JSON.stringify(value)} by ${cause}, because its ${problem}`);
      return false;
    }
    const record = state.writable(key)!;
    writePath(record, path, value, types);
    state.version++;
    this.touch(system, collection, key, path[0]!);
    const id = recordId(system, collection, key);
    let entry = this.updates.get(id);
    if (!entry) this.updates.set(id, (entry = { system, collection, key, fields: new Map() }));
    let fields = entry.fields.get(cause);
    if (!fields) entry.fields.set(cause, (fields = new Set()));
    fields.add(path.join("."));
    if (this.setsThisRound.length < SETS_KEPT) this.setsThisRound.push({ record: `${system}.${collection} ${key}`, field: path.join("."), value, cause });
    this.changed(cause);
    return true;
  }

  delete(system: string, collection: string, key: string, cause: string): boolean {
    const state = this.workspace.collection(system, collection);
    if (!state.get(key)) return false;
    state.delete(key);
    this.touch(system, collection, key, undefined);
    this.deleted.set(recordId(system, collection, key), cause);
    this.changed(cause);
    return true;
  }

  /** Writes the outcomes of everything changed: one per record and action. */
  report(): void {
    for (const [id, cause] of this.created) {
      const [system, collection, key] = fromRecordId(id);
      if (this.deleted.has(id)) continue;
      this.outcomes.add(system, collection, key, "create", `created by ${cause}`);
    }
    for (const [id, entry] of this.updates) {
      if (this.created.has(id) || this.deleted.has(id)) continue;
      for (const [cause, fields] of entry.fields) this.outcomes.add(entry.system, entry.collection, entry.key, "update", `${[...fields].join(", ")} set by ${cause}`);
    }
    for (const [id, cause] of this.deleted) {
      const [system, collection, key] = fromRecordId(id);
      if (this.created.has(id)) continue;
      this.outcomes.add(system, collection, key, "delete", `deleted by ${cause}`);
    }
  }
}

/** A record's id across systems: a JSON list, so that any character may be in a key. */
function recordId(system: string, collection: string, key: string): string {
  return JSON.stringify([system, collection, key]);
}

function fromRecordId(id: string): [string, string, string] {
  return JSON.parse(id) as [string, string, string];
}

export function readPath(record: unknown, path: readonly string[]): unknown {
  let value = record;
  for (const step of path) value = field(value, step);
  return value;
}

/** Lists are sets in every system here (ids, group uids): their order carries no meaning. */
function sameValue(a: unknown, b: unknown, types: ReadonlyMap<string, Type>, path: readonly string[]): boolean {
  if (Array.isArray(a) && Array.isArray(b) && types.get(path[0]!)?.kind === "list" && path.length === 1) return sameSet(a, b);
  return equal(a, b);
}

/** Writes a value at a path; a missing nested object is made with all its sub-fields null. */
export function writePath(record: Rec, path: readonly string[], value: unknown, types: ReadonlyMap<string, Type>): void {
  if (path.length === 1) {
    setMember(record, path[0]!, value === undefined ? null : value);
    return;
  }
  const [head, ...rest] = path as [string, ...string[]];
  const type = types.get(head);
  const existing = field(record, head);
  const object: Rec = existing && typeof existing === "object" && !Array.isArray(existing) ? { ...(existing as Rec) } : {};
  if (isEmpty(existing) && type?.kind === "object") for (const name of type.fields.keys()) setMember(object, name, null);
  writePath(object, rest, value, type?.kind === "object" ? type.fields : new Map());
  setMember(record, head, object);
}
