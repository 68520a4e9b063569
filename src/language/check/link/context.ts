// What the units of a link body share. Items are checked in the order written, and later
// ones depend on earlier ones (one `match`, one `write back`, each field written once), so
// every unit adds to one plan in progress instead of returning a piece of its own.
import type * as A from "../../ast/nodes.js";
import type * as P from "../../../plan/types.js";
import type { Span } from "../../../source/source-file.js";
import type { CheckContext, LinkHeader, Scope } from "../context.js";
import type { Env } from "../expressions.js";
import { define } from "../rules.js";

export type SideName = P.Side;

/** The link's plan as its items add to it; the dispatcher puts it together at the end. */
export interface LinkParts {
  readonly matches: P.MatchPlan[];
  readonly skips: P.LinkPlan["skips"][number][];
  readonly creates: P.LinkPlan["creates"][number][];
  readonly mappings: P.MappingPlan[];
  writeBack?: P.LinkPlan["writeBack"];
  conflicts?: P.ConflictPlan;
  /** The first `conflicts` item, kept even when its policy failed, so that no second one is asked for. */
  conflictsSpan?: Span;
}

/** A create's required fields are judged after the whole link: its mappings also fill the record it makes. */
export interface PendingCreate {
  readonly into: SideName;
  readonly span: Span;
  readonly given: string[];
}

export interface LinkCheck {
  readonly ctx: CheckContext;
  readonly link: A.LinkStatement;
  readonly header: LinkHeader;
  /** The scope around the link: a create builds on it a scope in which only one side is readable. */
  readonly outer: Scope;
  /** Both records readable. */
  readonly env: Env;
  readonly plan: LinkParts;
  /** Target fields written so far, as `side:path`, with where each was written. */
  readonly written: Map<string, Span>;
  readonly pendingCreates: PendingCreate[];
}

export function startLinkCheck(link: A.LinkStatement, header: LinkHeader, ctx: CheckContext, outer: Scope): LinkCheck {
  const scope = outer.child();
  define(ctx, scope, link.left.alias, header.left.type);
  define(ctx, scope, link.right.alias, header.right.type);
  return {
    ctx,
    link,
    header,
    outer,
    env: { ctx, scope },
    plan: { matches: [], skips: [], creates: [], mappings: [] },
    written: new Map(),
    pendingCreates: [],
  };
}
