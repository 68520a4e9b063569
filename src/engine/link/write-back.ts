// A link's write back (`a.crmKey <- b.id`): after the mappings, one field of one side takes a
// value of the pair, typically the other record's id, so that the side remembers its
// counterpart. It is written only when it differs, and with the mappings when a record is created.
import type { LinkPlan, Side } from "../../plan/types.js";
import type { Compiled, Frame } from "../expressions.js";
import { equal, type Rec } from "../../json/values.js";
import type { Type } from "../../language/types/type.js";
import { readPath, writePath } from "../writer.js";
import type { LinkContext } from "./context.js";
import type { FlowStep } from "../explain-trace.js";

export class WriteBack {
  readonly into: Side;
  private readonly value: Compiled;
  private readonly target: readonly string[];

  constructor(
    private readonly link: LinkContext,
    plan: NonNullable<LinkPlan["writeBack"]>,
  ) {
    this.into = plan.into;
    this.value = link.compile(plan.value);
    this.target = plan.target;
  }

  /** Writes the target of the pair `frame` holds when it differs. `writesAll`: the pair was made this run. */
  flow(frame: Frame, lk: string, rk: string, writesAll: boolean, traced?: (step: FlowStep) => void): void {
    const into = this.into;
    const value = this.value(frame);
    const held = readPath(frame[into === "left" ? 0 : 1], this.target);
    const same = equal(held, value);
    if (traced) traced({ kind: "writeBack", into, value, held, written: !same && (writesAll || this.link.canWrite(into)), uncarried: !same && !writesAll && !this.link.canWrite(into) });
    if (same) return;
    if (!writesAll && !this.link.canWrite(into)) this.link.uncarried(into === "left" ? "right" : "left", into === "left" ? rk : lk);
    else this.link.write(into, into === "left" ? lk : rk, this.target, value);
  }

  /** Fills the target in a record being created on this write back's side. */
  fill(record: Rec, frame: Frame, types: ReadonlyMap<string, Type>): void {
    writePath(record, this.target, this.value(frame), types);
  }
}
