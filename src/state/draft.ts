// The state a run is writing: the last run's values, copied only where this run changes
// them. A run over 200,000 linked pairs that changes a few thousand copies a few thousand.
import type { SyncedValues } from "./state.js";

export class StateDraft {
  private readonly links = new Map<string, Map<string, Map<string, unknown>>>();
  /** The inner maps this draft made, which it may change in place. */
  private readonly own = new WeakSet<Map<string, unknown>>();

  constructor(private readonly before: SyncedValues) {}

  values(link: string, pair: string): ReadonlyMap<string, unknown> | undefined {
    return this.links.get(link)?.get(pair) ?? this.before.get(link)?.get(pair);
  }

  /** A pair's values, ready to change. */
  writable(link: string, pair: string): Map<string, unknown> {
    let pairs = this.links.get(link);
    if (!pairs) this.links.set(link, (pairs = new Map()));
    let values = pairs.get(pair);
    if (!values || !this.own.has(values)) {
      values = new Map(this.before.get(link)?.get(pair) ?? []);
      this.own.add(values);
      pairs.set(pair, values);
    }
    return values;
  }

  /** The state to keep: the last run's values with this run's changes over them. */
  result(): SyncedValues {
    const out: SyncedValues = new Map();
    for (const link of new Set([...this.before.keys(), ...this.links.keys()])) {
      const merged = new Map(this.before.get(link) ?? []);
      for (const [pair, values] of this.links.get(link) ?? []) merged.set(pair, values);
      out.set(link, merged);
    }
    return out;
  }
}
