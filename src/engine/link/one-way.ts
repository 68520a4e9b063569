// A one-way mapping (`a -> b`, `a <- b`): the target field takes the value computed over the
// pair, unless it already holds it (or the same through `as`): there is no last synced value
// and no conflict, since only one side is ever written.
import type { MappingPlan, Side } from "../../plan/types.js";
import type { Compiled, Frame } from "../expressions.js";
import { equal, type Rec } from "../../json/values.js";
import type { Type } from "../../language/types/type.js";
import { readPath, writePath } from "../writer.js";
import { normalizer, sameThrough, type Normalize } from "./compare.js";
import type { LinkContext } from "./context.js";
import type { FlowStep } from "../explain-trace.js";

export type OneWayPlan = Extract<MappingPlan, { kind: "oneWay" }>;

export class OneWayMapping {
  readonly kind = "oneWay";
  readonly condition: Compiled | undefined;
  private readonly into: Side;
  private readonly target: readonly string[];
  private readonly value: Compiled;
  private readonly normalize: Normalize | undefined;

  constructor(
    private readonly link: LinkContext,
    plan: OneWayPlan,
  ) {
    this.condition = plan.condition ? link.compile(plan.condition) : undefined;
    this.into = plan.into;
    this.target = plan.target;
    this.value = link.compile(plan.value);
    this.normalize = normalizer(plan);
  }

  /**
   * Writes the target of a pair whose records `frame` holds as they stand, reading them again
   * after a write. `writesAll`: the pair was made this run, and flows whatever the run's direction.
   */
  flow(frame: Frame, lk: string, l: Rec, rk: string, r: Rec, writesAll: boolean, traced?: (step: Omit<Extract<FlowStep, { kind: "oneWay" }>, "mapping">) => void): void {
    const into = this.into;
    const value = this.value(frame);
    // A value the target holds already (or the same through the mapping's `as` function) is not written.
    const held = readPath(frame[into === "left" ? 0 : 1], this.target);
    const same = this.normalize ? sameThrough(this.normalize, held, value) : equal(held, value);
    if (traced) traced({ kind: "oneWay", into, value, held, written: !same && (writesAll || this.link.canWrite(into)), uncarried: !same && !writesAll && !this.link.canWrite(into) });
    if (same) return;
    if (!writesAll && !this.link.canWrite(into)) {
      this.link.uncarried(into === "left" ? "right" : "left", into === "left" ? rk : lk);
      return;
    }
    if (this.link.write(into, into === "left" ? lk : rk, this.target, value)) this.link.refresh(frame, lk, l, rk, r);
  }

  /** Fills the target in a record being created on side `into`, when that is the side this mapping writes. */
  fill(record: Rec, into: Side, frame: Frame, types: ReadonlyMap<string, Type>): void {
    if (this.into === into) writePath(record, this.target, this.value(frame), types);
  }
}
