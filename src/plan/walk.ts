// Walking a plan expression's tree. The checker and the runtime ask several questions of
// expressions (which names they read, whether they aggregate, what they look up); each is a
// walk over the same children, so the children are listed once, here, by kind.
import type { Expr } from "./types.js";

/** An expression's direct sub-expressions. */
export function children(e: Expr): readonly Expr[] {
  switch (e.op) {
    case "get":
      return [e.of];
    case "byKey":
      return [e.key];
    case "find":
      return [...e.fields, ...e.values];
    case "linked":
      return [e.record];
    case "call":
      return e.args;
    case "aggregate":
      return e.arg ? [e.arg] : [];
    case "compare":
      return [e.left, e.right];
    case "arithmetic":
      return e.operands;
    case "in":
      return [e.item, e.list];
    case "concat":
      return e.parts;
    case "and":
    case "or":
      return e.args;
    case "not":
    case "negate":
      return [e.arg];
    case "if":
      return [e.condition, e.then, e.else];
    case "list":
      return e.items;
    case "object":
      return e.entries.map(([, value]) => value);
    default:
      return [];
  }
}

/** Visits an expression and everything inside it, parents first, in the order written. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visitWhile(e, (x) => {
    visit(x);
    return true;
  });
}

/** Whether an expression, or anything inside it, passes the test. */
export function some(e: Expr, test: (e: Expr) => boolean): boolean {
  let found = false;
  visitWhile(e, (x) => !(found = test(x)));
  return found;
}

/**
 * Visits as `walk` does while `visit` returns true. It keeps a list of what is left to visit
 * rather than recurse, so that how deep a plan nests does not matter to it.
 */
function visitWhile(e: Expr, visit: (e: Expr) => boolean): void {
  const pending: Expr[] = [e];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (!visit(next)) return;
    const inner = children(next);
    for (let i = inner.length - 1; i >= 0; i--) pending.push(inner[i]!);
  }
}
