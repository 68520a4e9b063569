// Views and `from` rules: clauses that bind rows step by step, and the action that writes
// (create, upsert) or deletes. Write blocks are shared with a link's `create`.
import type * as A from "../ast/nodes.js";
import { message, type Message } from "../../diagnostics/catalog.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import { some } from "../../plan/walk.js";
import type { CollectionDefinition } from "../systems/load.js";
import type { Span } from "../../source/source-file.js";
import { ANY, STR, assignable, describe, isStringLike, recordPhrase, type Type } from "../types/type.js";
import type { Binding, CheckContext, Scope } from "./context.js";
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
            ctx.error(clause.source.span, message("TYP006", "fromSource", { alias: clause.alias.name, found: describe(source.type) }));
          }
          ir = source.ir;
        } else {
          ctx.error(clause.source.span, message("TYP006", "fromSystem", { system: source.system.name }));
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
        result.push({ kind: "where", condition: checkCondition(clause.condition, env, message("TYP001", "whereCondition").text).ir, span });
        break;
      case "skip":
        result.push({
          kind: "skip",
          reason: checkTyped(clause.reason, env, STR, message("TYP001", "skipReason").text).ir,
          condition: checkCondition(clause.condition, env, message("TYP001", "skipCondition").text).ir,
          span,
        });
        break;
    }
  }
  return { clauses: result, scope };
}

export function define(ctx: CheckContext, scope: Scope, name: A.Name, type: Type): void {
  const earlier = scope.define(name.name, { kind: "var", type, span: name.span });
  if (earlier) definedTwice(ctx, name, earlier);
}

/** `name` is taken: an error at it, with a note at the first definition when it has a place. */
function definedTwice(ctx: CheckContext, name: A.Name, earlier: Binding): void {
  const notes = "span" in earlier && earlier.span ? [{ message: message("NAM008", "firstDefined").text, span: earlier.span }] : [];
  ctx.error(name.span, message("NAM008", "alreadyDefined", { name: name.name }), { notes });
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
    definedTwice(ctx, view.name, earlier);
    return undefined;
  }
  return { name: view.name.name, clauses, select: select.ir, ...(keyed ? { keyAlias: first.alias.name } : {}), span: ctx.planSpan(view.span) };
}

/** Why the sync line forbids writing into a system, or undefined when it allows it. */
export function writeProblem(ctx: CheckContext, system: string): Message<"SEM002"> | undefined {
  if (ctx.writable.has(system)) return undefined;
  return message("SEM002", "syncDirection", { into: [...ctx.writable].join(" and "), system });
}

export function checkRule(rule: A.RuleStatement, ctx: CheckContext, scope: Scope, id: number): P.RulePlan | undefined {
  const { clauses, scope: inner } = checkClauses(rule.clauses, ctx, scope);
  const action = rule.action;
  const span = ctx.planSpan(action.span);
  if (action.kind === "write") {
    const target = writableCollection(action.target, ctx, inner);
    const key = checkExpr(action.key, { ctx, scope: inner });
    if (!isStringLike(key.type)) ctx.error(action.key.span, message("TYP001", "keyString", { found: describe(key.type) }));
    if (!target) return undefined;
    const assignments = checkAssignments(action.assignments, { ctx, scope: inner, group: true }, target.collection, action.mode === "create");
    // An update makes no record, so it need not give what a new one requires.
    if (action.mode !== "update") checkRequired(ctx, { start: action.span.start, end: action.target.span.end }, target.system, target.collection, assignments.map((a) => a.field[0]!));
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
    if (!isStringLike(key.type)) ctx.error(action.key.span, message("TYP001", "keyString", { found: describe(key.type) }));
    if (!target) return undefined;
    return { id, clauses, action: { kind: "delete", system: target.system, collection: target.collection.name, key: key.ir, span }, span: ctx.planSpan(rule.span) };
  }
  const record = checkExpr(action.target, { ctx, scope: inner });
  const origin = record.type.kind === "object" ? record.type.record : undefined;
  if (!origin) {
    if (record.type.kind !== "any") {
      ctx.error(action.target.span, message("TYP015", "deleteTarget", { found: describe(record.type) }));
    }
    return undefined;
  }
  const problem = writeProblem(ctx, origin.system);
  if (problem) {
    ctx.error(action.target.span, problem);
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
      ctx.error(expr.span, message("TYP015", "writeTarget"));
    }
    return undefined;
  }
  const problem = writeProblem(ctx, target.system);
  if (problem) {
    ctx.error(expr.span, problem);
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
  const fields = names.length === 1 ? names[0]! : message("SEM013", "fieldList", { fields: names.slice(0, -1).join(", "), last: names[names.length - 1]! }).text;
  const one = missing.length === 1;
  ctx.error(span, message("SEM013", one ? "leavesOneEmpty" : "leavesEmpty", { record: recordPhrase(`${system}.${collection.name}`), fields }), {
    notes: [{ message: message("SEM013", one ? "setIt" : "setThem", { field: missing[0]! }).text }],
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
      ctx.error(assignment.field.span, message("NAM003", "noField", { owner: ownerName(collection.type), field: name }), {
        suggestion: didYouMean(name, collection.type.fields.keys()),
      });
      continue;
    }
    if (name === collection.key) {
      ctx.error(assignment.field.span, message("SEM006", "recordKey", { field: name }));
      continue;
    }
    const earlier = seen.get(name);
    if (earlier) {
      ctx.error(assignment.field.span, message("SEM003", "setTwice", { field: name }), { notes: [{ message: message("SEM003", "firstSet").text, span: earlier }] });
      continue;
    }
    seen.set(name, assignment.field.span);
    if (!checkTypedLiteral(assignment.value, fieldType, env) && !assignable(value.type, fieldType)) {
      ctx.error(assignment.value.span, message("TYP001", "fieldValue", { field: name, expected: describe(fieldType), found: describe(value.type) }));
    }
    let addOnlyWhen: P.Expr | undefined;
    if (assignment.addOnlyWhen) {
      if (fieldType.kind !== "list") {
        ctx.error(assignment.addOnlyWhen.span, message("SEM011", "notList", { field: name, found: describe(fieldType) }));
      }
      addOnlyWhen = checkCondition(assignment.addOnlyWhen, { ctx, scope: env.scope }, message("TYP001", "addOnlyWhenCondition").text).ir;
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
    if (literal.kind === "string") env.ctx.index.allowed.push({ span: literal.span, values: fieldType.values });
    if (literal.kind === "string" && !fieldType.values.includes(literal.value)) {
      reported = true;
      const suggestion = didYouMean(literal.value, fieldType.values);
      env.ctx.error(literal.span, message("TYP004", "notAllowed", { value: JSON.stringify(literal.value), allowed: describe(fieldType) }), {
        ...(suggestion !== undefined ? { suggestion: JSON.stringify(suggestion) } : {}),
      });
    }
  }
  return reported;
}
