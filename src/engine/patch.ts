// The RFC 6902 JSON Patch of each system: read off the workspace's changes, record by record
// in key order, field by field in schema order, so the same run gives the same bytes.
// Lists are sets: an element leaves by its index (highest first, so indices stay right as
// the operations apply in order) and joins at the end.
import type { SystemCatalog } from "../language/systems/load.js";
import type { Type } from "../language/types/type.js";
import { escapePointer } from "../json/pointer.js";
import { compare } from "./outcomes.js";
import { equal, field, isEmpty, setKey, type Rec } from "../json/values.js";
import type { CollectionState } from "./workspace.js";
import { isObject } from "../json/own.js";

export type Operation =
  | { op: "add"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "replace"; path: string; value: unknown };

export function collectionPatch(state: CollectionState, systems: SystemCatalog, into: Operation[]): void {
  if (!state.original) return;
  const types = systems.get(state.system)!.collections.get(state.name)!.type.fields;
  const base = `/${escapePointer(state.name)}`;
  for (const key of [...state.changedKeys()].sort(compare)) {
    const before = state.original.get(key) ?? null;
    const after = state.get(key);
    const path = `${base}/${escapePointer(key)}`;
    if (!before && after) into.push({ op: "add", path, value: after });
    else if (before && !after) into.push({ op: "remove", path });
    else if (before && after) recordPatch(path, before, after, types, into);
  }
}

function fieldOrder(before: Rec, after: Rec, types: ReadonlyMap<string, Type>): string[] {
  const names = [...types.keys()];
  for (const name of [...Object.keys(before), ...Object.keys(after)]) if (!names.includes(name)) names.push(name);
  return names;
}

function recordPatch(path: string, before: Rec, after: Rec, types: ReadonlyMap<string, Type>, into: Operation[]): void {
  for (const name of fieldOrder(before, after, types)) {
    const had = Object.prototype.hasOwnProperty.call(before, name);
    const has = Object.prototype.hasOwnProperty.call(after, name);
    if (!has) continue;
    const old = field(before, name);
    const now = field(after, name);
    const at = `${path}/${escapePointer(name)}`;
    if (equal(old, now) && had) continue;
    if (!had) {
      if (!isEmpty(now)) into.push({ op: "add", path: at, value: now });
      continue;
    }
    const type = types.get(name);
    if (type?.kind === "list" && Array.isArray(old) && Array.isArray(now)) setPatch(at, old, now, into);
    else if (type?.kind === "object" && isObject(old) && isObject(now)) objectPatch(at, old, now, into);
    else into.push({ op: "replace", path: at, value: now });
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
  const wanted = new Map<string, number>();
  for (const item of after) wanted.set(setKey(item), (wanted.get(setKey(item)) ?? 0) + 1);
  const kept: boolean[] = before.map((item) => {
    const n = wanted.get(setKey(item)) ?? 0;
    if (n === 0) return false;
    wanted.set(setKey(item), n - 1);
    return true;
  });
  for (let i = before.length - 1; i >= 0; i--) if (!kept[i]) into.push({ op: "remove", path: `${path}/${i}` });
  for (const item of after) {
    const k = setKey(item);
    const n = wanted.get(k) ?? 0;
    if (n > 0) {
      into.push({ op: "add", path: `${path}/-`, value: item });
      wanted.set(k, n - 1);
    }
  }
}
