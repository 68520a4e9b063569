// The state a run is writing: the last run's values, copied only where this run changes
// them. A run over 200,000 linked pairs that changes a few thousand copies a few thousand.
import type { PairLookup, PairsByKey, SyncedPair, SyncedValues, SyncState } from "./state.js";

/** A pair this run has synced: its values copied from the last run's, to change. */
interface ChangedPair {
  readonly right: string;
  readonly values: Record<string, unknown>;
}

/** One link's pairs as the run reads and changes them. */
export class LinkDraft {
  readonly changed = new Map<string, ChangedPair>();
  /** Left keys whose pair this run drops (over a whole state only). */
  readonly removed = new Set<string>();

  constructor(readonly before: PairLookup | undefined) {}

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

  constructor(private readonly before: SyncedValues | PairsByKey) {}

  /** A link's pairs, found once for a run rather than once for each pair. */
  link(id: string): LinkDraft {
    let draft = this.links.get(id);
    if (!draft) this.links.set(id, (draft = new LinkDraft(isByKey(this.before) ? this.before.link(id) : this.before.get(id))));
    return draft;
  }

  /**
   * Every left key of a link in the last run's state, when the run holds it whole; undefined
   * over a state read by key, where a link's keys are not all known.
   */
  keysBefore(id: string): Iterable<string> | undefined {
    if (isByKey(this.before)) return undefined;
    return this.before.get(id)?.keys() ?? [];
  }

  /**
   * Keeps a pair with no values without reading the last run's: a run over a state read by
   * key notes what it wrote without asking the store for each key.
   */
  note(id: string, left: string, right: string): void {
    this.link(id).removed.delete(left);
    if (!isByKey(this.before) && this.before.get(id)?.get(left)?.right === right) return;
    this.link(id).changed.set(left, { right, values: Object.create(null) as Record<string, unknown> });
  }

  /** Drops a pair from the state the run keeps; over a state read by key, whose pairs it does not hold, nothing. */
  forget(id: string, left: string): void {
    if (isByKey(this.before)) return;
    const link = this.link(id);
    link.changed.delete(left);
    link.removed.add(left);
  }

  /** The state to keep: the last run's values with this run's changes over them; over a state read by key, the changes alone. */
  result(lastRun: string): SyncState {
    const before = this.before;
    if (isByKey(before)) {
      const changed: SyncedValues = new Map();
      for (const [id, link] of this.links) if (link.changed.size > 0) changed.set(id, new Map(link.changed));
      return { lastRun, synced: changed, changedOnly: true };
    }
    const out: SyncedValues = new Map();
    for (const link of new Set([...before.keys(), ...this.links.keys()])) {
      const merged = new Map<string, SyncedPair>(before.get(link) ?? []);
      for (const [left, pair] of this.links.get(link)?.changed ?? []) merged.set(left, pair);
      for (const left of this.links.get(link)?.removed ?? []) merged.delete(left);
      out.set(link, merged);
    }
    return { lastRun, synced: out };
  }
}

export function isByKey(state: SyncedValues | PairsByKey | SyncState): state is PairsByKey {
  return "byKey" in state;
}
