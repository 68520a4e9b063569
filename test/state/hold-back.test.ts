// The state kept after a run in which a system refused records: a refused record's pairs keep
// their values from before the run, so the next run makes the same write again. A run over a
// state read by key keeps its changes alone (changedOnly); held back, the refused pairs are
// left out of them and the stored ones stand, which comes to the same stored state.
import { describe, expect, it } from "vitest";
import type { RecordRef } from "../../src/input/record-ref.js";
import type { Plan } from "../../src/plan/types.js";
import { StateDraft } from "../../src/state/draft.js";
import { holdBack } from "../../src/state/hold-back.js";
import type { PairsByKey, SyncedPair, SyncedValues, SyncState } from "../../src/state/state.js";

const PLAN = { links: [{ id: "people", left: { system: "crm", collection: "people" }, right: { system: "mail", collection: "members" } }] } as unknown as Plan;
const BEFORE: SyncState = {
  lastRun: "2026-01-01T00:00:00Z",
  synced: new Map([["people", new Map<string, SyncedPair>([["a", { right: "1", values: { email: "a@old" } }], ["b", { right: "2", values: { email: "b@old" } }], ["c", { right: "3", values: { email: "c@old" } }]])]]),
};
const BY_KEY: PairsByKey = { lastRun: BEFORE.lastRun, byKey: true, link: (id) => BEFORE.synced.get(id) ?? new Map() };

/** The run: a's and b's emails synced anew, c paired with another member, d paired for the first time. */
function after(draft: StateDraft): SyncState {
  const people = draft.link("people");
  people.writable("a", "1").values["email"] = "a@new";
  people.writable("b", "2").values["email"] = "b@new";
  people.writable("c", "9").values["email"] = "c@new";
  people.writable("d", "4").values["email"] = "d@new";
  return draft.result("2026-01-02T00:00:00Z");
}

/** What the store holds once the state is written: changes alone land over the stored pairs. */
function storedAfter(kept: SyncState): unknown {
  const out: SyncedValues = kept.changedOnly ? new Map([...BEFORE.synced].map(([id, pairs]) => [id, new Map(pairs)])) : new Map();
  for (const [id, pairs] of kept.synced) for (const [left, pair] of pairs) (out.get(id) ?? out.set(id, new Map()).get(id)!).set(left, pair);
  return [...out.get("people")!].sort(([a], [b]) => (a < b ? -1 : 1)).map(([left, p]) => [left, p.right, { ...p.values }]);
}

const refusals: Record<string, RecordRef[]> = {
  "a left record": [{ system: "crm", collection: "people", key: "a" }],
  "a right record now paired": [{ system: "mail", collection: "members", key: "9" }],
  "a right record paired before the run": [{ system: "mail", collection: "members", key: "3" }],
  "a record first paired in the run": [{ system: "mail", collection: "members", key: "4" }],
};

describe("holding back refused records' pairs", () => {
  for (const [what, refused] of Object.entries(refusals)) {
    it(`keeps the same stored state for ${what}, whether the state was read whole or by key`, () => {
      const whole = holdBack(PLAN, BEFORE, after(new StateDraft(BEFORE.synced)), refused);
      const keyed = holdBack(PLAN, BY_KEY, after(new StateDraft(BY_KEY)), refused);
      expect(keyed.changedOnly).toBe(true);
      expect(storedAfter(keyed)).toEqual(storedAfter(whole));
    });
  }

  it("keeps a refused record's values from before the run, and advances the rest", () => {
    const kept = holdBack(PLAN, BEFORE, after(new StateDraft(BEFORE.synced)), refusals["a left record"]!);
    expect(storedAfter(kept)).toEqual([
      ["a", "1", { email: "a@old" }],
      ["b", "2", { email: "b@new" }],
      ["c", "9", { email: "c@new" }],
      ["d", "4", { email: "d@new" }],
    ]);
    const byRight = holdBack(PLAN, BY_KEY, after(new StateDraft(BY_KEY)), refusals["a right record paired before the run"]!);
    expect(storedAfter(byRight)).toEqual([
      ["a", "1", { email: "a@new" }],
      ["b", "2", { email: "b@new" }],
      ["c", "3", { email: "c@old" }],
      ["d", "4", { email: "d@new" }],
    ]);
  });
});
