// Links: how a record of one system corresponds to one of the other, and what flows
// between them. Each item is checked for the side it belongs to, so a mapping can never
// read the record it writes, and a two-way mapping is always a field against a field.
import type * as A from "../ast/nodes.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import type { Span } from "../../source/source-file.js";
import { FUNCTIONS_BY_NAME } from "../functions/catalog.js";
import { BOOL, STR, assignable, comparable, describe, type ObjectType, type Type } from "../types/type.js";
import type { CheckContext, LinkHeader, Scope } from "./context.js";
import { checkCondition, checkExpr, checkTyped, checkValue, compareAs, conjuncts, fieldPath, varsOf, type Env, type Typed } from "./expressions.js";
import { checkAssignments, checkRequired, checkTypedLiteral, define, writeProblem } from "./rules.js";

export function registerLink(link: A.LinkStatement, ctx: CheckContext, scope: Scope): LinkHeader | undefined {
  const sides = [link.left, link.right].map((side) => {
    const source = checkValue(side.source, { ctx, scope });
    if (source.kind === "collection") return { alias: side.alias.name, collection: source.collection, system: source.system, type: source.rowType };
    if (source.kind === "view" && source.origin && source.rowType.kind === "object") {
      return { alias: side.alias.name, collection: source.origin, system: source.rowType.record!.system, type: source.rowType };
    }
    if (!(source.kind === "value" && source.type.kind === "any")) {
      ctx.error("TYP001", side.source.span, "a link joins a collection (SYSTEM.COLLECTION) or a view that selects the records of one");
    }
    return undefined;
  });
  const [left, right] = sides;
  if (!left || !right) return undefined;
  if (left.system === right.system) {
    ctx.error("NAM009", link.right.source.span, `both sides of this link are in ${left.system}; a link joins the two systems of the \`sync\` line`);
    return undefined;
  }
  if (left.alias === right.alias) {
    ctx.error("NAM008", link.right.alias.span, `both sides of the link are called \`${left.alias}\``);
    return undefined;
  }
  const header: LinkHeader = {
    id: `${left.system}.${left.collection.name}<->${right.system}.${right.collection.name}`,
    left: { ...left, type: left.type as ObjectType },
    right: { ...right, type: right.type as ObjectType },
    span: link.span,
  };
  if (ctx.links.some((l) => l.id === header.id)) {
    ctx.error("SEM009", link.span, `${left.system}.${left.collection.name} and ${right.system}.${right.collection.name} are already linked`);
    return undefined;
  }
  ctx.links.push(header);
  return header;
}

type SideName = P.Side;

export function checkLinkBody(link: A.LinkStatement, header: LinkHeader, ctx: CheckContext, outer: Scope): P.LinkPlan {
  const scope = outer.child();
  define(ctx, scope, link.left.alias, header.left.type);
  define(ctx, scope, link.right.alias, header.right.type);
  const env: Env = { ctx, scope };
  const aliasOf = (side: SideName) => (side === "left" ? header.left.alias : header.right.alias);
  const sideOfAlias = (alias: string): SideName | undefined => (alias === header.left.alias ? "left" : alias === header.right.alias ? "right" : undefined);
  const sideOfSystem = (system: A.Name): SideName | undefined => {
    if (system.name === header.left.system) return "left";
    if (system.name === header.right.system) return "right";
    ctx.error("NAM009", system.span, `\`${system.name}\` is not a side of this link; name ${header.left.system} or ${header.right.system}`, {
      suggestion: didYouMean(system.name, [header.left.system, header.right.system]),
    });
    return undefined;
  };
  /** The one side an expression reads, or undefined with an error when it reads both. */
  const sidesRead = (ir: P.Expr): Set<SideName> => {
    const sides = new Set<SideName>();
    for (const name of varsOf(ir)) {
      const side = sideOfAlias(name);
      if (side) sides.add(side);
    }
    return sides;
  };
  /** Scope in which only one side's record can be read: a create reads the record it is made for. */
  const oneSideEnv = (side: SideName): Env => {
    const s = outer.child();
    const name = side === "left" ? link.left.alias : link.right.alias;
    const other = side === "left" ? link.right.alias : link.left.alias;
    define(ctx, s, name, side === "left" ? header.left.type : header.right.type);
    s.define(other.name, {
      kind: "unavailable",
      reason: `\`${other.name}\` is the record being created, so its fields are not there to read; a create reads only \`${name.name}\``,
      span: other.span,
    });
    return { ctx, scope: s };
  };
  const linkAllows = (into: SideName, span: Span): boolean => {
    const system = into === "left" ? header.left.system : header.right.system;
    const problem = writeProblem(ctx, system);
    if (problem) {
      ctx.error("SEM002", span, problem);
      return false;
    }
    const allowed = link.direction === "<->" || (link.direction === "->" ? into === "right" : into === "left");
    if (!allowed) {
      ctx.error("SEM002", span, `this link is \`${link.direction}\`, so it writes only into ${link.direction === "->" ? header.right.alias : header.left.alias}`, {
        notes: [{ message: "the link's direction", span: link.directionSpan }],
      });
    }
    return allowed;
  };

  const matches: P.MatchPlan[] = [];
  const skips: P.LinkPlan["skips"][number][] = [];
  const creates: P.LinkPlan["creates"][number][] = [];
  const mappings: P.MappingPlan[] = [];
  let writeBack: P.LinkPlan["writeBack"];
  let conflicts: P.ConflictPlan | undefined;
  let conflictsSpan: Span | undefined;
  const written = new Map<string, Span>();
  /** Creates wait for the whole link: its mappings also fill the record they make. */
  const pendingCreates: { into: SideName; span: Span; given: string[] }[] = [];

  /** Registers a write of a target path; two writes of one field (or of an object and its sub-field) are an error. */
  const claim = (side: SideName, path: readonly string[], span: Span): void => {
    const mine = `${side}:${path.join(".")}`;
    for (const [other, otherSpan] of written) {
      if (other === mine || other.startsWith(`${mine}.`) || mine.startsWith(`${other}.`)) {
        ctx.error("SEM003", span, `\`${aliasOf(side)}.${path.join(".")}\` is written twice in this link`, {
          notes: [{ message: "also written here", span: otherSpan }],
        });
        return;
      }
    }
    written.set(mine, span);
  };

  /** A target field: alias.path of the given side, writable, not the key. */
  const targetPath = (expr: A.Expr, what: string): { side: SideName; path: string[]; type: Type } | undefined => {
    const found = fieldPath(expr);
    const side = found && sideOfAlias(found.alias);
    if (!found || !side) {
      ctx.error("SEM004", expr.span, `${what} must be a field of ${header.left.alias} or ${header.right.alias}, such as \`${header.right.alias}.${[...header.right.type.fields.keys()][1] ?? "field"}\``);
      return undefined;
    }
    const checked = checkExpr(expr, env);
    const record = side === "left" ? header.left : header.right;
    if (found.path.length === 1 && found.path[0] === record.collection.key) {
      ctx.error("SEM006", expr.span, `\`${found.path[0]}\` is ${record.alias}'s key; a link cannot change it`);
      return undefined;
    }
    return { side, path: found.path, type: checked.type };
  };

  /** `as FUNCTION`: a function of one value that accepts the field's type and computes. */
  const compareWith = (mapping: A.Mapping, fieldType: Type): { compare?: string } | undefined => {
    const name = mapping.compare;
    if (!name) return {};
    const fn = FUNCTIONS_BY_NAME.get(name.name);
    if (!fn) {
      ctx.error("NAM005", name.span, `unknown function \`${name.name}\``, { suggestion: didYouMean(name.name, [...FUNCTIONS_BY_NAME.values()].filter((f) => f.evaluate && f.arity[0] <= 1 && f.arity[1] >= 1).map((f) => f.name)) });
      return undefined;
    }
    if (!fn.evaluate || fn.arity[0] > 1 || fn.arity[1] < 1 || fn.aggregate) {
      ctx.error("TYP002", name.span, `\`as\` compares through a function of one value, such as \`digits\`, \`lower\` or \`trim\`; \`${name.name}\` is not one`);
      return undefined;
    }
    if (mapping.renames) {
      ctx.error("SEM004", name.span, "`as` compares single fields; an object with renamed sub-fields is compared sub-field by sub-field as it is");
      return undefined;
    }
    const result = fn.type([fieldType]);
    if (typeof result === "string") {
      ctx.error("TYP001", name.span, `\`${name.name}\` ${result}`);
      return undefined;
    }
    return { compare: name.name };
  };

  const checkMapping = (mapping: A.Mapping, blockCondition: P.Expr | undefined): void => {
    const own = mapping.condition ? checkCondition(mapping.condition, env, "a mapping's condition").ir : undefined;
    const condition = own && blockCondition ? { op: "and" as const, args: [blockCondition, own] } : (own ?? blockCondition);
    const withCondition = condition ? { condition } : {};
    const span = ctx.planSpan(mapping.span);
    if (mapping.direction === "<->") {
      const a = fieldPath(mapping.left);
      const b = fieldPath(mapping.right);
      if (!a || !b) {
        ctx.error("SEM004", (a ? mapping.right : mapping.left).span, "a `<->` mapping joins a field to a field; put an expression on a one-way mapping (`->` or `<-`) instead");
        return;
      }
      const first = targetPath(mapping.left, "each side of `<->`");
      const second = targetPath(mapping.right, "each side of `<->`");
      if (!first || !second) return;
      if (first.side === second.side) {
        ctx.error("SEM004", mapping.right.span, `both sides of this mapping are fields of ${aliasOf(first.side)}; \`<->\` joins ${header.left.alias} with ${header.right.alias}`);
        return;
      }
      if (!linkAllows("left", mapping.directionSpan) || !linkAllows("right", mapping.directionSpan)) return;
      const [leftField, rightField] = first.side === "left" ? [first, second] : [second, first];
      let renames: (readonly [string, string])[] | undefined;
      if (mapping.renames) {
        renames = checkRenames(mapping, first, second, first.side === "left");
        if (!renames) return;
      } else if (!assignable(leftField.type, rightField.type) || !assignable(rightField.type, leftField.type)) {
        ctx.error("TYP001", mapping.span, `\`<->\` joins fields of one type, but ${aliasOf("left")}.${leftField.path.join(".")} is ${describe(leftField.type)} and ${aliasOf("right")}.${rightField.path.join(".")} is ${describe(rightField.type)}`);
        return;
      }
      const [leftExpr, rightExpr] = first.side === "left" ? [mapping.left, mapping.right] : [mapping.right, mapping.left];
      const compare = compareWith(mapping, leftField.type);
      if (!compare) return;
      claim("left", leftField.path, leftExpr.span);
      claim("right", rightField.path, rightExpr.span);
      mappings.push({
        id: `${leftField.path.join(".")}<->${rightField.path.join(".")}`,
        kind: "twoWay",
        left: leftField.path,
        right: rightField.path,
        ...(renames ? { renames } : {}),
        ...compare,
        ...withCondition,
        span,
      });
      return;
    }
    const [valueExpr, targetExpr] = mapping.direction === "->" ? [mapping.left, mapping.right] : [mapping.right, mapping.left];
    if (mapping.renames) {
      ctx.error("SEM004", mapping.span, "renamed sub-fields `{a: b}` belong to a `<->` mapping; for one way, map each sub-field on its own line");
      return;
    }
    const target = targetPath(targetExpr, `the target of \`${mapping.direction}\``);
    if (!target) return;
    const value = checkExpr(valueExpr, env);
    const read = sidesRead(value.ir);
    if (read.has(target.side)) {
      ctx.error("SEM010", valueExpr.span, `the value written into ${aliasOf(target.side)} must come from ${aliasOf(target.side === "left" ? "right" : "left")}, not from ${aliasOf(target.side)} itself`);
      return;
    }
    if (!checkTypedLiteral(valueExpr, target.type, env) && !assignable(value.type, target.type)) {
      ctx.error("TYP001", valueExpr.span, `\`${aliasOf(target.side)}.${target.path.join(".")}\` is ${describe(target.type)}, but this value is ${describe(value.type)}`);
      return;
    }
    if (!linkAllows(target.side, mapping.directionSpan)) return;
    const compare = compareWith(mapping, target.type);
    if (!compare) return;
    claim(target.side, target.path, targetExpr.span);
    mappings.push({
      id: `${aliasOf(target.side)}.${target.path.join(".")}`,
      kind: "oneWay",
      into: target.side,
      value: value.ir,
      target: target.path,
      ...compare,
      ...withCondition,
      span,
    });
  };

  /** `donor.address { line1: address1, city } <-> contact.address`: sub-fields of the first-written side, renamed to the other's. */
  const checkRenames = (
    mapping: A.Mapping,
    first: { side: SideName; path: string[]; type: Type },
    second: { side: SideName; path: string[]; type: Type },
    firstIsLeft: boolean,
  ): (readonly [string, string])[] | undefined => {
    if (first.type.kind !== "object" || second.type.kind !== "object") {
      ctx.error("SEM004", mapping.left.span, "renamed sub-fields `{a: b}` join two objects, but these are not both objects");
      return undefined;
    }
    const pairs: (readonly [string, string])[] = [];
    let ok = true;
    for (const rename of mapping.renames!) {
      const fromType = first.type.fields.get(rename.from.name);
      const toType = second.type.fields.get(rename.to.name);
      const firstLabel = `\`${aliasOf(first.side)}.${first.path.join(".")}\``;
      const secondLabel = `\`${aliasOf(second.side)}.${second.path.join(".")}\``;
      if (!fromType) {
        ctx.error("NAM003", rename.from.span, `${firstLabel} has no field \`${rename.from.name}\`; its fields are ${[...first.type.fields.keys()].join(", ")}`, {
          suggestion: didYouMean(rename.from.name, first.type.fields.keys()),
        });
        ok = false;
        continue;
      }
      if (!toType) {
        ctx.error("NAM003", rename.to.span, `${secondLabel} has no field \`${rename.to.name}\`; its fields are ${[...second.type.fields.keys()].join(", ")}`, {
          suggestion: didYouMean(rename.to.name, second.type.fields.keys()),
        });
        ok = false;
        continue;
      }
      if (!assignable(fromType, toType) || !assignable(toType, fromType)) {
        ctx.error("TYP001", rename.from.span, `\`${rename.from.name}\` is ${describe(fromType)} but \`${rename.to.name}\` is ${describe(toType)}`);
        ok = false;
        continue;
      }
      pairs.push(firstIsLeft ? [rename.from.name, rename.to.name] : [rename.to.name, rename.from.name]);
    }
    return ok ? pairs : undefined;
  };

  for (const item of link.items) {
    const span = ctx.planSpan(item.span);
    switch (item.kind) {
      case "match": {
        if (item.fallback && matches.length === 0) {
          ctx.error("SEM005", item.span, "`else match` follows a `match`");
          break;
        }
        if (!item.fallback && matches.length > 0) {
          ctx.error("SEM009", item.span, "a link has one `match`; write further ways to match as `else match`");
          break;
        }
        const keys: { left: P.Expr; right: P.Expr }[] = [];
        const conditions: Record<SideName, P.Expr[]> = { left: [], right: [] };
        let failed = false;
        for (const term of conjuncts(item.condition)) {
          // Each term is checked once: an `==` between the sides is a key, anything else a condition on one side.
          let checked: Typed;
          if (term.kind === "binary" && term.operator === "==") {
            const l = checkExpr(term.left, env);
            const r = checkExpr(term.right, env);
            if (l.type.kind === "any" || r.type.kind === "any") {
              failed = true;
              continue;
            }
            const ls = sidesRead(l.ir);
            const rs = sidesRead(r.ir);
            if (ls.size === 1 && rs.size === 1 && [...ls][0] !== [...rs][0]) {
              if (!comparable(l.type, r.type)) ctx.error("TYP001", term.span, `cannot match ${describe(l.type)} with ${describe(r.type)}`);
              keys.push([...ls][0] === "left" ? { left: l.ir, right: r.ir } : { left: r.ir, right: l.ir });
              continue;
            }
            checked = { type: BOOL, ir: { op: "compare", operator: "==", as: compareAs(l.type) ?? "value", left: l.ir, right: r.ir } };
          } else {
            checked = checkCondition(term, env, "a match condition");
            if (checked.type.kind === "any") {
              failed = true;
              continue;
            }
          }
          const sides = sidesRead(checked.ir);
          if (sides.size !== 1) {
            ctx.error("SEM005", term.span, `a match compares ${header.left.alias} with ${header.right.alias} using \`==\`; other conditions here may name only one of them`);
            failed = true;
            continue;
          }
          conditions[[...sides][0]!].push(checked.ir);
        }
        if (failed) break;
        if (keys.length === 0) {
          ctx.error("SEM005", item.condition.span, `a match needs at least one \`==\` between ${header.left.alias} and ${header.right.alias}, such as \`${header.right.alias}.x == ${header.left.alias}.y\``);
          break;
        }
        const both = (list: P.Expr[]): P.Expr | undefined => (list.length === 0 ? undefined : list.length === 1 ? list[0] : { op: "and", args: list });
        const leftCondition = both(conditions.left);
        const rightCondition = both(conditions.right);
        matches.push({ keys, ...(leftCondition ? { leftCondition } : {}), ...(rightCondition ? { rightCondition } : {}), span });
        break;
      }
      case "writeBack": {
        if (writeBack) {
          ctx.error("SEM009", item.span, "a link has one `write back`");
          break;
        }
        const target = targetPath(item.target, "the target of `write back`");
        if (!target) break;
        const value = checkExpr(item.value, env);
        if (sidesRead(value.ir).has(target.side)) {
          ctx.error("SEM010", item.value.span, `\`write back\` writes a value of one side into the other; this reads ${aliasOf(target.side)}`);
          break;
        }
        if (!assignable(value.type, target.type)) {
          ctx.error("TYP001", item.value.span, `\`${aliasOf(target.side)}.${target.path.join(".")}\` is ${describe(target.type)}, but this value is ${describe(value.type)}`);
          break;
        }
        if (!linkAllows(target.side, item.span)) break;
        claim(target.side, target.path, item.target.span);
        writeBack = { into: target.side, value: value.ir, target: target.path, span };
        break;
      }
      case "skip": {
        const condition = checkCondition(item.condition, env, "a skip's condition");
        const reason = checkTyped(item.reason, env, STR, "a skip's reason");
        const sides = new Set([...sidesRead(condition.ir), ...sidesRead(reason.ir)]);
        if (sides.size !== 1) {
          ctx.error("SEM010", item.condition.span, `a link's skip is about one record, before it is linked: its condition and reason name either ${header.left.alias} or ${header.right.alias}`);
          break;
        }
        skips.push({ side: [...sides][0]!, reason: reason.ir, condition: condition.ir, span });
        break;
      }
      case "create": {
        const into = sideOfAlias(item.alias.name);
        if (!into) {
          ctx.error("NAM004", item.alias.span, `\`create\` names the side to create: ${header.left.alias} or ${header.right.alias}`, {
            suggestion: didYouMean(item.alias.name, [header.left.alias, header.right.alias]),
          });
          break;
        }
        if (!linkAllows(into, item.alias.span)) break;
        const from: SideName = into === "left" ? "right" : "left";
        const sourceEnv = oneSideEnv(from);
        const key = checkExpr(item.key, sourceEnv);
        if (key.type.kind !== "any" && !assignable(key.type, STR)) ctx.error("TYP001", item.key.span, `a key is a string, but this is ${describe(key.type)}`);
        const condition = item.condition ? checkCondition(item.condition, sourceEnv, "a create's condition").ir : undefined;
        const collection = into === "left" ? header.left.collection : header.right.collection;
        const assignments = checkAssignments(item.assignments, sourceEnv, collection, true);
        creates.push({ into, key: key.ir, ...(condition ? { condition } : {}), assignments, span });
        pendingCreates.push({ into, span: { start: item.span.start, end: item.alias.span.end }, given: assignments.map((a) => a.field[0]!) });
        break;
      }
      case "when": {
        const condition = checkCondition(item.condition, env, "a `when` block's condition").ir;
        for (const mapping of item.mappings) checkMapping(mapping, condition);
        break;
      }
      case "conflicts": {
        if (conflicts) {
          ctx.error("SEM009", item.span, "a link has one `conflicts` policy", { notes: conflictsSpan ? [{ message: "the first is here", span: conflictsSpan }] : [] });
          break;
        }
        conflictsSpan = item.span;
        const policy = item.policy;
        if (policy.kind === "prefer") {
          const side = sideOfSystem(policy.system);
          if (side) conflicts = { policy: "prefer", side, span };
          break;
        }
        if (policy.timestamps.length !== 2) {
          ctx.error("SYN007", policy.span, `\`newest by\` names one timestamp of each side, ${policy.timestamps.length === 1 ? "not one" : `not ${policy.timestamps.length}`}`);
          break;
        }
        const stamps: Partial<Record<SideName, P.Expr>> = {};
        for (const stamp of policy.timestamps) {
          const checked = checkExpr(stamp, env);
          const sides = sidesRead(checked.ir);
          if (checked.type.kind !== "datetime" && checked.type.kind !== "date" && checked.type.kind !== "any") {
            ctx.error("TYP001", stamp.span, `a timestamp must be a datetime or date, but this is ${describe(checked.type)}`);
          }
          if (sides.size !== 1) {
            ctx.error("SEM010", stamp.span, `each timestamp names one side: ${header.left.alias} or ${header.right.alias}`);
            continue;
          }
          const side = [...sides][0]!;
          if (stamps[side]) ctx.error("SEM010", stamp.span, `both timestamps are of ${aliasOf(side)}; give one of each side`);
          stamps[side] = checked.ir;
        }
        if (!policy.tie) {
          ctx.error("SYN007", policy.span, `say which side wins a tie: \`, tie ${header.left.system}\``);
          break;
        }
        const tie = sideOfSystem(policy.tie);
        if (stamps.left && stamps.right && tie) conflicts = { policy: "newest", left: stamps.left, right: stamps.right, tie, span };
        break;
      }
      case "mapping":
        checkMapping(item, undefined);
        break;
    }
  }
  if (matches.length === 0 && !link.items.some((i) => i.kind === "match")) {
    ctx.error("SEM005", link.span, `this link has no \`match\`: say when ${header.left.alias} and ${header.right.alias} correspond, as in \`match ${header.right.alias}.x == ${header.left.alias}.y\``);
  }
  for (const create of pendingCreates) {
    const side = create.into === "left" ? header.left : header.right;
    const mapped = mappings.flatMap((m) => (m.kind === "twoWay" ? [(create.into === "left" ? m.left : m.right)[0]!] : m.into === create.into ? [m.target[0]!] : []));
    const backed = writeBack && writeBack.into === create.into ? [writeBack.target[0]!] : [];
    checkRequired(ctx, create.span, side.system, side.collection, [...create.given, ...mapped, ...backed]);
  }
  // Judged on what the author wrote: a `<->` mapping rejected for another reason still counts.
  const writtenTwoWay = link.items.some((i) => (i.kind === "mapping" && i.direction === "<->") || (i.kind === "when" && i.mappings.some((m) => m.direction === "<->")));
  if (writtenTwoWay && !conflicts && !conflictsSpan) {
    ctx.error("SEM008", link.span, "this link has `<->` mappings but no `conflicts` policy for fields changed on both sides", {
      notes: [{ message: `add ${conflictHint(header)}` }],
    });
  }
  if (!writtenTwoWay && conflictsSpan) ctx.error("SEM007", conflictsSpan, "this link has no `<->` mapping, so nothing can conflict");
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

/** A policy that compiles for this link: newest by the sides' own timestamps when both have one. */
function conflictHint(header: LinkHeader): string {
  const stamp = (side: LinkHeader["left"]): string | undefined => {
    for (const [name, type] of side.type.fields) if (type.kind === "datetime") return `${side.alias}.${name}`;
    return undefined;
  };
  const left = stamp(header.left);
  const right = stamp(header.right);
  const prefer = `\`conflicts prefer ${header.left.system}\``;
  return left && right ? `\`conflicts newest by ${left}, ${right}, tie ${header.left.system}\` or ${prefer}` : prefer;
}

function sourceOf(side: A.LinkSide, header: LinkHeader["left"]): P.Source {
  if (side.source.kind === "name") return { view: side.source.name };
  return { system: header.system, collection: header.collection.name };
}
