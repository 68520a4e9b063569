// The state a run is writing: the last run's values, copied only where this run changes
// them. A run over 200,000 linked pairs that changes a few thousand copies a few thousand.
import type { PairValues, SyncedPair, SyncedValues } from "./state.js";

export class StateDraft {
  private readonly links = new Map<string, Map<string, { right: string; values: Record<string, unknown> }>>();

  constructor(private readonly before: SyncedValues) {}

  /** The last synced values of a pair; none when the left record was last paired with another. */
  values(link: string, left: string, right: string): PairValues | undefined {
    const pair: SyncedPair | undefined = this.links.get(link)?.get(left) ?? this.before.get(link)?.get(left);
    return pair && pair.right === right ? pair.values : undefined;
  }

  /** A pair's values, ready to change: a copy of the last run's, made once. */
  writable(link: string, left: string, right: string): Record<string, unknown> {
    let pairs = this.links.get(link);
    if (!pairs) this.links.set(link, (pairs = new Map()));
    let pair = pairs.get(left);
    if (!pair || pair.right !== right) {
      const values = Object.assign(Object.create(null) as Record<string, unknown>, this.values(link, left, right));
      pairs.set(left, (pair = { right, values }));
    }
    return pair.values;
  }

  /** The state to keep: the last run's values with this run's changes over them. */
  result(): SyncedValues {
    const out: SyncedValues = new Map();
    for (const link of new Set([...this.before.keys(), ...this.links.keys()])) {
      const merged = new Map<string, SyncedPair>(this.before.get(link) ?? []);
      for (const [left, pair] of this.links.get(link) ?? []) merged.set(left, pair);
      out.set(link, merged);
    }
    return out;
  }
}
