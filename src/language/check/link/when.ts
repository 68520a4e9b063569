// A `when` block: mappings that apply only while a condition holds. The block adds its
// condition to each mapping's own; every mapping is then checked as if written alone.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { checkCondition } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { checkMapping } from "./mapping.js";

export function checkWhen(item: A.WhenBlock, lc: LinkCheck): void {
  const condition = checkCondition(item.condition, lc.env, message("TYP001", "whenCondition").text).ir;
  for (const mapping of item.mappings) checkMapping(mapping, lc, condition);
}
