// The state to keep after a run in which a system refused some records: every pair that
// involves a refused record keeps its last synced values from before the run, so the next
// run sees the same difference and makes the same write again, while the rest advance.
import type { Plan } from "../plan/types.js";
import type { SyncedPair, SyncState } from "./state.js";

export interface RefusedRecord {
  readonly system: string;
  readonly collection: string;
  readonly key: string;
}

export function holdBack(plan: Plan, before: SyncState, after: SyncState, refused: readonly RefusedRecord[]): SyncState {
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
    const old = before.synced.get(link.id);
    // The inner maps may be shared with `before` (the draft copies on write): this one is new.
    const pairs = new Map<string, SyncedPair>(after.synced.get(link.id) ?? []);
    const restore = (left: string): void => {
      const was = old?.get(left);
      if (was) pairs.set(left, was);
      else pairs.delete(left);
    };
    for (const left of lefts ?? []) restore(left);
    if (rights) {
      for (const [left, pair] of pairs) if (rights.has(pair.right)) restore(left);
      for (const [left, pair] of old ?? []) if (rights.has(pair.right)) restore(left);
    }
    synced.set(link.id, pairs);
  }
  return { lastRun: after.lastRun, synced };
}
