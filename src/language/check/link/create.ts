// A link's `create`: a record made on one side for a record of the other that matched
// nothing. It reads only the record it is made for, and it must leave no required field
// empty once the link's mappings and write back have filled theirs.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { didYouMean } from "../../../diagnostics/did-you-mean.js";
import { STR, assignable, describe } from "../../types/type.js";
import { checkCondition, checkExpr, type Env } from "../expressions.js";
import { checkAssignments, checkRequired, define } from "../rules.js";
import type { LinkCheck, PendingCreate, SideName } from "./context.js";
import { otherSide, record, sideOfAlias } from "./sides.js";
import { linkAllows } from "./targets.js";

export function checkCreate(item: A.CreateItem, lc: LinkCheck): void {
  const { ctx, header } = lc;
  const into = sideOfAlias(lc, item.alias.name);
  if (!into) {
    ctx.error(item.alias.span, message("NAM004", "createSide", { left: header.left.alias, right: header.right.alias }), {
      suggestion: didYouMean(item.alias.name, [header.left.alias, header.right.alias]),
    });
    return;
  }
  if (!linkAllows(lc, into, item.alias.span)) return;
  const sourceEnv = oneSideEnv(lc, otherSide(into));
  const key = checkExpr(item.key, sourceEnv);
  if (key.type.kind !== "any" && !assignable(key.type, STR)) ctx.error(item.key.span, message("TYP001", "keyString", { found: describe(key.type) }));
  const condition = item.condition ? checkCondition(item.condition, sourceEnv, message("TYP001", "createCondition").text).ir : undefined;
  const assignments = checkAssignments(item.assignments, sourceEnv, record(lc, into).collection, true);
  lc.plan.creates.push({ into, key: key.ir, ...(condition ? { condition } : {}), assignments, span: ctx.planSpan(item.span) });
  lc.pendingCreates.push({ into, span: { start: item.span.start, end: item.alias.span.end }, given: assignments.map((a) => a.field[0]!) });
}

/** After the whole link: each created record's required fields, counting what the link's mappings and write back fill. */
export function checkCreatesComplete(lc: LinkCheck): void {
  for (const create of lc.pendingCreates) {
    const side = record(lc, create.into);
    checkRequired(lc.ctx, create.span, side.system, side.collection, [...create.given, ...filledByLink(lc, create)]);
  }
}

/** The top-level fields of the created side that the link writes besides the create itself. */
function filledByLink(lc: LinkCheck, create: PendingCreate): string[] {
  const { mappings, writeBack } = lc.plan;
  const mapped = mappings.flatMap((m) => (m.kind === "twoWay" ? [(create.into === "left" ? m.left : m.right)[0]!] : m.into === create.into ? [m.target[0]!] : []));
  const backed = writeBack && writeBack.into === create.into ? [writeBack.target[0]!] : [];
  return [...mapped, ...backed];
}

/** A scope in which only `side`'s record can be read: the other is the record being created. */
function oneSideEnv(lc: LinkCheck, side: SideName): Env {
  const { ctx, link } = lc;
  const scope = lc.outer.child();
  const [name, other] = side === "left" ? [link.left.alias, link.right.alias] : [link.right.alias, link.left.alias];
  define(ctx, scope, name, record(lc, side).type);
  scope.define(other.name, {
    kind: "unavailable",
    reason: message("SEM010", "createReads", { other: other.name, name: name.name }),
    span: other.span,
  });
  return { ctx, scope };
}
