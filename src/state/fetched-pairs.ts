// The state a run reads by key from a store that answers later (a query over the network),
// as the engine reads it: at once. The pairs of the records a run holds are fetched before it
// plans; a pair asked for beyond those is noted as missed and taken as none, and the run is
// planned again once it is fetched, so nothing is ever decided on a pair the run could not see.
import type { PairLookup, PairsByKey, StoredPairs, SyncedPair } from "./state.js";

export class FetchedPairs implements PairsByKey {
  readonly byKey = true;
  readonly lastRun: string | null;
  /** link -> left key -> its pair, or null for none: every key fetched so far. */
  readonly fetched = new Map<string, Map<string, SyncedPair | null>>();
  private missed = new Map<string, Set<string>>();

  constructor(private readonly stored: StoredPairs) {
    this.lastRun = stored.lastRun;
  }

  link(id: string): PairLookup {
    return {
      get: (left) => {
        const pair = this.fetched.get(id)?.get(left);
        if (pair !== undefined) return pair ?? undefined;
        let wanted = this.missed.get(id);
        if (!wanted) this.missed.set(id, (wanted = new Set()));
        wanted.add(left);
        return undefined;
      },
    };
  }

  /** Fetches the pairs of these left keys not fetched yet. */
  async fetch(wanted: Iterable<readonly [link: string, lefts: Iterable<string>]>): Promise<void> {
    for (const [link, lefts] of wanted) {
      let pairs = this.fetched.get(link);
      if (!pairs) this.fetched.set(link, (pairs = new Map()));
      const asked = [...new Set(lefts)].filter((left) => !pairs.has(left));
      if (asked.length === 0) continue;
      const found = await this.stored.pairs(link, asked);
      for (const left of asked) pairs.set(left, found.get(left) ?? null);
    }
  }

  /** The keys asked for since the last call and not fetched, by link; none when the plan saw every pair it asked for. */
  takeMissed(): [link: string, lefts: string[]][] {
    const missed = [...this.missed].map(([link, lefts]): [string, string[]] => [link, [...lefts]]);
    this.missed = new Map();
    return missed;
  }
}
