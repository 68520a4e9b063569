// A link at run time: pairs its records (matches tried in order; two candidates skip the
// record, with the reason), creates counterparts for unlinked records, and makes each pair's
// fields flow: one-way fields copy, two-way fields merge three ways against the last synced
// values, and the conflict policy decides when both sides changed. Each of those is decided
// in its own unit under link/; LinkRun runs them in the order a round needs.
import type { LinkPlan } from "../plan/types.js";
import type { StateDraft } from "../state/draft.js";
import type { LinkPairs, RunContext } from "./context.js";
import type { SkipRow } from "./expressions.js";
import type { Outcomes } from "./outcomes.js";
import type { Rec } from "../json/values.js";
import type { Touches, Writer } from "./writer.js";
import { Conflicts } from "./link/conflicts.js";
import { LinkContext, type RunScope } from "./link/context.js";
import { Creates } from "./link/create.js";
import { PairFlow } from "./link/flow.js";
import { Pairing } from "./link/pairing.js";
import { readsBeyond } from "./link/reads.js";
import type { RunTrace } from "./explain-trace.js";

export type { RunScope } from "./link/context.js";
export { readsBeyond } from "./link/reads.js";

export class LinkRun implements LinkPairs {
  readonly leftKey: string;
  readonly rightKey: string;
  /** Read by `syncspec explain` once the run has settled. */
  readonly link: LinkContext;
  readonly pairing: Pairing;
  private readonly fields: PairFlow;
  private readonly creates: Creates;
  /** Whether a pair's fields, creates and write-back read anything beyond the pair's two records. */
  private readonly flowReadsBeyond: boolean;

  constructor(
    readonly plan: LinkPlan,
    ctx: RunContext,
    writer: Writer,
    outcomes: Outcomes,
    state: StateDraft,
    scope: RunScope,
    trace?: RunTrace,
  ) {
    const synced = state.link(plan.id);
    const link = (this.link = new LinkContext(plan, ctx, writer, outcomes, scope, trace));
    this.leftKey = link.leftKey;
    this.rightKey = link.rightKey;
    this.flowReadsBeyond = [
      ...plan.mappings.flatMap((m) => [...(m.condition ? [m.condition] : []), ...(m.kind === "oneWay" ? [m.value] : [])]),
      ...(plan.writeBack ? [plan.writeBack.value] : []),
      ...plan.creates.flatMap((cr) => [cr.key, ...(cr.condition ? [cr.condition] : []), ...cr.assignments.map((a) => a.value)]),
      ...(plan.conflicts?.policy === "newest" ? [plan.conflicts.left, plan.conflicts.right] : []),
    ].some(readsBeyond);
    this.pairing = new Pairing(link);
    this.fields = new PairFlow(link, synced, new Conflicts(link));
    this.creates = new Creates(link, this.pairing, this.fields);
  }

  leftToRight(key: string): Rec | null | SkipRow {
    return this.pairing.leftToRight(key);
  }
  rightToLeft(key: string, record?: Rec): Rec | null | SkipRow {
    return this.pairing.rightToLeft(key, record);
  }

  /**
   * Pairs the sides' records as they stand now. After the first round the pairs are kept
   * unless the round before changed what matching reads.
   */
  pair(round: number, previous: Touches): void {
    this.pairing.pair(round, previous);
  }

  /**
   * Makes the pairs' fields flow, then creates counterparts for unlinked records. After the
   * first round, only the records the round before changed are looked at again, when what
   * flows reads nothing beyond a pair's own two records.
   */
  flow(round: number, previous: Touches): void {
    const link = this.link;
    const incremental = round > 0 && !this.flowReadsBeyond && !link.overViews;
    const changed = incremental ? link.touchedIn(previous) : {};
    if (incremental && !changed.left && !changed.right) return;
    const left = incremental ? this.pairing.changedLeftRecords(changed.left?.keys, changed.right?.keys) : (link.ctx.scan(this.plan.left.source) as Rec[]);
    this.fields.flowPairs(left, incremental ? undefined : this.pairing.pairsByPlace(left), this.pairing.pairsOf("left"));
    this.creates.run(incremental, changed);
  }
}
