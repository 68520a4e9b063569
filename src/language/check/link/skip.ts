// A link's `skip`: a record of one side left out before it is linked. It is judged before
// any pair exists, so its condition and reason may name only that one side.
import type * as A from "../../ast/nodes.js";
import { STR } from "../../types/type.js";
import { checkCondition, checkTyped } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { onlySide, sidesRead } from "./sides.js";

export function checkSkip(item: A.SkipClause, lc: LinkCheck): void {
  const { ctx, env, header } = lc;
  const condition = checkCondition(item.condition, env, "a skip's condition");
  const reason = checkTyped(item.reason, env, STR, "a skip's reason");
  const side = onlySide(new Set([...sidesRead(lc, condition.ir), ...sidesRead(lc, reason.ir)]));
  if (!side) {
    ctx.error("SEM010", item.condition.span, `a link's skip is about one record, before it is linked: its condition and reason name either ${header.left.alias} or ${header.right.alias}`);
    return;
  }
  lc.plan.skips.push({ side, reason: reason.ir, condition: condition.ir, span: ctx.planSpan(item.span) });
}
