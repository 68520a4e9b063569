// A mapping line, `<->` or one way, alone or in a `when` block. The two kinds decide what
// is written and where (two-way.ts, one-way.ts); what they share is decided here: the
// condition, the `as FUNCTION` comparison, and the claim on every field written.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { didYouMean } from "../../../diagnostics/did-you-mean.js";
import type * as P from "../../../plan/types.js";
import { FUNCTIONS_BY_NAME } from "../../functions/catalog.js";
import type { Type } from "../../types/type.js";
import { checkCondition } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { oneWay } from "./one-way.js";
import { claim } from "./targets.js";
import { twoWay } from "./two-way.js";

/** `blockCondition` is the condition of the `when` block around the mapping, if any. */
export function checkMapping(mapping: A.Mapping, lc: LinkCheck, blockCondition?: P.Expr): void {
  const own = mapping.condition ? checkCondition(mapping.condition, lc.env, message("TYP001", "mappingCondition").text).ir : undefined;
  const condition = own && blockCondition ? { op: "and" as const, args: [blockCondition, own] } : (own ?? blockCondition);
  const mapped = mapping.direction === "<->" ? twoWay(mapping, lc) : oneWay(mapping, lc);
  if (!mapped) return;
  const compare = compareWith(mapping, mapped.compared, lc);
  if (!compare) return;
  for (const write of mapped.writes) claim(lc, write.side, write.path, write.span);
  lc.plan.mappings.push({ ...mapped.core, ...compare, ...(condition ? { condition } : {}), span: lc.ctx.planSpan(mapping.span) });
}

/** `as FUNCTION, ...`: functions of one value, each taking what the one before it gives (the field's value first). */
function compareWith(mapping: A.Mapping, fieldType: Type, lc: LinkCheck): { compare?: string } | undefined {
  const { ctx } = lc;
  const chain = mapping.compare;
  if (!chain) return {};
  if (mapping.renames) {
    ctx.error(chain[0]!.span, message("SEM004", "asRenamed"));
    return undefined;
  }
  let type = fieldType;
  for (const name of chain) {
    const fn = FUNCTIONS_BY_NAME.get(name.name);
    if (!fn) {
      const ofOneValue = [...FUNCTIONS_BY_NAME.values()].filter((f) => f.evaluate && !f.aggregate && f.arity[0] <= 1 && f.arity[1] >= 1).map((f) => f.name);
      ctx.error(name.span, message("NAM005", "unknownFunction", { name: name.name }), { suggestion: didYouMean(name.name, ofOneValue), notes: [{ message: message("NAM005", "functionsAre", { functions: ofOneValue.sort().join(", ") }).text }] });
      return undefined;
    }
    if (!fn.evaluate || fn.arity[0] > 1 || fn.arity[1] < 1 || fn.aggregate) {
      ctx.error(name.span, message("TYP002", "asFunction", { name: name.name }));
      return undefined;
    }
    const result = fn.type([type]);
    if (typeof result === "function") {
      ctx.error(name.span, result(name.name));
      return undefined;
    }
    type = result;
  }
  // Written as the spec writes it: "digits", or "trim, lower" (a function's name has no comma), so plans of one function read as they always have.
  return { compare: chain.map((c) => c.name).join(", ") };
}
