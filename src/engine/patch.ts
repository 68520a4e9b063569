// RFC 6902 JSON Patches: one rendering of a run's change set (changes.ts), record by record in
// the change set's order, field by field in the order the change lists them, so the same run
// gives the same bytes. Lists are sets: an element leaves by its index (highest first, so
// indices stay right as the operations apply in order) and joins at the end.
import { escapePointer } from "../json/pointer.js";
import { hasMember, isObject } from "../json/own.js";
import { equal, field, type Rec } from "../json/values.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { listChange, type RecordChange } from "./changes.js";

export type Operation =
  | { op: "add"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "replace"; path: string; value: unknown };

/** Each system's patch: every system named gets one, empty when nothing of it changes. */
export function renderPatches(systemNames: readonly string[], changes: readonly RecordChange[], systems: SystemCatalog): Record<string, Operation[]> {
  const patches: Record<string, Operation[]> = {};
  for (const name of systemNames) patches[name] = [];
  for (const change of changes) recordOperations(change, systems, (patches[change.system] ??= []));
  return patches;
}

function recordOperations(change: RecordChange, systems: SystemCatalog, into: Operation[]): void {
  const path = `/${escapePointer(change.collection)}/${escapePointer(change.key)}`;
  if (change.action === "create") into.push({ op: "add", path, value: change.after });
  else if (change.action === "delete") into.push({ op: "remove", path });
  else {
    const types = systems.get(change.system)!.collections.get(change.collection)!.type.fields;
    const before = change.before!;
    const after = change.after!;
    for (const name of change.changedFields) {
      const at = `${path}/${escapePointer(name)}`;
      const old = field(before, name);
      const now = field(after, name);
      const kind = types.get(name)?.kind;
      if (!hasMember(before, name)) into.push({ op: "add", path: at, value: now });
      else if (kind === "list" && Array.isArray(old) && Array.isArray(now)) setPatch(at, old, now, into);
      else if (kind === "object" && isObject(old) && isObject(now)) objectPatch(at, old, now, into);
      else into.push({ op: "replace", path: at, value: now });
    }
  }
}

function objectPatch(path: string, before: Rec, after: Rec, into: Operation[]): void {
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const had = Object.prototype.hasOwnProperty.call(before, name);
    const has = Object.prototype.hasOwnProperty.call(after, name);
    const at = `${path}/${escapePointer(name)}`;
    if (had && !has) into.push({ op: "remove", path: at });
    else if (!had && has) into.push({ op: "add", path: at, value: after[name] });
    else if (!equal(before[name], after[name])) into.push({ op: "replace", path: at, value: after[name] });
  }
}

function setPatch(path: string, before: readonly unknown[], after: readonly unknown[], into: Operation[]): void {
  const { removed, added } = listChange(before, after);
  for (let i = removed.length - 1; i >= 0; i--) into.push({ op: "remove", path: `${path}/${removed[i]}` });
  for (const item of added) into.push({ op: "add", path: `${path}/-`, value: item });
}
