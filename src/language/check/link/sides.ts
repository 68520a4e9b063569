// Which side of the link a name, a system or an expression belongs to. Every link item is
// about one side or joins the two, and these answers are how the units tell which.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { didYouMean } from "../../../diagnostics/did-you-mean.js";
import type * as P from "../../../plan/types.js";
import type { LinkHeader } from "../context.js";
import { varsOf } from "../expressions.js";
import type { LinkCheck, SideName } from "./context.js";

export function otherSide(side: SideName): SideName {
  return side === "left" ? "right" : "left";
}

export function record(lc: LinkCheck, side: SideName): LinkHeader["left"] {
  return side === "left" ? lc.header.left : lc.header.right;
}

export function aliasOf(lc: LinkCheck, side: SideName): string {
  return record(lc, side).alias;
}

/** `alias.a.b`, as an author would write the field. */
export function fieldLabel(lc: LinkCheck, side: SideName, path: readonly string[]): string {
  return `${aliasOf(lc, side)}.${path.join(".")}`;
}

export function sideOfAlias(lc: LinkCheck, alias: string): SideName | undefined {
  return alias === lc.header.left.alias ? "left" : alias === lc.header.right.alias ? "right" : undefined;
}

/** The side a system name stands for, or undefined with an error when it is neither. */
export function sideOfSystem(lc: LinkCheck, system: A.Name): SideName | undefined {
  const { left, right } = lc.header;
  if (system.name === left.system) return "left";
  if (system.name === right.system) return "right";
  lc.ctx.error(system.span, message("NAM009", "notLinkSide", { name: system.name, left: left.system, right: right.system }), {
    suggestion: didYouMean(system.name, [left.system, right.system]),
  });
  return undefined;
}

/** The sides whose records an expression reads: none, one or both. */
export function sidesRead(lc: LinkCheck, ir: P.Expr): Set<SideName> {
  const sides = new Set<SideName>();
  for (const name of varsOf(ir)) {
    const side = sideOfAlias(lc, name);
    if (side) sides.add(side);
  }
  return sides;
}

/** The side when exactly one is read. */
export function onlySide(sides: ReadonlySet<SideName>): SideName | undefined {
  return sides.size === 1 ? [...sides][0] : undefined;
}
