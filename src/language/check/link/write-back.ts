// A link's `write back`: once a pair is made, a value of one side (usually its key) is
// written into a field of the other, so that side can find its partner. One per link, and
// its target counts as written like any mapping's.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { assignable, describe } from "../../types/type.js";
import { checkExpr } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { aliasOf, fieldLabel, sidesRead } from "./sides.js";
import { claim, linkAllows, targetPath } from "./targets.js";

export function checkWriteBack(item: A.WriteBackItem, lc: LinkCheck): void {
  const { ctx } = lc;
  if (lc.plan.writeBack) {
    ctx.error(item.span, message("SEM009", "oneWriteBack"));
    return;
  }
  const target = targetPath(lc, item.target, message("SEM004", "writeBackTarget").text);
  if (!target) return;
  const value = checkExpr(item.value, lc.env);
  if (sidesRead(lc, value.ir).has(target.side)) {
    ctx.error(item.value.span, message("SEM010", "writeBackReads", { alias: aliasOf(lc, target.side) }));
    return;
  }
  if (!assignable(value.type, target.type)) {
    ctx.error(item.value.span, message("TYP001", "fieldValue", { field: fieldLabel(lc, target.side, target.path), expected: describe(target.type), found: describe(value.type) }));
    return;
  }
  if (!linkAllows(lc, target.side, item.span)) return;
  claim(lc, target.side, target.path, item.target.span);
  lc.plan.writeBack = { into: target.side, value: value.ir, target: target.path, span: ctx.planSpan(item.span) };
}
