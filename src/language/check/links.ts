// Links: how a record of one system corresponds to one of the other, and what flows
// between them. The header is registered first so that `linked(x)` resolves anywhere;
// the body is handed item by item to the unit for its kind (link/), each of which decides
// everything about that kind, then the checks that need the whole link run.
import type * as A from "../ast/nodes.js";
import { message } from "../../diagnostics/catalog.js";
import type * as P from "../../plan/types.js";
import type { ObjectType } from "../types/type.js";
import type { CheckContext, LinkHeader, Scope } from "./context.js";
import { checkValue } from "./expressions.js";
import { checkConflicts, checkConflictsNeeded } from "./link/conflicts.js";
import { startLinkCheck, type LinkCheck } from "./link/context.js";
import { checkCreate, checkCreatesComplete } from "./link/create.js";
import { checkMapping } from "./link/mapping.js";
import { checkHasMatch, checkMatch } from "./link/match.js";
import { checkSkip } from "./link/skip.js";
import { checkWhen } from "./link/when.js";
import { checkWriteBack } from "./link/write-back.js";

export function registerLink(link: A.LinkStatement, ctx: CheckContext, scope: Scope): LinkHeader | undefined {
  const sides = [link.left, link.right].map((side) => {
    const source = checkValue(side.source, { ctx, scope });
    if (source.kind === "collection") return { alias: side.alias.name, collection: source.collection, system: source.system, type: source.rowType };
    if (source.kind === "view" && source.origin && source.rowType.kind === "object") {
      return { alias: side.alias.name, collection: source.origin, system: source.rowType.record!.system, type: source.rowType };
    }
    if (!(source.kind === "value" && source.type.kind === "any")) {
      ctx.error(side.source.span, message("TYP015", "linkSide"));
    }
    return undefined;
  });
  const [left, right] = sides;
  if (!left || !right) return undefined;
  if (left.system === right.system) {
    ctx.error(link.right.source.span, message("NAM009", "sameSystem", { system: left.system }));
    return undefined;
  }
  if (left.alias === right.alias) {
    ctx.error(link.right.alias.span, message("NAM008", "sameAlias", { alias: left.alias }));
    return undefined;
  }
  const header: LinkHeader = {
    id: `${left.system}.${left.collection.name}<->${right.system}.${right.collection.name}`,
    left: { ...left, type: left.type as ObjectType },
    right: { ...right, type: right.type as ObjectType },
    span: link.span,
  };
  if (ctx.links.some((l) => l.id === header.id)) {
    ctx.error(link.span, message("SEM009", "alreadyLinked", { left: `${left.system}.${left.collection.name}`, right: `${right.system}.${right.collection.name}` }));
    return undefined;
  }
  ctx.links.push(header);
  return header;
}

/** One unit per kind of link item, each deciding everything about items of its kind. */
type Unit<K extends A.LinkItem["kind"]> = (item: Extract<A.LinkItem, { kind: K }>, lc: LinkCheck) => void;
const UNITS: { readonly [K in A.LinkItem["kind"]]: Unit<K> } = {
  match: checkMatch,
  skip: checkSkip,
  create: checkCreate,
  mapping: checkMapping,
  when: checkWhen,
  writeBack: checkWriteBack,
  conflicts: checkConflicts,
};

export function checkLinkBody(link: A.LinkStatement, header: LinkHeader, ctx: CheckContext, outer: Scope): P.LinkPlan {
  const lc = startLinkCheck(link, header, ctx, outer);
  // The table pairs each kind with its unit; TypeScript cannot follow that pairing through `item.kind`.
  for (const item of link.items) (UNITS[item.kind] as Unit<A.LinkItem["kind"]>)(item, lc);
  // What only the whole link can tell; golden files pin the order of their diagnostics.
  checkHasMatch(lc);
  checkCreatesComplete(lc);
  checkConflictsNeeded(lc);
  const { matches, skips, creates, writeBack, mappings, conflicts } = lc.plan;
  return {
    id: header.id,
    left: { alias: header.left.alias, system: header.left.system, collection: header.left.collection.name, source: sourceOf(link.left, header.left) },
    right: { alias: header.right.alias, system: header.right.system, collection: header.right.collection.name, source: sourceOf(link.right, header.right) },
    direction: link.direction,
    matches,
    skips,
    creates,
    ...(writeBack ? { writeBack } : {}),
    mappings,
    ...(conflicts ? { conflicts } : {}),
    span: ctx.planSpan(link.span),
  };
}

function sourceOf(side: A.LinkSide, header: LinkHeader["left"]): P.Source {
  if (side.source.kind === "name") return { view: side.source.name };
  return { system: header.system, collection: header.collection.name };
}
