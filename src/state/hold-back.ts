// The state to keep after a run in which a system refused some records: every pair that
// involves a refused record keeps its last synced values from before the run, so the next
// run sees the same difference and makes the same write again, while the rest advance.
import type { Plan } from "../plan/types.js";
import type { RecordRef } from "../input/record-ref.js";
import { isByKey } from "./draft.js";
import type { PairsByKey, SyncedPair, SyncState } from "./state.js";


export function holdBack(plan: Plan, before: SyncState | PairsByKey, after: SyncState, refused: readonly RecordRef[]): SyncState {
  if (refused.length === 0) return after;
  const synced = new Map(after.synced);
  const isRefused = (system: string, collection: string) => {
    const keys = new Set(refused.filter((r) => r.system === system && r.collection === collection).map((r) => r.key));
    return keys.size > 0 ? keys : undefined;
  };
  for (const link of plan.links) {
    const lefts = isRefused(link.left.system, link.left.collection);
    const rights = isRefused(link.right.system, link.right.collection);
    if (!lefts && !rights) continue;
    const old = isByKey(before) ? before.link(link.id) : before.synced.get(link.id);
    // The inner maps may be shared with `before` (the draft copies on write): this one is new.
    const pairs = new Map<string, SyncedPair>(after.synced.get(link.id) ?? []);
    const restore = (left: string): void => {
      // Of a state that holds the run's changes alone, the stored pair stands by itself.
      const was = after.changedOnly ? undefined : old?.get(left);
      if (was) pairs.set(left, was);
      else pairs.delete(left);
    };
    for (const left of lefts ?? []) restore(left);
    if (rights) {
      // A pair is held back when its right record, now or before the run, was refused. Every
      // pair before the run is in `after` too, or was not changed (changedOnly).
      const held = [...pairs].filter(([left, pair]) => {
        const was = old?.get(left);
        return rights.has(pair.right) || (was !== undefined && rights.has(was.right));
      });
      for (const [left] of held) restore(left);
    }
    synced.set(link.id, pairs);
  }
  return { ...after, synced };
}

/**
 * The records paired, in a state, with the given ones: the other side of each link. A record
 * whose counterpart a system refused to create waits with it, so that no write-back names a
 * record that does not exist.
 */
export function counterparts(plan: Plan, state: SyncState, records: readonly RecordRef[]): RecordRef[] {
  const found: RecordRef[] = [];
  for (const link of plan.links) {
    const pairs = state.synced.get(link.id);
    if (!pairs) continue;
    for (const r of records) {
      if (r.system === link.left.system && r.collection === link.left.collection) {
        const pair = pairs.get(r.key);
        if (pair) found.push({ system: link.right.system, collection: link.right.collection, key: pair.right });
      }
      if (r.system === link.right.system && r.collection === link.right.collection) {
        for (const [left, pair] of pairs) if (pair.right === r.key) found.push({ system: link.left.system, collection: link.left.collection, key: left });
      }
    }
  }
  return found;
}
