// A link's `conflicts` item: when both sides of a two-way field changed since the last sync
// (or there is no last sync), which side's value is kept: the preferred side, or the newer
// record by the link's timestamps, ties going to the side named. The pair is reported as a
// conflict on the side that lost, with both values, so that someone can look.
import type { Side } from "../../plan/types.js";
import type { Compiled, Frame } from "../expressions.js";
import { moment, type Rec } from "../../json/values.js";
import type { LinkContext } from "./context.js";

export class Conflicts {
  /** `newest by`: each side's timestamp. */
  private readonly stamps: { readonly left: Compiled; readonly right: Compiled } | undefined;

  constructor(private readonly link: LinkContext) {
    const conflicts = link.plan.conflicts;
    this.stamps = conflicts?.policy === "newest" ? { left: link.compile(conflicts.left), right: link.compile(conflicts.right) } : undefined;
  }

  /** Which side the conflict policy keeps, and whether it came down to the tie rule. */
  resolve(frame: Frame): { winner: Side; tie: boolean } {
    const conflicts = this.link.plan.conflicts;
    if (!conflicts) return { winner: "left", tie: false };
    if (conflicts.policy === "prefer") return { winner: conflicts.side, tie: false };
    const lt = moment(this.stamps!.left(frame));
    const rt = moment(this.stamps!.right(frame));
    if (lt !== null && (rt === null || lt > rt)) return { winner: "left", tie: false };
    if (rt !== null && (lt === null || rt > lt)) return { winner: "right", tie: false };
    return { winner: conflicts.tie, tie: true };
  }

  /** Reports a settled conflict on the losing side: the field, both values, and why the winner's was kept. */
  report(fieldName: string, winner: Side, tie: boolean, hasLast: boolean, l: Rec, r: Rec, lv: unknown, rv: unknown): void {
    const link = this.link;
    const loser: Side = winner === "left" ? "right" : "left";
    const ls = link.plan.left;
    const rs = link.plan.right;
    const winnerSystem = link.side(winner).system;
    const why =
      link.plan.conflicts?.policy === "prefer"
        ? `${winnerSystem} is preferred`
        : tie
          ? `both records are as new, and a tie goes to ${winnerSystem}`
          : `${winnerSystem}'s record is the newer`;
    link.outcomes.add(
      link.side(loser).system,
      link.side(loser).collection,
      link.keyOf(loser, loser === "left" ? l : r),
      "conflict",
      `${fieldName} differs (${ls.system}.${ls.collection} ${link.keyOf("left", l)}: ${JSON.stringify(lv)}, ${rs.system}.${rs.collection} ${link.keyOf("right", r)}: ${JSON.stringify(rv)})${hasLast ? " and both changed since the last sync" : " and there is no last sync"}; ${why}, so its value was kept`,
    );
  }
}
