// How one pair's fields flow: its mappings in the order written, each over the pair as it
// stands after the ones before, then the write back. The two-way mappings' settled values
// become the pair's new last synced values; a mapping that skips the record stops the pair.
import type { Side } from "../../plan/types.js";
import { NOT_SYNCED, syncedValue } from "../../state/state.js";
import type { LinkDraft } from "../../state/draft.js";
import { SkipRow, type Frame } from "../expressions.js";
import type { Rec } from "../../json/values.js";
import type { Conflicts } from "./conflicts.js";
import type { Counterpart, LinkContext } from "./context.js";
import { OneWayMapping } from "./one-way.js";
import { TwoWayMapping } from "./two-way.js";
import { WriteBack } from "./write-back.js";

export class PairFlow {
  readonly mappings: readonly (OneWayMapping | TwoWayMapping)[];
  readonly writeBack: WriteBack | undefined;

  constructor(
    private readonly link: LinkContext,
    /** The link's last synced values, and this run's changes to them. */
    private readonly synced: LinkDraft,
    conflicts: Conflicts,
  ) {
    this.mappings = link.plan.mappings.map((m) => (m.kind === "oneWay" ? new OneWayMapping(link, m) : new TwoWayMapping(link, m, conflicts)));
    this.writeBack = link.plan.writeBack ? new WriteBack(link, link.plan.writeBack) : undefined;
  }

  /**
   * The pairs of the left records `left` (the side's rows, or the ones a round changed), each
   * found by place when `byPlace` has them and by key in `leftPairs` otherwise.
   */
  flowPairs(left: readonly Rec[], byPlace: readonly (Counterpart | SkipRow | undefined)[] | undefined, leftPairs: ReadonlyMap<string, Counterpart | SkipRow>): void {
    const link = this.link;
    for (let place = 0; place < left.length; place++) {
      const l = left[place]!;
      const lk = link.keyOf("left", l);
      const counterpart = byPlace ? byPlace[place] : leftPairs.get(lk);
      if (counterpart === undefined || counterpart instanceof SkipRow) continue;
      const rk = counterpart.key;
      const r = link.rightState.current(rk, counterpart.seen);
      if (!r || (!link.inScope("left", lk) && !link.inScope("right", rk))) continue;
      this.flowPair(lk, l, rk, r);
    }
  }

  /**
   * One pair's fields, given each record's key and the record as paired. `created` names the
   * side made this run: its two-way fields take the other side's values.
   */
  flowPair(lk: string, l: Rec, rk: string, r: Rec, created?: Side): void {
    const link = this.link;
    let synced = this.synced.pair(lk, rk);
    // Undefined unless `syncspec explain` asks about one of these two records.
    const traced = link.trace?.pair(link.plan.id, lk, rk);
    // A pair made in this run flows whole, write-backs included, even in a run an event limits
    // to one direction: "a record created in a run gets its write-back in that run".
    const writesAll = created !== undefined;
    // Each mapping reads the pair as it stands: after a write, the records are read again.
    const frame: Frame = [link.leftState.current(lk, l) ?? l, link.rightState.current(rk, r) ?? r];
    try {
      for (let i = 0; i < this.mappings.length; i++) {
        const m = this.mappings[i]!;
        if (m.condition && m.condition(frame) !== true) {
          if (traced) traced({ kind: "when", mapping: i, frame: [frame[0] as Rec, frame[1] as Rec] });
          continue;
        }
        if (m.kind === "oneWay") {
          m.flow(frame, lk, l, rk, r, writesAll, traced && ((step) => traced({ ...step, mapping: i })));
          continue;
        }
        const last = syncedValue(synced, m.id);
        const hasLast = last !== NOT_SYNCED;
        // The common case, checked without building anything: both sides hold the last synced value.
        if (hasLast && !created && m.unchanged(frame[0] as Rec, frame[1] as Rec, last)) {
          if (traced) traced({ kind: "unchanged", mapping: i, left: m.valueOf("left", frame[0] as Rec), right: m.valueOf("right", frame[1] as Rec), last });
          continue;
        }
        const result = m.merge(frame, hasLast ? last : undefined, hasLast, created, traced && ((step) => traced({ ...step, mapping: i })));
        link.refresh(frame, lk, l, rk, r);
        if (result !== undefined) {
          const writable = this.synced.writable(lk, rk);
          writable.values[m.id] = result;
          synced = writable;
        }
      }
      if (this.writeBack) this.writeBack.flow(frame, lk, rk, writesAll, traced);
    } catch (error) {
      if (!(error instanceof SkipRow)) throw error;
      if (traced) traced({ kind: "skipped", reason: error.reason });
      link.skip("left", l, error.reason);
    }
  }
}
