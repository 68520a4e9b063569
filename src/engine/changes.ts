// The change set: what a run decides for each record, as one value that everything after the
// engine renders: RFC 6902 patches (patch.ts), the writes a connector sends, what `apply`
// writes, what spec tests compare. None of them works a change out again from another's
// output, so they cannot disagree on what changed.
//
// A change's `after` is the record as the system holds it once the change is made. Lists are
// sets: an update keeps the elements the record had, in their order, and adds the new ones
// after them, which is also what applying the patch gives.
import { hasMember, isObject, setMember } from "../json/own.js";
import { equal, field, isEmpty, setKey, type Rec } from "../json/values.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { Type } from "../language/types/type.js";
import type { Outcome } from "./outcomes.js";
import { byCodeUnits } from "../json/values.js";
import type { Workspace } from "./workspace.js";
import type { RecordRef } from "../input/record-ref.js";
export type { RecordRef };

export type ChangeAction = "create" | "update" | "delete";

/** What a connector sends for a change. */
export interface RecordWrite {
  readonly collection: string;
  readonly key: string;
  readonly action: ChangeAction;
  /** create: the whole record; update: the changed top-level fields with their new values (null = empty); delete: absent */
  readonly fields?: Record<string, unknown>;
}

export interface RecordChange extends RecordRef, RecordWrite {
  /** The record as read; null for a create. */
  readonly before: Rec | null;
  /** The record once the change is made; null for a delete. */
  readonly after: Rec | null;
  /** The top-level fields that change: every field of a created record, none of a deleted one. */
  readonly changedFields: readonly string[];
  /** Why the run made it. */
  readonly outcome: Outcome;
}

/**
 * The changes of a settled run, collection by collection in the plan's order, records in key
 * order: the same run gives the same list. `outcomes` are the run's outcomes, each change's
 * found among them.
 */
export function changesOf(workspace: Workspace, systems: SystemCatalog, outcomes: readonly Outcome[]): RecordChange[] {
  const why = new Map<string, Outcome>();
  for (const o of outcomes) if (o.key !== null && o.action !== "skip" && o.action !== "conflict") why.set(outcomeId(o.system, o.collection, o.key, o.action), o);
  const changes: RecordChange[] = [];
  for (const state of workspace.all()) {
    if (!state.original) continue;
    const types = systems.get(state.system)!.collections.get(state.name)!.type.fields;
    for (const key of [...state.changedKeys()].sort(byCodeUnits)) {
      const before = state.original.get(key) ?? null;
      const now = state.get(key);
      const ref = { system: state.system, collection: state.name, key };
      const outcome = (action: ChangeAction): Outcome => why.get(outcomeId(ref.system, ref.collection, key, action)) ?? { ...ref, action, reason: `${action}d by the run` };
      if (!before && now) changes.push({ ...ref, action: "create", before: null, after: now, changedFields: Object.keys(now), fields: now, outcome: outcome("create") });
      else if (before && !now) changes.push({ ...ref, action: "delete", before, after: null, changedFields: [], outcome: outcome("delete") });
      else if (before && now) {
        const update = updateOf(before, now, types);
        if (update) changes.push({ ...ref, action: "update", before, ...update, outcome: outcome("update") });
      }
    }
  }
  return changes;
}

function outcomeId(system: string, collection: string, key: string, action: string): string {
  return JSON.stringify([system, collection, key, action]);
}

/** The fields of an update that change, and the record they make; undefined when nothing changes. */
function updateOf(before: Rec, now: Rec, types: ReadonlyMap<string, Type>): { after: Rec; changedFields: string[]; fields: Rec } | undefined {
  // A Map keeps the fields in schema order, where an object would put numeric names first.
  const values = new Map<string, unknown>();
  for (const name of fieldOrder(before, now, types)) {
    if (!hasMember(now, name)) continue;
    const value = changedValue(before, now, name, types.get(name));
    if (value !== UNCHANGED) values.set(name, value);
  }
  return updated(before, [...values.keys()], (name) => values.get(name));
}

/** `before` with the named fields set from `values`, and those fields alone: an update's record and what it sends. */
function updated(before: Rec, changedFields: string[], valueOf: (name: string) => unknown): { after: Rec; changedFields: string[]; fields: Rec } | undefined {
  if (changedFields.length === 0) return undefined;
  const after: Rec = { ...before };
  const fields: Rec = {};
  for (const name of changedFields) {
    setMember(after, name, valueOf(name));
    setMember(fields, name, valueOf(name));
  }
  return { after, changedFields, fields };
}

const UNCHANGED = Symbol("unchanged");

/** A field's value once the change is made, or UNCHANGED. A field the record lacked and the run leaves empty stays absent. */
function changedValue(before: Rec, now: Rec, name: string, type: Type | undefined): unknown {
  const old = field(before, name);
  const value = field(now, name);
  if (!hasMember(before, name)) return isEmpty(value) ? UNCHANGED : value;
  if (equal(old, value)) return UNCHANGED;
  if (type?.kind === "list" && Array.isArray(old) && Array.isArray(value)) {
    const merged = setResult(old, value);
    return merged.length === old.length && merged.every((item, i) => item === old[i]) ? UNCHANGED : merged;
  }
  if (type?.kind === "object" && isObject(old) && isObject(value)) return objectResult(old, value);
  return value;
}

/** The schema's fields in its order, then any others the records have. */
export function fieldOrder(before: Rec, after: Rec, types: ReadonlyMap<string, Type>): string[] {
  const names = [...types.keys()];
  const known = new Set(names);
  for (const name of [...Object.keys(before), ...Object.keys(after)]) {
    if (known.has(name)) continue;
    known.add(name);
    names.push(name);
  }
  return names;
}

/** A list as a set: the elements `before` keeps, in its order, then those `after` adds, in its order. */
function setResult(before: readonly unknown[], after: readonly unknown[]): unknown[] {
  const wanted = counts(after);
  const kept = before.filter((item) => take(wanted, item));
  // The first occurrences in `after` of what `before` lacks: the elements a patch adds at the end.
  const added = after.filter((item) => take(wanted, item));
  return [...kept, ...added];
}

/**
 * How a change turns a list into one made by setResult: the indices of `before` it removes,
 * and what it adds at the end. `after` holds the kept elements first, so what follows them
 * is what was added, in the order it was added.
 */
export function listChange(before: readonly unknown[], after: readonly unknown[]): { removed: number[]; added: unknown[] } {
  const wanted = counts(after);
  const removed: number[] = [];
  before.forEach((item, i) => take(wanted, item) || removed.push(i));
  return { removed, added: after.slice(before.length - removed.length) };
}

function counts(list: readonly unknown[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const item of list) n.set(setKey(item), (n.get(setKey(item)) ?? 0) + 1);
  return n;
}

/** Takes one of `item` from the counts; false when there was none left. */
function take(counts: Map<string, number>, item: unknown): boolean {
  const k = setKey(item);
  const n = counts.get(k) ?? 0;
  if (n === 0) return false;
  counts.set(k, n - 1);
  return true;
}

/** An object's members: those `before` keeps, in its order, with their new values, then those `after` adds. */
function objectResult(before: Rec, after: Rec): Rec {
  const result: Rec = {};
  for (const name of Object.keys(before)) if (hasMember(after, name)) setMember(result, name, after[name]);
  for (const name of Object.keys(after)) if (!hasMember(before, name)) setMember(result, name, after[name]);
  return result;
}

/**
 * The change without what it takes away, for a run that could not read everything: no
 * delete, and an update keeps the list elements and object members it would remove, since
 * what the run did not see may still need them. Undefined when nothing is left.
 */
export function withoutRemovals(change: RecordChange, systems: SystemCatalog): RecordChange | undefined {
  if (change.action === "delete") return undefined;
  if (change.action === "create") return change;
  const before = change.before!;
  const types = systems.get(change.system)!.collections.get(change.collection)!.type.fields;
  const kept: Rec = {};
  for (const name of change.changedFields) {
    const old = field(before, name);
    const value = field(change.after, name);
    const type = types.get(name);
    let merged = value;
    if (type?.kind === "list" && Array.isArray(old) && Array.isArray(value)) merged = [...old, ...listChange(old, value).added];
    else if (type?.kind === "object" && isObject(old) && isObject(value)) merged = { ...old, ...value };
    setMember(kept, name, merged);
  }
  return withFields(change, kept);
}

function withFields(change: RecordChange, values: Rec): RecordChange | undefined {
  const before = change.before!;
  const update = updated(before, change.changedFields.filter((name) => !equal(field(before, name), field(values, name))), (name) => field(values, name));
  return update && { ...change, ...update };
}

/**
 * Whether a run may still write: asked before each write. A reason means another worker has
 * taken the run over (its lease lapsed: a pause, a long GC, a lost network), and nothing more
 * may be sent.
 */
export interface WriteFence {
  stopped(): string | undefined;
}
