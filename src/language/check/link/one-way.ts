// A one-way mapping (`->` or `<-`): a value computed from one side written into a field of
// the other. The value may read only the side it comes from, or the mapping would feed on
// what it writes; it must fit the target field, and the link must write into that side.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { assignable, describe } from "../../types/type.js";
import { checkExpr } from "../expressions.js";
import { checkTypedLiteral } from "../rules.js";
import type { LinkCheck } from "./context.js";
import { aliasOf, fieldLabel, otherSide, sidesRead } from "./sides.js";
import { linkAllows, targetPath, type Mapped } from "./targets.js";

export function oneWay(mapping: A.Mapping, lc: LinkCheck): Mapped | undefined {
  const { ctx } = lc;
  const [valueExpr, targetExpr] = mapping.direction === "->" ? [mapping.left, mapping.right] : [mapping.right, mapping.left];
  if (mapping.renames) {
    ctx.error(mapping.span, message("SEM004", "renamesOneWay"));
    return undefined;
  }
  const target = targetPath(lc, targetExpr, message("SEM004", "oneWayTarget", { arrow: mapping.direction }).text);
  if (!target) return undefined;
  const value = checkExpr(valueExpr, lc.env);
  if (sidesRead(lc, value.ir).has(target.side)) {
    ctx.error(valueExpr.span, message("SEM010", "valueSide", { target: aliasOf(lc, target.side), source: aliasOf(lc, otherSide(target.side)) }));
    return undefined;
  }
  if (!checkTypedLiteral(valueExpr, target.type, lc.env) && !assignable(value.type, target.type)) {
    ctx.error(valueExpr.span, message("TYP001", "fieldValue", { field: fieldLabel(lc, target.side, target.path), expected: describe(target.type), found: describe(value.type) }));
    return undefined;
  }
  if (!linkAllows(lc, target.side, mapping.directionSpan)) return undefined;
  return {
    core: { id: fieldLabel(lc, target.side, target.path), kind: "oneWay", into: target.side, value: value.ir, target: target.path },
    writes: [{ side: target.side, path: target.path, span: targetExpr.span }],
    compared: target.type,
  };
}
