// A link's `skip ... when` items: which records of a side are set aside before matching, and
// why. The first skip of the record's side whose condition holds reports the record (with its
// reason, once a run); a skipped record is neither paired nor given a counterpart.
import type { Side } from "../../plan/types.js";
import type { Compiled, Frame } from "../expressions.js";
import type { Rec } from "../../json/values.js";
import type { LinkContext } from "./context.js";

interface CompiledSkip {
  readonly reason: Compiled;
  readonly condition: Compiled;
}

export class Skips {
  /** Each side's skips, in the order written. */
  private readonly left: CompiledSkip[] = [];
  private readonly right: CompiledSkip[] = [];

  constructor(private readonly link: LinkContext) {
    for (const s of link.plan.skips) (s.side === "left" ? this.left : this.right).push({ reason: link.compile(s.reason), condition: link.compile(s.condition) });
  }

  /** Whether a side has skips: without them there is nothing to filter, and a million records need no pass. */
  on(side: Side): boolean {
    return (side === "left" ? this.left : this.right).length > 0;
  }

  /** Whether a skip sets the record aside (and reports it if so). `frame` is the caller's, reused. */
  skips(side: Side, record: Rec, frame: Frame): boolean {
    const found = this.which(side, record, frame);
    if (found === undefined) return false;
    this.link.skip(side, record, found.reason);
    return true;
  }

  /** The first skip of the side that sets the record aside (its place among the side's skips, its reason), reporting nothing: pairing and `syncspec explain` both ask here. */
  which(side: Side, record: Rec, frame: Frame = [undefined, undefined]): { index: number; reason: string } | undefined {
    frame[0] = side === "left" ? record : undefined;
    frame[1] = side === "right" ? record : undefined;
    const skips = side === "left" ? this.left : this.right;
    for (let i = 0; i < skips.length; i++) {
      const s = skips[i]!;
      if (s.condition(frame) === true) return { index: i, reason: String(s.reason(frame)) };
    }
    return undefined;
  }

  /** The side's records no skip sets aside, in order. */
  kept(side: Side, records: readonly Rec[], frame: Frame): Rec[] {
    const kept: Rec[] = [];
    for (const record of records) if (!this.skips(side, record, frame)) kept.push(record);
    return kept;
  }
}
