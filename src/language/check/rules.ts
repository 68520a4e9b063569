// Views and `from` rules: clauses that bind rows step by step, and the action that writes
// (create, upsert) or deletes. Write blocks are shared with a link's `create`.
import type * as A from "../ast/nodes.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import { some } from "../../plan/walk.js";
import type { CollectionDefinition } from "../systems/load.js";
import type { Span } from "../../source/source-file.js";
import { ANY, STR, assignable, describe, isStringLike, type Type } from "../types/type.js";
import type { CheckContext, Scope } from "./context.js";
import { checkCondition, checkExpr, checkTyped, checkValue, ownerName, type Env } from "./expressions.js";

export function checkClauses(clauses: readonly A.Clause[], ctx: CheckContext, outer: Scope): { clauses: P.Clause[]; scope: Scope } {
  const scope = outer.child();
  const env: Env = { ctx, scope };
  const result: P.Clause[] = [];
  for (const clause of clauses) {
    const span = ctx.planSpan(clause.span);
    switch (clause.kind) {
      case "from": {
        const source = checkValue(clause.source, env);
        let itemType: Type = ANY;
        let ir: P.Expr = { op: "literal", value: [] };
        if (source.kind === "collection" || source.kind === "view") {
          itemType = source.rowType;
          ir = { op: "rows", source: source.source };
        } else if (source.kind === "value") {
          if (source.type.kind === "list") itemType = source.type.item;
          else if (source.type.kind !== "any") {
            ctx.error("TYP006", clause.source.span, `\`from ${clause.alias.name} in\` needs a collection, a view or a list, but this is ${describe(source.type)}`);
          }
          ir = source.ir;
        } else {
          ctx.error("TYP006", clause.source.span, `\`${source.system.name}\` is a system; name one of its collections`);
        }
        define(ctx, scope, clause.alias, itemType);
        result.push({ kind: "from", alias: clause.alias.name, source: ir, span });
        break;
      }
      case "let": {
        const value = checkExpr(clause.value, env);
        define(ctx, scope, clause.name, value.type);
        result.push({ kind: "let", name: clause.name.name, value: value.ir, span });
        break;
      }
      case "where":
        result.push({ kind: "where", condition: checkCondition(clause.condition, env, "a `where` condition").ir, span });
        break;
      case "skip":
        result.push({
          kind: "skip",
          reason: checkTyped(clause.reason, env, STR, "a skip's reason").ir,
          condition: checkCondition(clause.condition, env, "a skip's condition").ir,
          span,
        });
        break;
    }
  }
  return { clauses: result, scope };
}

export function define(ctx: CheckContext, scope: Scope, name: A.Name, type: Type): void {
  const earlier = scope.define(name.name, { kind: "var", type, span: name.span });
  if (earlier) {
    const notes = "span" in earlier && earlier.span ? [{ message: "first defined here", span: earlier.span }] : [];
    ctx.error("NAM008", name.span, `\`${name.name}\` is already defined`, { notes });
  }
}

export function checkView(view: A.ViewStatement, ctx: CheckContext, scope: Scope): P.ViewPlan | undefined {
  const { clauses, scope: inner } = checkClauses(view.clauses, ctx, scope);
  const select = checkExpr(view.select, { ctx, scope: inner });
  const first = view.clauses[0] as A.FromClause;
  // Rows keep their record's key when the view selects the records of its first `from`.
  const keyed = view.select.kind === "name" && view.select.name === first.alias.name && select.type.kind === "object" && select.type.record !== undefined;
  const origin = keyed && select.type.kind === "object" ? ctx.systems.get(select.type.record!.system)?.collections.get(select.type.record!.collection) : undefined;
  const earlier = scope.define(view.name.name, {
    kind: "view",
    rowType: select.type,
    span: view.name.span,
    ...(keyed ? { keyAlias: first.alias.name } : {}),
    ...(origin ? { origin } : {}),
  });
  if (earlier) {
    const notes = "span" in earlier && earlier.span ? [{ message: "first defined here", span: earlier.span }] : [];
    ctx.error("NAM008", view.name.span, `\`${view.name.name}\` is already defined`, { notes });
    return undefined;
  }
  return { name: view.name.name, clauses, select: select.ir, ...(keyed ? { keyAlias: first.alias.name } : {}), span: ctx.planSpan(view.span) };
}

/** Why the sync line forbids writing into a system, or undefined when it allows it. */
export function writeProblem(ctx: CheckContext, system: string): string | undefined {
  if (ctx.writable.has(system)) return undefined;
  const into = [...ctx.writable].join(" and ");
  return `the \`sync\` line writes only into ${into}, so nothing may be written into ${system}`;
}

export function checkRule(rule: A.RuleStatement, ctx: CheckContext, scope: Scope, id: number): P.RulePlan | undefined {
  const { clauses, scope: inner } = checkClauses(rule.clauses, ctx, scope);
  const action = rule.action;
  const span = ctx.planSpan(action.span);
  if (action.kind === "write") {
    const target = writableCollection(action.target, ctx, inner);
    const key = checkExpr(action.key, { ctx, scope: inner });
    if (!isStringLike(key.type)) ctx.error("TYP001", action.key.span, `a key is a string, but this is ${describe(key.type)}`);
    if (!target) return undefined;
    const assignments = checkAssignments(action.assignments, { ctx, scope: inner, group: true }, target.collection, action.mode === "create");
    checkRequired(ctx, { start: action.span.start, end: action.target.span.end }, target.system, target.collection, assignments.map((a) => a.field[0]!));
    const grouped = assignments.some((a) => usesAggregate(a.value));
    return {
      id,
      clauses,
      action: { kind: "write", mode: action.mode, system: target.system, collection: target.collection.name, key: key.ir, assignments, grouped, span },
      span: ctx.planSpan(rule.span),
    };
  }
  if (action.key) {
    const target = writableCollection(action.target, ctx, inner);
    const key = checkExpr(action.key, { ctx, scope: inner });
    if (!isStringLike(key.type)) ctx.error("TYP001", action.key.span, `a key is a string, but this is ${describe(key.type)}`);
    if (!target) return undefined;
    return { id, clauses, action: { kind: "delete", system: target.system, collection: target.collection.name, key: key.ir, span }, span: ctx.planSpan(rule.span) };
  }
  const record = checkExpr(action.target, { ctx, scope: inner });
  const origin = record.type.kind === "object" ? record.type.record : undefined;
  if (!origin) {
    if (record.type.kind !== "any") {
      ctx.error("TYP015", action.target.span, `\`delete\` takes a record, or a collection with \`key\`; this is ${describe(record.type)}`);
    }
    return undefined;
  }
  const problem = writeProblem(ctx, origin.system);
  if (problem) {
    ctx.error("SEM002", action.target.span, problem);
    return undefined;
  }
  return {
    id,
    clauses,
    action: { kind: "delete", system: origin.system, collection: origin.collection, key: { op: "get", of: record.ir, field: origin.key }, span },
    span: ctx.planSpan(rule.span),
  };
}

function writableCollection(expr: A.Expr, ctx: CheckContext, scope: Scope): { system: string; collection: CollectionDefinition } | undefined {
  const target = checkValue(expr, { ctx, scope });
  if (target.kind !== "collection") {
    if (!(target.kind === "value" && target.type.kind === "any")) {
      ctx.error("TYP015", expr.span, "write into a collection, named as SYSTEM.COLLECTION");
    }
    return undefined;
  }
  const problem = writeProblem(ctx, target.system);
  if (problem) {
    ctx.error("SEM002", expr.span, problem);
    return undefined;
  }
  return { system: target.system, collection: target.collection };
}

/** A created record must carry every field its schema requires, or the next run would reject the snapshot it was written into. */
export function checkRequired(ctx: CheckContext, span: Span, system: string, collection: CollectionDefinition, given: readonly string[]): void {
  const required = Array.isArray(collection.schema["required"]) ? (collection.schema["required"] as string[]) : [];
  const missing = required.filter((field) => field !== collection.key && !given.includes(field));
  if (missing.length === 0) return;
  const names = missing.map((f) => `\`${f}\``);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  const record = `${system}.${collection.name}`;
  ctx.error("SEM013", span, `${/^[aeiou]/i.test(record) ? "an" : "a"} ${record} record made here leaves ${list} empty, but its schema requires ${missing.length === 1 ? "it" : "them"}`, {
    notes: [{ message: `set ${missing.length === 1 ? "it" : "them"} in the block, such as \`${missing[0]} = ...\`` }],
  });
}

function usesAggregate(expr: P.Expr): boolean {
  return some(expr, (e) => e.op === "aggregate");
}

/** A write block's assignments, checked against the target record's fields. */
export function checkAssignments(assignments: readonly A.Assignment[], env: Env, collection: CollectionDefinition, createOnly: boolean): P.Assignment[] {
  const { ctx } = env;
  const result: P.Assignment[] = [];
  const seen = new Map<string, Span>();
  for (const assignment of assignments) {
    const name = assignment.field.name;
    const fieldType = collection.type.fields.get(name);
    const value = checkExpr(assignment.value, env);
    if (!fieldType) {
      ctx.error("NAM003", assignment.field.span, `${ownerName(collection.type)} has no field \`${name}\``, {
        suggestion: didYouMean(name, collection.type.fields.keys()),
      });
      continue;
    }
    if (name === collection.key) {
      ctx.error("SEM006", assignment.field.span, `\`${name}\` is the record's key; it is set by the \`key\` expression`);
      continue;
    }
    const earlier = seen.get(name);
    if (earlier) {
      ctx.error("SEM003", assignment.field.span, `\`${name}\` is set twice in this block`, { notes: [{ message: "first set here", span: earlier }] });
      continue;
    }
    seen.set(name, assignment.field.span);
    if (!checkTypedLiteral(assignment.value, fieldType, env) && !assignable(value.type, fieldType)) {
      ctx.error("TYP001", assignment.value.span, `\`${name}\` is ${describe(fieldType)}, but this value is ${describe(value.type)}`);
    }
    let addOnlyWhen: P.Expr | undefined;
    if (assignment.addOnlyWhen) {
      if (fieldType.kind !== "list") {
        ctx.error("SEM011", assignment.addOnlyWhen.span, `\`add only when\` applies to list fields; \`${name}\` is ${describe(fieldType)}`);
      }
      addOnlyWhen = checkCondition(assignment.addOnlyWhen, { ctx, scope: env.scope }, "the condition of `add only when`").ir;
    }
    result.push({
      field: [name],
      value: value.ir,
      initially: createOnly || assignment.initially,
      ...(addOnlyWhen ? { addOnlyWhen } : {}),
      span: ctx.planSpan(assignment.span),
    });
  }
  return result;
}

/** A string literal written into an enum field must be one of its values; true when one was not. */
export function checkTypedLiteral(expr: A.Expr, fieldType: Type, env: Env): boolean {
  if (fieldType.kind !== "enum") return false;
  const literals: A.Expr[] = [];
  const collect = (e: A.Expr): void => {
    if (e.kind === "string") literals.push(e);
    else if (e.kind === "if") {
      collect(e.then);
      collect(e.otherwise);
    }
  };
  collect(expr);
  let reported = false;
  for (const literal of literals) {
    if (literal.kind === "string" && !fieldType.values.includes(literal.value)) {
      reported = true;
      const suggestion = didYouMean(literal.value, fieldType.values);
      env.ctx.error("TYP004", literal.span, `${JSON.stringify(literal.value)} is not one of the allowed values ${describe(fieldType)}`, {
        ...(suggestion !== undefined ? { suggestion: JSON.stringify(suggestion) } : {}),
      });
    }
  }
  return reported;
}
