// `match` and `else match`: when a record of one side is the same thing as one of the other.
// An `==` between the sides is a key; every other term narrows one side, so records are
// paired by keys alone and a link without a match cannot pair anything.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import type * as P from "../../../plan/types.js";
import { BOOL, comparable, describe } from "../../types/type.js";
import { checkCondition, checkExpr, compareAs, conjuncts, dateFix, isEquality, type Typed } from "../expressions.js";
import type { LinkCheck, SideName } from "./context.js";
import { onlySide, sidesRead } from "./sides.js";

type Key = P.MatchPlan["keys"][number];
/** What a term of the match is: a key, a condition on one side, or undefined when it failed (reported). */
type Term = { readonly key: Key } | { readonly side: SideName; readonly condition: P.Expr } | undefined;

export function checkMatch(item: A.MatchItem, lc: LinkCheck): void {
  const { ctx, header } = lc;
  if (!inPlace(item, lc)) return;
  // Every term is checked, so that all its mistakes are reported, before a failed one stops the match.
  const terms = conjuncts(item.condition).map((term) => checkTerm(term, lc));
  if (terms.some((t) => t === undefined)) return;
  const keys = terms.flatMap((t) => (t && "key" in t ? [t.key] : []));
  if (keys.length === 0) {
    ctx.error(item.condition.span, message("SEM005", "noKey", { left: header.left.alias, right: header.right.alias }));
    return;
  }
  const leftCondition = allOf(conditionsOf(terms, "left"));
  const rightCondition = allOf(conditionsOf(terms, "right"));
  lc.plan.matches.push({ keys, ...(leftCondition ? { leftCondition } : {}), ...(rightCondition ? { rightCondition } : {}), span: ctx.planSpan(item.span) });
}

/** After the whole link: one `match` is required, even one that failed. */
export function checkHasMatch(lc: LinkCheck): void {
  const { link, header } = lc;
  if (lc.plan.matches.length === 0 && !link.items.some((i) => i.kind === "match")) {
    lc.ctx.error(link.span, message("SEM005", "noMatch", { left: header.left.alias, right: header.right.alias }));
  }
}

/** The first match is a `match`, the others `else match`. */
function inPlace(item: A.MatchItem, lc: LinkCheck): boolean {
  const first = lc.plan.matches.length === 0;
  if (item.fallback && first) lc.ctx.error(item.span, message("SEM005", "elseFirst"));
  else if (!item.fallback && !first) lc.ctx.error(item.span, message("SEM009", "oneMatch"));
  else return true;
  return false;
}

function checkTerm(term: A.Expr, lc: LinkCheck): Term {
  const checked = isEquality(term) ? checkEquals(term, lc) : checkOneSided(term, lc);
  if (!checked || "key" in checked) return checked;
  const side = onlySide(sidesRead(lc, checked.ir));
  if (!side) {
    lc.ctx.error(term.span, message("SEM005", "oneSided", { left: lc.header.left.alias, right: lc.header.right.alias }));
    return undefined;
  }
  return { side, condition: checked.ir };
}

/** An `==` between the two sides is a key; one within a side is a condition like any other. */
function checkEquals(term: Extract<A.Expr, { kind: "binary" }>, lc: LinkCheck): { readonly key: Key } | Typed | undefined {
  const l = checkExpr(term.operands[0]!, lc.env);
  const r = checkExpr(term.operands[1]!, lc.env);
  if (l.type.kind === "any" || r.type.kind === "any") return undefined;
  const ls = onlySide(sidesRead(lc, l.ir));
  const rs = onlySide(sidesRead(lc, r.ir));
  if (ls && rs && ls !== rs) {
    if (!comparable(l.type, r.type)) lc.ctx.error(term.span, message("TYP008", "cannotMatch", { left: describe(l.type), right: describe(r.type) }), { notes: dateFix(l.type, r.type, term.operands[0]!, term.operands[1]!, lc.ctx) });
    return { key: ls === "left" ? { left: l.ir, right: r.ir } : { left: r.ir, right: l.ir } };
  }
  return { type: BOOL, ir: { op: "compare", operator: "==", as: compareAs(l.type) ?? "value", left: l.ir, right: r.ir } };
}

function checkOneSided(term: A.Expr, lc: LinkCheck): Typed | undefined {
  const checked = checkCondition(term, lc.env, message("TYP001", "matchCondition").text);
  return checked.type.kind === "any" ? undefined : checked;
}

function conditionsOf(terms: readonly Term[], side: SideName): P.Expr[] {
  return terms.flatMap((t) => (t && "side" in t && t.side === side ? [t.condition] : []));
}

function allOf(list: P.Expr[]): P.Expr | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : { op: "and", args: list };
}
