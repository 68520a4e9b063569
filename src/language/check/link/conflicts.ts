// A link's `conflicts` policy: which side wins when a field joined by `<->` changed on both
// since the last run. A link with two-way mappings needs exactly one; a link without has
// nothing that could conflict, so a policy there is a mistake.
import type * as A from "../../ast/nodes.js";
import type * as P from "../../../plan/types.js";
import type { LinkHeader } from "../context.js";
import { describe } from "../../types/type.js";
import { checkExpr } from "../expressions.js";
import type { LinkCheck, SideName } from "./context.js";
import { aliasOf, onlySide, sideOfSystem, sidesRead } from "./sides.js";

type Newest = Extract<A.ConflictPolicy, { kind: "newest" }>;

export function checkConflicts(item: A.ConflictsItem, lc: LinkCheck): void {
  const { ctx, plan } = lc;
  if (plan.conflicts) {
    ctx.error("SEM009", item.span, "a link has one `conflicts` policy", { notes: plan.conflictsSpan ? [{ message: "the first is here", span: plan.conflictsSpan }] : [] });
    return;
  }
  plan.conflictsSpan = item.span;
  const span = ctx.planSpan(item.span);
  const policy = item.policy;
  if (policy.kind === "prefer") {
    const side = sideOfSystem(lc, policy.system);
    if (side) plan.conflicts = { policy: "prefer", side, span };
    return;
  }
  const newest = checkNewest(policy, lc);
  if (newest) plan.conflicts = { policy: "newest", ...newest, span };
}

/** After the whole link: a policy where `<->` mappings are written, and none where they are not. */
export function checkConflictsNeeded(lc: LinkCheck): void {
  const { ctx, link, plan } = lc;
  // Judged on what the author wrote: a `<->` mapping rejected for another reason still counts.
  const writtenTwoWay = link.items.some((i) => (i.kind === "mapping" && i.direction === "<->") || (i.kind === "when" && i.mappings.some((m) => m.direction === "<->")));
  if (writtenTwoWay && !plan.conflicts && !plan.conflictsSpan) {
    ctx.error("SEM008", link.span, "this link has `<->` mappings but no `conflicts` policy for fields changed on both sides", {
      notes: [{ message: `add ${conflictHint(lc.header)}` }],
    });
  }
  if (!writtenTwoWay && plan.conflictsSpan) ctx.error("SEM007", plan.conflictsSpan, "this link has no `<->` mapping, so nothing can conflict");
}

/** `newest by L, R, tie SYSTEM`: one timestamp of each side, and the side that wins a tie. */
function checkNewest(policy: Newest, lc: LinkCheck): { left: P.Expr; right: P.Expr; tie: SideName } | undefined {
  const { ctx, header } = lc;
  if (policy.timestamps.length !== 2) {
    ctx.error("SYN007", policy.span, `\`newest by\` names one timestamp of each side, ${policy.timestamps.length === 1 ? "not one" : `not ${policy.timestamps.length}`}`);
    return undefined;
  }
  const stamps = checkTimestamps(policy.timestamps, lc);
  if (!policy.tie) {
    ctx.error("SYN007", policy.span, `say which side wins a tie: \`, tie ${header.left.system}\``);
    return undefined;
  }
  const tie = sideOfSystem(lc, policy.tie);
  return stamps.left && stamps.right && tie ? { left: stamps.left, right: stamps.right, tie } : undefined;
}

function checkTimestamps(timestamps: readonly A.Expr[], lc: LinkCheck): Partial<Record<SideName, P.Expr>> {
  const { ctx, header } = lc;
  const stamps: Partial<Record<SideName, P.Expr>> = {};
  for (const stamp of timestamps) {
    const checked = checkExpr(stamp, lc.env);
    const side = onlySide(sidesRead(lc, checked.ir));
    if (checked.type.kind !== "datetime" && checked.type.kind !== "date" && checked.type.kind !== "any") {
      ctx.error("TYP001", stamp.span, `a timestamp must be a datetime or date, but this is ${describe(checked.type)}`);
    }
    if (!side) {
      ctx.error("SEM010", stamp.span, `each timestamp names one side: ${header.left.alias} or ${header.right.alias}`);
      continue;
    }
    if (stamps[side]) ctx.error("SEM010", stamp.span, `both timestamps are of ${aliasOf(lc, side)}; give one of each side`);
    stamps[side] = checked.ir;
  }
  return stamps;
}

/** A policy that compiles for this link: newest by the sides' own timestamps when both have one. */
function conflictHint(header: LinkHeader): string {
  const stamp = (side: LinkHeader["left"]): string | undefined => {
    for (const [name, type] of side.type.fields) if (type.kind === "datetime") return `${side.alias}.${name}`;
    return undefined;
  };
  const left = stamp(header.left);
  const right = stamp(header.right);
  const prefer = `\`conflicts prefer ${header.left.system}\``;
  return left && right ? `\`conflicts newest by ${left}, ${right}, tie ${header.left.system}\` or ${prefer}` : prefer;
}
