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
    frame[0] = side === "left" ? record : undefined;
    frame[1] = side === "right" ? record : undefined;
    for (const s of side === "left" ? this.left : this.right) {
      if (s.condition(frame) === true) {
        this.link.skip(side, record, String(s.reason(frame)));
        return true;
      }
    }
    return false;
  }

  /** The side's records no skip sets aside, in order. */
  kept(side: Side, records: readonly Rec[], frame: Frame): Rec[] {
    const kept: Rec[] = [];
    for (const record of records) if (!this.skips(side, record, frame)) kept.push(record);
    return kept;
  }
}
