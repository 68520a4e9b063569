// A two-way mapping (`a <-> b`): the side that changed since the last sync wins and its
// value is written to the other; both changed, the conflict policy decides. Values are
// compared in the left side's shape, so an object with renamed sub-fields compares by the
// fields the link maps, and an empty object is the same as none (no flip-flop).
import type { MappingPlan, Side } from "../../plan/types.js";
import type { Compiled, Frame } from "../expressions.js";
import { equal, field, isEmpty, type Rec } from "../../json/values.js";
import type { Type } from "../../language/types/type.js";
import { setMember } from "../../json/own.js";
import { readPath, writePath } from "../writer.js";
import { normalizer, sameThrough, type Normalize } from "./compare.js";
import type { Conflicts } from "./conflicts.js";
import type { LinkContext } from "./context.js";
import type { TwoWayStep } from "../explain-trace.js";

export type TwoWayPlan = Extract<MappingPlan, { kind: "twoWay" }>;

export class TwoWayMapping {
  readonly kind = "twoWay";
  /** Where the state keeps the mapping's last synced value. */
  readonly id: string;
  readonly condition: Compiled | undefined;
  private readonly normalize: Normalize | undefined;
  /** A two-way object field's renamed sub-fields, as two lists: left names, right names. */
  private readonly renames: { readonly left: readonly string[]; readonly right: readonly string[] } | undefined;

  constructor(
    private readonly link: LinkContext,
    private readonly plan: TwoWayPlan,
    private readonly conflicts: Conflicts,
  ) {
    this.id = plan.id;
    this.condition = plan.condition ? link.compile(plan.condition) : undefined;
    this.normalize = normalizer(plan);
    this.renames = plan.renames ? { left: plan.renames.map(([l]) => l), right: plan.renames.map(([, r]) => r) } : undefined;
  }

  /** Whether both sides equal the last synced value (in the left side's shape): the common case, checked without building anything. */
  unchanged(l: Rec, r: Rec, last: unknown): boolean {
    const m = this.plan;
    const lv = readPath(l, m.left);
    const rv = readPath(r, m.right);
    const renames = this.renames;
    if (!renames) return sameThrough(this.normalize, lv, last) && sameThrough(this.normalize, rv, last);
    if (isEmpty(last)) return this.valueOf("left", l) === null && this.valueOf("right", r) === null;
    const { left, right } = renames;
    for (let i = 0; i < left.length; i++) {
      const expected = field(last, left[i]!);
      if (!equal(field(lv, left[i]!), expected) || !equal(field(rv, right[i]!), expected)) return false;
    }
    return true;
  }

  /**
   * Settles the field of the pair `frame` holds: the side that changed since the last sync wins;
   * both changed, the policy decides and the pair is reported as a conflict. `created` names
   * the side made this run: it takes the other side's value. Returns the value both sides now
   * hold (the new last synced value), or undefined when this run could not settle it.
   */
  merge(frame: Frame, last: unknown, hasLast: boolean, created: Side | undefined, traced?: (step: TwoWayStep) => void): unknown {
    const m = this.plan;
    const link = this.link;
    const [l, r] = frame as [Rec, Rec];
    const lv = this.valueOf("left", l);
    const rv = this.valueOf("right", r);
    // Values the same through the mapping's `as` function are the same: nothing flows.
    if (sameThrough(this.normalize, lv, rv)) {
      if (traced) traced({ kind: "twoWay", left: lv, right: rv, last, hasLast, conflict: false, tie: false, uncarried: false, ...(created ? { created } : {}) });
      return hasLast && sameThrough(this.normalize, lv, last) ? last : lv;
    }
    let winner: Side;
    let conflict = false;
    let tie = false;
    if (created) winner = created === "left" ? "right" : "left";
    else if (hasLast && sameThrough(this.normalize, lv, last)) winner = "right";
    else if (hasLast && sameThrough(this.normalize, rv, last)) winner = "left";
    else {
      ({ winner, tie } = this.conflicts.resolve(frame));
      conflict = true;
    }
    const loser: Side = winner === "left" ? "right" : "left";
    if (traced) traced({ kind: "twoWay", left: lv, right: rv, last, hasLast, winner, conflict, tie, uncarried: !link.canWrite(loser), ...(created ? { created } : {}) });
    if (!link.canWrite(loser)) {
      link.uncarried(winner, winner === "left" ? link.keyOf("left", l) : link.keyOf("right", r));
      return undefined;
    }
    const value = winner === "left" ? lv : rv;
    this.writeTo(loser, loser === "left" ? link.keyOf("left", l) : link.keyOf("right", r), value);
    if (conflict) this.conflicts.report(m.left.join("."), winner, tie, hasLast, l, r, lv, rv);
    return value;
  }

  /** Fills the field in a record being created on side `into`, from the source's value. */
  fill(record: Rec, into: Side, source: Rec, types: ReadonlyMap<string, Type>): void {
    const m = this.plan;
    const value = this.valueOf(into === "left" ? "right" : "left", source);
    const path = into === "left" ? m.left : m.right;
    if (!m.renames || isEmpty(value)) writePath(record, path, value, types);
    else for (const [leftName, rightName] of m.renames) writePath(record, [...path, into === "left" ? leftName : rightName], field(value, leftName), types);
  }

  /** The field's value in the left side's shape: objects with renamed sub-fields use the left names. */
  valueOf(side: Side, record: Rec): unknown {
    const m = this.plan;
    const value = readPath(record, side === "left" ? m.left : m.right);
    if (!m.renames || isEmpty(value)) return isEmpty(value) ? null : value;
    const out: Rec = {};
    let empty = true;
    for (const [leftName, rightName] of m.renames) {
      const sub = field(value, side === "left" ? leftName : rightName);
      setMember(out, leftName, sub);
      if (!isEmpty(sub)) empty = false;
    }
    // An object with nothing in the fields the link maps is as empty as no object at all:
    // {} on one side and null on the other are the same, and must not flip-flop.
    return empty ? null : out;
  }

  private writeTo(side: Side, key: string, value: unknown): void {
    const m = this.plan;
    const path = side === "left" ? m.left : m.right;
    if (!m.renames) {
      this.link.write(side, key, path, value);
      return;
    }
    if (isEmpty(value)) {
      this.link.write(side, key, path, null);
      return;
    }
    // Only the listed sub-fields are the link's; the object's others are left as they are.
    for (const [leftName, rightName] of m.renames) this.link.write(side, key, [...path, side === "left" ? leftName : rightName], field(value, leftName));
  }
}
