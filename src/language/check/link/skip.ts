// A link's `skip`: a record of one side left out before it is linked. It is judged before
// any pair exists, so its condition and reason may name only that one side.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { STR } from "../../types/type.js";
import { checkCondition, checkTyped } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { onlySide, sidesRead } from "./sides.js";

export function checkSkip(item: A.SkipClause, lc: LinkCheck): void {
  const { ctx, env, header } = lc;
  const condition = checkCondition(item.condition, env, message("TYP001", "skipCondition").text);
  const reason = checkTyped(item.reason, env, STR, message("TYP001", "skipReason").text);
  const side = onlySide(new Set([...sidesRead(lc, condition.ir), ...sidesRead(lc, reason.ir)]));
  if (!side) {
    ctx.error(item.condition.span, message("SEM010", "skipSide", { left: header.left.alias, right: header.right.alias }));
    return;
  }
  lc.plan.skips.push({ side, reason: reason.ir, condition: condition.ir, span: ctx.planSpan(item.span) });
}
