// The state a run is writing: the last run's values, copied only where this run changes
// them. A run over 200,000 linked pairs that changes a few thousand copies a few thousand.
import type { SyncedPair, SyncedValues } from "./state.js";

/** A pair this run has synced: its values copied from the last run's, to change. */
interface ChangedPair {
  readonly right: string;
  readonly values: Record<string, unknown>;
}

/** One link's pairs as the run reads and changes them. */
export class LinkDraft {
  readonly changed = new Map<string, ChangedPair>();

  constructor(readonly before: ReadonlyMap<string, SyncedPair> | undefined) {}

  /** The pair's last synced values; none when the left record was last paired with another. */
  pair(left: string, right: string): SyncedPair | undefined {
    const pair = (this.changed.size > 0 ? this.changed.get(left) : undefined) ?? this.before?.get(left);
    return pair && pair.right === right ? pair : undefined;
  }

  /** A pair's values, ready to change: a copy of the last run's, made once. */
  writable(left: string, right: string): ChangedPair {
    let pair = this.changed.get(left);
    if (!pair || pair.right !== right) {
      const values = Object.assign(Object.create(null) as Record<string, unknown>, this.pair(left, right)?.values);
      this.changed.set(left, (pair = { right, values }));
    }
    return pair;
  }
}

export class StateDraft {
  private readonly links = new Map<string, LinkDraft>();

  constructor(private readonly before: SyncedValues) {}

  /** A link's pairs, found once for a run rather than once for each pair. */
  link(id: string): LinkDraft {
    let draft = this.links.get(id);
    if (!draft) this.links.set(id, (draft = new LinkDraft(this.before.get(id))));
    return draft;
  }

  /** The state to keep: the last run's values with this run's changes over them. */
  result(): SyncedValues {
    const out: SyncedValues = new Map();
    for (const link of new Set([...this.before.keys(), ...this.links.keys()])) {
      const merged = new Map<string, SyncedPair>(this.before.get(link) ?? []);
      for (const [left, pair] of this.links.get(link)?.changed ?? []) merged.set(left, pair);
      out.set(link, merged);
    }
    return out;
  }
}
