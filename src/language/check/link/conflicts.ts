// A link's `conflicts` policy: which side wins when a field joined by `<->` changed on both
// since the last run. A link with two-way mappings needs exactly one; a link without has
// nothing that could conflict, so a policy there is a mistake.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
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
    ctx.error(item.span, message("SEM009", "oneConflicts"), { notes: plan.conflictsSpan ? [{ message: message("SEM009", "firstIsHere").text, span: plan.conflictsSpan }] : [] });
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
    ctx.error(link.span, message("SEM008", "noPolicy"), {
      notes: [{ message: conflictHint(lc.header) }],
    });
  }
  if (!writtenTwoWay && plan.conflictsSpan) ctx.error(plan.conflictsSpan, message("SEM007", "nothingToConflict"));
}

/** `newest by L, R, tie SYSTEM`: one timestamp of each side, and the side that wins a tie. */
function checkNewest(policy: Newest, lc: LinkCheck): { left: P.Expr; right: P.Expr; tie: SideName } | undefined {
  const { ctx, header } = lc;
  if (policy.timestamps.length !== 2) {
    const count = policy.timestamps.length;
    ctx.error(policy.span, count === 1 ? message("SYN007", "oneTimestamp") : message("SYN007", "timestampCount", { count }));
    return undefined;
  }
  const stamps = checkTimestamps(policy.timestamps, lc);
  if (!policy.tie) {
    ctx.error(policy.span, message("SYN007", "noTie", { system: header.left.system }));
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
      ctx.error(stamp.span, message("TYP001", "timestamp", { found: describe(checked.type) }));
    }
    if (!side) {
      ctx.error(stamp.span, message("SEM010", "timestampSide", { left: header.left.alias, right: header.right.alias }));
      continue;
    }
    if (stamps[side]) ctx.error(stamp.span, message("SEM010", "timestampsOfOneSide", { alias: aliasOf(lc, side) }));
    stamps[side] = checked.ir;
  }
  return stamps;
}

/** A note with a policy that compiles for this link: newest by the sides' own timestamps when both have one. */
function conflictHint(header: LinkHeader): string {
  const stamp = (side: LinkHeader["left"]): string | undefined => {
    for (const [name, type] of side.type.fields) if (type.kind === "datetime") return `${side.alias}.${name}`;
    return undefined;
  };
  const left = stamp(header.left);
  const right = stamp(header.right);
  const system = header.left.system;
  return (left && right ? message("SEM008", "addNewestOrPrefer", { left, right, system }) : message("SEM008", "addPrefer", { system })).text;
}
