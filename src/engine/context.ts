// What expressions read during a run: the workspace's collections, the views of the current
// round, the links' pairs, the params and the run's times. Lookups by field go through
// indexes built once per version of a collection, so every expression stays linear.
import type { Side, Source } from "../plan/types.js";
import type { Compiled, EvalContext, Frame } from "./expressions.js";
import { SkipRow } from "./expressions.js";
import type { CollectionState, Workspace } from "./workspace.js";
import { field, isEmpty, setKey, type Rec } from "../json/values.js";
import { RecordRefSet } from "../input/record-ref.js";

/** A view's rows in one round, keyed when its rows are the records of its first `from`. */
export interface ViewRows {
  readonly rows: readonly unknown[];
  readonly byKey?: ReadonlyMap<string, unknown>;
  readonly version: number;
  /** Set when the rows are the records read of a collection read in part (rules.ts, viewOfRecords). */
  readonly over?: CollectionState;
  /** Set when a row of the view was skipped: what reads the view cannot know that row's part. */
  readonly skipped?: true;
}

/** A link's pairs in one round; a record with two counterparts maps to the reason it is skipped. */
export interface LinkPairs {
  readonly leftKey: string;
  readonly rightKey: string;
  leftToRight(key: string): Rec | null | SkipRow;
  /** Given the record (a rule's lookup), a side read in part is asked for what could claim it. */
  rightToLeft(key: string, record?: Rec): Rec | null | SkipRow;
}

export class RunContext implements EvalContext {
  readonly views = new Map<string, ViewRows>();
  readonly links: LinkPairs[] = [];
  private readonly indexes = new Map<string, { version: number; index: Map<string, unknown[]> }>();
  /** While set, key lookups are noted: the records an event's record refers to. */
  discovered: RecordRefSet | undefined;
  /**
   * Records holding a value this run would carry to the other side and may not, for its
   * direction (a donor's event writes Virtuous only; its contact holds a newer last name):
   * their next event is no echo of this run's write (run-integration.ts).
   */
  readonly uncarried = new RecordRefSet();

  constructor(
    readonly workspace: Workspace,
    private readonly params: ReadonlyMap<string, unknown>,
    readonly now: string,
    readonly lastRun: string | null,
  ) {}

  param(name: string): unknown {
    return this.params.has(name) ? this.params.get(name) : null;
  }

  rows(source: Source): readonly unknown[] {
    if ("view" in source) {
      const view = this.view(source.view);
      // All of a view's rows are needed: all of the records they are some of.
      view.over?.requireWhole();
      return view.rows;
    }
    return this.workspace.collection(source.system, source.collection).rows();
  }

  /**
   * The rows a pass over the records it was told of reads: of a collection read in part, the
   * records read, with no miss. Only for a pass whose every decision about a record reads
   * that record, and asks for the rest by key or by field (a rule's own records, pairing).
   */
  scan(source: Source): readonly unknown[] {
    if ("view" in source) return this.view(source.view).rows;
    return this.workspace.collection(source.system, source.collection).readRows();
  }

  /** The keys of a keyed view's rows, when they are records read in part (none otherwise: all of them were read). */
  viewKeys(view: string): Iterable<string> {
    const rows = this.view(view);
    return rows.over ? (rows.byKey?.keys() ?? []) : [];
  }

  byKey(source: Source, key: string): unknown {
    if ("view" in source) {
      const view = this.view(source.view);
      const found = view.byKey?.get(key);
      if (found !== undefined) return found;
      // Not among the rows: not a record read, or one the view leaves out (asking notes a miss only for the first).
      view.over?.get(key);
      return null;
    }
    const record = this.workspace.collection(source.system, source.collection).get(key);
    if (record && this.discovered) this.discovered.add({ system: source.system, collection: source.collection, key });
    return record;
  }

  find(source: Source, id: string, fields: readonly Compiled[], values: readonly unknown[], paths: readonly (string | undefined)[]): readonly unknown[] {
    const view = "view" in source ? this.view(source.view) : undefined;
    const state = "view" in source ? view!.over : this.workspace.collection(source.system, source.collection);
    const version = view ? view.version : state!.version;
    // Read in part, the rows with these values are known when one plain field's value was
    // asked for (a view of records: the same field of its records). An empty value finds nothing.
    if (state?.partial && values.every((v) => !isEmpty(v))) {
      const at = paths.findIndex((path) => path !== undefined);
      if (at >= 0) state.require(paths[at]!, values[at]);
      else state.requireWhole();
    }
    let entry = this.indexes.get(id);
    if (!entry || entry.version !== version) {
      entry = { version, index: buildIndex(this.scan(source), fields) };
      this.indexes.set(id, entry);
    }
    const key = compositeKey(values);
    return key === undefined ? [] : (entry.index.get(key) ?? []);
  }

  linked(link: number, from: Side, record: unknown): unknown {
    const pairs = this.links[link];
    if (!pairs || isEmpty(record)) return null;
    const key = field(record, from === "left" ? pairs.leftKey : pairs.rightKey);
    if (isEmpty(key)) return null;
    const found = from === "left" ? pairs.leftToRight(String(key)) : pairs.rightToLeft(String(key), record as Rec);
    if (found instanceof SkipRow) throw found;
    return found;
  }

  private view(name: string): ViewRows {
    const rows = this.views.get(name);
    if (!rows) throw new Error(`runtime: the view ${name} is read before it is computed`);
    return rows;
  }
}

/** The values of a lookup as one index key; undefined when one is empty (null matches nothing). */
export function compositeKey(values: readonly unknown[]): string | undefined {
  if (values.length === 1) return isEmpty(values[0]) ? undefined : setKey(values[0]);
  let key = "";
  for (const v of values) {
    if (isEmpty(v)) return undefined;
    key += `${setKey(v)}\u0001`;
  }
  return key;
}

/** The index key of one row: for a single field its value alone, with no array to build. */
export function rowKey(fields: readonly Compiled[], frame: Frame): string | undefined {
  if (fields.length === 1) {
    const value = fields[0]!(frame);
    return isEmpty(value) ? undefined : setKey(value);
  }
  return compositeKey(fields.map((f) => f(frame)));
}

function buildIndex(rows: readonly unknown[], fields: readonly Compiled[]): Map<string, unknown[]> {
  const index = new Map<string, unknown[]>();
  const frame: Frame = [undefined];
  for (const row of rows) {
    frame[0] = row;
    const key = rowKey(fields, frame);
    if (key === undefined) continue;
    const bucket = index.get(key);
    if (bucket) bucket.push(row);
    else index.set(key, [row]);
  }
  return index;
}
