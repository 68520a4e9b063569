// What a link's expressions read, so that a later round of the run knows what it must look
// at again: the fields of each side's records, and whether anything beyond the two records
// (a lookup, a view, another link) is read, in which case nothing can be kept from before.
import type { Expr } from "../../plan/types.js";
import { some, walk } from "../../plan/walk.js";

/** Whether an expression reads anything beyond the records bound to names: lookups, views, links. */
export function readsBeyond(expr: Expr): boolean {
  return some(expr, (e) => e.op === "rows" || e.op === "byKey" || e.op === "find" || e.op === "linked");
}

/** The top-level fields of an alias's record that expressions read. */
export function fieldsRead(exprs: readonly Expr[], alias: string): Set<string> {
  const fields = new Set<string>();
  for (const expr of exprs) {
    walk(expr, (e) => {
      if (e.op === "get" && e.of.op === "var" && e.of.name === alias) fields.add(e.field);
    });
  }
  return fields;
}
