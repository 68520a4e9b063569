// What may be written, and where: a target is a field of one side that is not its key, the
// link's direction and the sync line must allow writing into that side, and no field is
// written twice, since two writers of one field would undo each other on every run.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import type * as P from "../../../plan/types.js";
import type { Span } from "../../../source/source-file.js";
import type { Type } from "../../types/type.js";
import { checkExpr, fieldPath } from "../expressions.js";
import { writeProblem } from "../rules.js";
import type { LinkCheck, SideName } from "./context.js";
import { fieldLabel, record, sideOfAlias } from "./sides.js";

export interface Target {
  readonly side: SideName;
  readonly path: string[];
  readonly type: Type;
}

/** A target field: alias.path of either side, and not the key; `what` names it in the error, one of SEM004's phrases ("each side of `<->`"). */
export function targetPath(lc: LinkCheck, expr: A.Expr, what: string): Target | undefined {
  const { ctx, header } = lc;
  const found = fieldPath(expr);
  const side = found && sideOfAlias(lc, found.alias);
  if (!found || !side) {
    const example = `${header.right.alias}.${[...header.right.type.fields.keys()][1] ?? "field"}`;
    ctx.error(expr.span, message("SEM004", "notField", { what, left: header.left.alias, right: header.right.alias, example }));
    return undefined;
  }
  const checked = checkExpr(expr, lc.env);
  const written = record(lc, side);
  if (found.path.length === 1 && found.path[0] === written.collection.key) {
    ctx.error(expr.span, message("SEM006", "linkKey", { field: found.path[0]!, alias: written.alias }));
    return undefined;
  }
  return { side, path: found.path, type: checked.type };
}

/** Whether the sync line and the link's direction allow writing into a side; an error at `span` when not. */
export function linkAllows(lc: LinkCheck, into: SideName, span: Span): boolean {
  const { ctx, link, header } = lc;
  const problem = writeProblem(ctx, record(lc, into).system);
  if (problem) {
    ctx.error(span, problem);
    return false;
  }
  const allowed = link.direction === "<->" || (link.direction === "->" ? into === "right" : into === "left");
  if (!allowed) {
    ctx.error(span, message("SEM002", "linkDirection", { direction: link.direction, alias: link.direction === "->" ? header.right.alias : header.left.alias }), {
      notes: [{ message: message("SEM002", "linkDirectionIsHere").text, span: link.directionSpan }],
    });
  }
  return allowed;
}

/** Registers a write of a target path; two writes of one field (or of an object and its sub-field) are an error. */
export function claim(lc: LinkCheck, side: SideName, path: readonly string[], span: Span): void {
  const mine = `${side}:${path.join(".")}`;
  for (const [other, otherSpan] of lc.written) {
    if (other === mine || other.startsWith(`${mine}.`) || mine.startsWith(`${other}.`)) {
      lc.ctx.error(span, message("SEM003", "writtenTwice", { field: fieldLabel(lc, side, path) }), {
        notes: [{ message: message("SEM003", "alsoWritten").text, span: otherSpan }],
      });
      return;
    }
  }
  lc.written.set(mine, span);
}

/** A mapping's plan without what mapping.ts adds for either kind: its comparison, condition and span. */
export type MappingCore = DistributiveOmit<P.MappingPlan, "compare" | "condition" | "span">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What a kind of mapping (two-way.ts, one-way.ts) decided: its plan, the fields it writes, and
 * the type `as` compares. Here rather than in mapping.ts, which imports both kinds: a kind
 * importing mapping.ts back would be an import circle.
 */
export interface Mapped {
  readonly core: MappingCore;
  readonly writes: readonly { readonly side: SideName; readonly path: readonly string[]; readonly span: Span }[];
  readonly compared: Type;
}
