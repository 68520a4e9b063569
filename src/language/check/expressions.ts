// Checks expressions and compiles them to the plan's expression steps in one walk: each
// name is resolved, each operator typed, and lookups become index steps the runtime can
// answer in constant time.
import type * as A from "../ast/nodes.js";
import type { Span } from "../../source/source-file.js";
import { message } from "../../diagnostics/catalog.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import { FUNCTIONS_BY_NAME } from "../functions/catalog.js";
import type * as P from "../../plan/types.js";
import { walk } from "../../plan/walk.js";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import {
  ANY,
  BOOL,
  NUM,
  INT,
  NULL,
  STR,
  assignable,
  comparable,
  dateLiteralProblem,
  describe,
  describeKind,
  isNumeric,
  isStringLike,
  list,
  ordered,
  recordPhrase,
  unify,
  type ObjectType,
  type Type,
} from "../types/type.js";
import { Scope, type CheckContext } from "./context.js";

export interface Env {
  readonly ctx: CheckContext;
  readonly scope: Scope;
  /** Inside a write block of a `from` rule: aggregates add up the rows of one record. */
  readonly group?: boolean;
}

export interface Typed {
  readonly type: Type;
  readonly ir: P.Expr;
}

/** What a name or path can stand for before it is used as a value. */
export type Checked =
  | ({ readonly kind: "value" } & Typed)
  | { readonly kind: "system"; readonly system: SystemDefinition }
  | { readonly kind: "collection"; readonly system: string; readonly collection: CollectionDefinition; readonly source: P.Source; readonly rowType: ObjectType }
  | { readonly kind: "view"; readonly name: string; readonly source: P.Source; readonly rowType: Type; readonly keyAlias?: string; readonly origin?: CollectionDefinition };

const FAILED: Typed = { type: ANY, ir: { op: "literal", value: null } };

/**
 * How to compare a datetime with a date, where those are what cannot be compared: the
 * datetime's day, as date(x) gives it, written with the author's own expression.
 */
export function dateFix(left: Type, right: Type, leftExpr: A.Expr, rightExpr: A.Expr, ctx: CheckContext): { message: string }[] {
  const datetime = left.kind === "datetime" && right.kind === "date" ? leftExpr : right.kind === "datetime" && left.kind === "date" ? rightExpr : undefined;
  if (!datetime) return [];
  return [{ message: message("TYP008", "dateFix", { expression: ctx.source.text.slice(datetime.span.start, datetime.span.end) }).text }];
}

/** Checks an expression used as a value: a collection or view stands for all its rows. */
export function checkExpr(expr: A.Expr, env: Env): Typed {
  const checked = checkValue(expr, env);
  switch (checked.kind) {
    case "value":
      return checked;
    case "collection":
    case "view":
      return { type: list(checked.rowType), ir: { op: "rows", source: checked.source } };
    case "system":
      env.ctx.error(expr.span, message("TYP014", "systemValue", { system: checked.system.name, collection: String([...checked.system.collections.keys()][0]) }));
      return FAILED;
  }
}

/** Checks an expression that must have a type fitting `expected`; `what` names it in the error, one of TYP001's phrases ("a skip's reason"). */
export function checkTyped(expr: A.Expr, env: Env, expected: Type, what: string): Typed {
  const result = checkExpr(expr, env);
  if (!assignable(result.type, expected)) {
    env.ctx.error(expr.span, message("TYP001", "mustBe", { what, expected: describe(expected), found: describe(result.type) }));
  }
  checkEnumLiteral(expr, expected, env);
  return result;
}

export function checkCondition(expr: A.Expr, env: Env, what = message("TYP001", "aCondition").text): Typed {
  return checkTyped(expr, env, BOOL, what);
}

export function checkValue(expr: A.Expr, env: Env): Checked {
  const { ctx } = env;
  switch (expr.kind) {
    case "number":
      return value(Number.isInteger(expr.value) ? INT : NUM, { op: "literal", value: expr.value });
    case "string":
      return value({ kind: "enum", values: [expr.value] }, { op: "literal", value: expr.value });
    case "bool":
      return value(BOOL, { op: "literal", value: expr.value });
    case "null":
      return value(NULL, { op: "literal", value: null });
    case "name":
      return checkName(expr, env);
    case "member":
      return checkMember(expr, env);
    case "index":
      return checkIndex(expr, env);
    case "call":
      return typedValue(checkCall(expr, env));
    case "unary": {
      if (expr.operator === "not") {
        const operand = checkCondition(expr.operand, env, message("TYP001", "notOperand").text);
        return value(BOOL, { op: "not", arg: operand.ir });
      }
      const operand = checkExpr(expr.operand, env);
      if (!isNumeric(operand.type)) ctx.error(expr.operand.span, message("TYP010", "negate", { found: describe(operand.type) }));
      return value(operand.type.kind === "int" ? INT : NUM, { op: "negate", arg: operand.ir });
    }
    case "binary":
      return typedValue(checkBinary(expr, env));
    case "if": {
      const condition = checkCondition(expr.condition, env, message("TYP001", "ifCondition").text);
      const then = checkExpr(expr.then, env);
      const otherwise = checkExpr(expr.otherwise, env);
      const type = unify(then.type, otherwise.type);
      if (!type) {
        ctx.error(expr.span, message("TYP012", "ifBranches", { then: describe(then.type), otherwise: describe(otherwise.type) }));
      }
      return value(type ?? ANY, { op: "if", condition: condition.ir, then: then.ir, else: otherwise.ir });
    }
    case "list": {
      const items = expr.items.map((item) => checkExpr(item, env));
      let type: Type = NULL;
      for (let i = 0; i < items.length; i++) {
        const next = unify(type, items[i]!.type);
        if (!next) {
          ctx.error(expr.items[i]!.span, message("TYP012", "listItems", { item: describeKind(items[i]!.type), before: describeKind(type) }));
          type = ANY;
        } else type = next;
      }
      return value(list(type), { op: "list", items: items.map((i) => i.ir) });
    }
    case "object": {
      const fields = new Map<string, Type>();
      const entries: (readonly [string, P.Expr])[] = [];
      for (const entry of expr.entries) {
        if (fields.has(entry.name.name)) {
          ctx.error(entry.name.span, message("NAM008", "givenTwice", { name: entry.name.name }));
          continue;
        }
        const checked = checkExpr(entry.value, env);
        fields.set(entry.name.name, checked.type);
        entries.push([entry.name.name, checked.ir]);
      }
      return value({ kind: "object", fields }, { op: "object", entries });
    }
  }
}

function value(type: Type, ir: P.Expr): Checked {
  return { kind: "value", type, ir };
}

function typedValue(typed: Typed): Checked {
  return { kind: "value", type: typed.type, ir: typed.ir };
}

function checkName(expr: Extract<A.Expr, { kind: "name" }>, env: Env): Checked {
  const binding = env.scope.lookup(expr.name);
  env.ctx.index.names.push({ span: expr.span, name: expr.name, ...(binding ? { binding } : {}), scope: env.scope });
  if (!binding) {
    const fn = FUNCTIONS_BY_NAME.get(expr.name);
    if (env.ctx.systems.has(expr.name)) {
      env.ctx.error(expr.span, message("NAM009", "notPartOfSync", { name: expr.name, ...env.ctx.syncPair() }));
    } else if (fn) {
      env.ctx.error(expr.span, message("NAM004", "isFunction", { name: expr.name }), {
        notes: [{ message: message("NAM004", "signature", { signature: fn.signature }).text }],
      });
    } else {
      const inScope = env.scope.allNames();
      env.ctx.error(expr.span, message("NAM004", "unknownName", { name: expr.name }), { suggestion: didYouMean(expr.name, inScope) });
    }
    return { kind: "value", ...FAILED };
  }
  switch (binding.kind) {
    case "system":
      return { kind: "system", system: binding.system };
    case "param":
      return value(binding.type, { op: "param", name: expr.name });
    case "view":
      return {
        kind: "view",
        name: expr.name,
        source: { view: expr.name },
        rowType: binding.rowType,
        ...(binding.keyAlias ? { keyAlias: binding.keyAlias } : {}),
        ...(binding.origin ? { origin: binding.origin } : {}),
      };
    case "var":
      return value(binding.type, { op: "var", name: expr.name });
    case "builtin":
      return value(binding.type, binding.name === "now" ? { op: "now" } : { op: "lastRun" });
    case "candidateField":
      return value(binding.type, { op: "get", of: { op: "var", name: "$" }, field: expr.name });
    case "unavailable":
      env.ctx.error(expr.span, binding.reason);
      return { kind: "value", ...FAILED };
  }
}

function checkMember(expr: Extract<A.Expr, { kind: "member" }>, env: Env): Checked {
  const { ctx } = env;
  const object = checkValue(expr.object, env);
  const field = expr.field.name;
  switch (object.kind) {
    case "system": {
      const collection = object.system.collections.get(field);
      ctx.index.members.push({ kind: "collection", span: expr.field.span, name: field, system: object.system, ...(collection ? { collection } : {}) });
      if (!collection) {
        ctx.error(expr.field.span, message("NAM002", "noCollection", { system: object.system.name, collection: field }), {
          suggestion: didYouMean(field, object.system.collections.keys()),
          notes: [{ message: message("NAM002", "collectionsAre", { collections: [...object.system.collections.keys()].join(", ") }).text }],
        });
        return { kind: "value", ...FAILED };
      }
      ctx.useCollection(object.system.name, collection);
      return { kind: "collection", system: object.system.name, collection, source: { system: object.system.name, collection: field }, rowType: collection.type };
    }
    case "collection":
    case "view": {
      const rows: Typed = { type: list(object.rowType), ir: { op: "rows", source: object.source } };
      return project(rows, expr, env);
    }
    case "value":
      return project(object, expr, env);
  }
}

/** A field of a record, or of every item of a list (a list of lists is flattened). */
function project(object: Typed, expr: Extract<A.Expr, { kind: "member" }>, env: Env): Checked {
  const field = expr.field.name;
  const type = object.type;
  if (type.kind === "any" || type.kind === "null") return value(ANY, { op: "get", of: object.ir, field });
  const target = type.kind === "list" ? type.item : type;
  if (target.kind === "any") return value(ANY, { op: "get", of: object.ir, field });
  if (target.kind !== "object") {
    env.ctx.error(expr.field.span, message("TYP003", "needsRecord", { field, found: describe(type) }));
    return { kind: "value", ...FAILED };
  }
  const fieldType = target.fields.get(field);
  env.ctx.index.members.push({ kind: "field", span: expr.field.span, field, owner: target, ...(fieldType ? { type: fieldType } : {}) });
  if (!fieldType) {
    env.ctx.error(expr.field.span, message("NAM003", "noField", { owner: ownerName(target), field }), { suggestion: didYouMean(field, target.fields.keys()) });
    return { kind: "value", ...FAILED };
  }
  const result = type.kind === "list" ? list(fieldType.kind === "list" ? fieldType.item : fieldType) : fieldType;
  return value(result, { op: "get", of: object.ir, field });
}

/** What has fields, as NAM003 names it: "the object", "a raisedonors.donors record". */
export function ownerName(type: ObjectType): string {
  if (!type.record) return message("NAM003", "theObject").text;
  return recordPhrase(`${type.record.system}.${type.record.collection}`);
}

function checkIndex(expr: Extract<A.Expr, { kind: "index" }>, env: Env): Checked {
  const { ctx } = env;
  const object = checkValue(expr.object, env);
  if (object.kind !== "collection" && object.kind !== "view") {
    if (object.kind === "value" && object.type.kind !== "any") {
      ctx.error(expr.index.span, message("TYP007", "notLookup", { found: describe(object.type) }));
    }
    return { kind: "value", ...FAILED };
  }
  const rowType = object.rowType;
  if (isFilter(expr.index)) {
    const candidate = new Scope();
    if (rowType.kind === "object") {
      const owner = object.kind === "collection" ? `${object.system}.${object.collection.name}` : object.name;
      for (const [name, type] of rowType.fields) candidate.define(name, { kind: "candidateField", type, owner });
    }
    const fields: P.Expr[] = [];
    const values: P.Expr[] = [];
    for (const term of conjuncts(expr.index)) {
      if (!isEquality(term)) continue;
      const [leftExpr, rightExpr] = term.operands;
      const left = checkExpr(leftExpr!, { ctx, scope: candidate });
      const right = checkExpr(rightExpr!, env);
      if (!comparable(left.type, right.type)) {
        ctx.error(term.span, message("TYP008", "cannotCompare", { left: describe(left.type), right: describe(right.type) }));
      }
      checkEnumLiteral(rightExpr!, left.type, env);
      fields.push(left.ir);
      values.push(right.ir);
    }
    return value(list(rowType), { op: "find", source: object.source, fields, values });
  }
  if (looksLikeCondition(expr.index)) {
    ctx.error(expr.index.span, message("TYP007", "lookupCondition"));
    return { kind: "value", ...FAILED };
  }
  if (object.kind === "view" && !object.keyAlias) {
    ctx.error(expr.index.span, message("TYP007", "viewNoKey", { view: object.name }));
    return { kind: "value", ...FAILED };
  }
  const key = checkExpr(expr.index, env);
  if (!isStringLike(key.type)) {
    ctx.error(expr.index.span, message("TYP007", "keyString", { found: describe(key.type) }));
  }
  return value(rowType, { op: "byKey", source: object.source, key: key.ir });
}

/** `coll[a == x]` and `coll[a == x and b == y]` filter; anything else in brackets is a key. */
function isFilter(index: A.Expr): boolean {
  return conjuncts(index).every(isEquality);
}

/** An `a == b`: comparisons do not chain, so its node has the one operator. */
export function isEquality(expr: A.Expr): expr is Extract<A.Expr, { kind: "binary" }> {
  return expr.kind === "binary" && expr.operators[0] === "==";
}

/** A comparison or logic inside brackets that is not `==`: the author meant a filter the lookup cannot do. */
function looksLikeCondition(index: A.Expr): boolean {
  if (index.kind === "unary" && index.operator === "not") return true;
  return index.kind === "binary" && ["and", "or", "!=", "<", "<=", ">", ">=", "in"].includes(index.operators[0]!);
}

/** The terms of an `and`, those of an `and` in parentheses among them: `a and (b and c)` is a, b and c. */
export function conjuncts(expr: A.Expr): A.Expr[] {
  if (expr.kind !== "binary" || expr.operators[0] !== "and") return [expr];
  const terms: A.Expr[] = [];
  for (const operand of expr.operands) {
    for (const term of conjuncts(operand)) terms.push(term);
  }
  return terms;
}

function checkCall(expr: Extract<A.Expr, { kind: "call" }>, env: Env): Typed {
  const { ctx } = env;
  const name = expr.callee.name;
  const fn = FUNCTIONS_BY_NAME.get(name);
  if (fn) ctx.index.calls.push({ span: expr.callee.span, fn });
  if (!fn) {
    ctx.error(expr.callee.span, message("NAM005", "unknownFunction", { name }), { suggestion: didYouMean(name, FUNCTIONS_BY_NAME.keys()), notes: [{ message: message("NAM005", "functionsAre", { functions: [...FUNCTIONS_BY_NAME.keys()].sort().join(", ") }).text }] });
    expr.args.forEach((a) => checkExpr(a, env));
    return FAILED;
  }
  const [min, max] = fn.arity;
  if (expr.args.length < min || expr.args.length > max) {
    const count = min === max ? `${min}` : message("TYP002", max - min === 1 ? "countEither" : "countRange", { min, max }).text;
    ctx.error(expr.span, message("TYP002", max === 1 ? "takesOne" : "takes", { name, count, given: expr.args.length, signature: fn.signature }));
    return FAILED;
  }
  if (name === "linked") return checkLinked(expr, env);
  if (name === "map") {
    const table = expr.args[1]!;
    if (table.kind !== "object") {
      ctx.error(table.span, message("TYP011", "mapTable"));
      return FAILED;
    }
  }
  const args = expr.args.map((a) => checkExpr(a, env));
  if (fn.aggregate && (args.length === 0 || args[0]!.type.kind !== "list")) {
    if (!env.group) {
      ctx.error(expr.span, message("TYP005", args.length === 0 ? "outsideGroup" : "outsideGroupOfValue", { name }));
      return FAILED;
    }
    const type = fn.type(args.map((a) => (a.type.kind === "list" ? a.type : list(a.type))));
    if (typeof type === "function") {
      ctx.error(expr.args[0]?.span ?? expr.span, type(name));
      return FAILED;
    }
    const arg = args[0];
    const compare = arg ? compareAs(arg.type) : undefined;
    return {
      type,
      ir: { op: "aggregate", fn: name as "count" | "sum" | "min" | "max" | "set", ...(arg ? { arg: arg.ir } : {}), ...(compare ? { compare } : {}) },
    };
  }
  const type = fn.type(args.map((a) => a.type));
  if (typeof type === "function") {
    ctx.error(expr.args[0]?.span ?? expr.span, type(name));
    return FAILED;
  }
  const compare = (name === "min" || name === "max") && args[0] ? compareAs(args[0].type) : undefined;
  return { type, ir: { op: "call", fn: name, args: args.map((a) => a.ir), ...(compare ? { compare } : {}) } };
}

function checkLinked(expr: Extract<A.Expr, { kind: "call" }>, env: Env): Typed {
  const { ctx } = env;
  const arg = checkExpr(expr.args[0]!, env);
  if (arg.type.kind === "any") return FAILED;
  const origin = arg.type.kind === "object" ? arg.type.record : undefined;
  if (!origin) {
    ctx.error(expr.args[0]!.span, message("NAM011", "notRecord", { found: describe(arg.type) }));
    return FAILED;
  }
  const found: { link: (typeof ctx.links)[number]; from: "left" | "right" }[] = [];
  for (const link of ctx.links) {
    if (link.left.system === origin.system && link.left.collection.name === origin.collection) found.push({ link, from: "left" });
    if (link.right.system === origin.system && link.right.collection.name === origin.collection) found.push({ link, from: "right" });
  }
  if (found.length !== 1) {
    const collection = `${origin.system}.${origin.collection}`;
    ctx.error(
      expr.args[0]!.span,
      found.length === 0 ? message("NAM011", "noLink", { collection }) : message("NAM011", "manyLinks", { count: found.length, collection }),
      { notes: found.map((f) => ({ message: message("NAM011", "linkDeclared").text, span: f.link.span })) },
    );
    return FAILED;
  }
  const { link, from } = found[0]!;
  const other = from === "left" ? link.right : link.left;
  return { type: other.type, ir: { op: "linked", link: ctx.links.indexOf(link), from, record: arg.ir } };
}

export function compareAs(type: Type): P.CompareAs | undefined {
  switch (type.kind) {
    case "int":
    case "num":
      return "number";
    case "str":
    case "enum":
      return "string";
    case "date":
      return "date";
    case "datetime":
      return "datetime";
    case "bool":
      return "bool";
    case "list":
      return compareAs(type.item);
    default:
      return undefined;
  }
}

function checkBinary(expr: Extract<A.Expr, { kind: "binary" }>, env: Env): Typed {
  const op = expr.operators[0]!;
  if (op === "and" || op === "or") return checkLogic(expr, op, env);
  if (op === "+" || op === "-" || op === "*" || op === "/") return checkArithmetic(expr, env);
  return checkComparison(expr, op, env);
}

/** `a and b and c` is one step with three arguments, however long the chain. */
function checkLogic(expr: Extract<A.Expr, { kind: "binary" }>, op: "and" | "or", env: Env): Typed {
  const args: P.Expr[] = [];
  expr.operands.forEach((operand, i) => {
    const checked = checkCondition(operand, env, message("TYP001", i === 0 ? "leftOf" : "rightOf", { operator: op }).text);
    // An `or` in parentheses inside an `or` joins it too.
    if (checked.ir.op === op) for (const arg of checked.ir.args) args.push(arg);
    else args.push(checked.ir);
  });
  return { type: BOOL, ir: { op, args } };
}

function checkComparison(expr: Extract<A.Expr, { kind: "binary" }>, op: Exclude<A.BinaryOperator, "and" | "or" | "+" | "-" | "*" | "/">, env: Env): Typed {
  const { ctx } = env;
  // Comparisons do not chain (the AST builder refused `a < b < c`): two operands.
  const leftExpr = expr.operands[0]!;
  const rightExpr = expr.operands[1]!;
  const left = checkExpr(leftExpr, env);
  const right = checkExpr(rightExpr, env);
  if (op === "in") {
    if (right.type.kind !== "list" && right.type.kind !== "any") {
      ctx.error(rightExpr.span, message("TYP006", "inRight", { found: describe(right.type) }));
      return { type: BOOL, ir: { op: "literal", value: false } };
    }
    const item = right.type.kind === "list" ? right.type.item : ANY;
    if (!comparable(left.type, item)) ctx.error(expr.span, message("TYP008", "cannotFind", { item: describe(left.type), items: describe(item) }));
    checkEnumLiteralsIn(rightExpr, left.type, env);
    return { type: BOOL, ir: { op: "in", item: left.ir, list: right.ir, as: compareAs(left.type) ?? compareAs(item) ?? "value" } };
  }
  const dateProblem = dateLiteralProblem(right.type, left.type) ?? dateLiteralProblem(left.type, right.type);
  if (dateProblem) {
    const [literal, other] = dateLiteralProblem(right.type, left.type) ? [rightExpr, leftExpr] : [leftExpr, rightExpr];
    // A day written against a datetime: the docs' fix, compare the datetime's day.
    const day = literal.kind === "string" && /^\d{4}-\d{2}-\d{2}$/.test(literal.value) && (other === leftExpr ? left : right).type.kind === "datetime";
    ctx.error(literal.span, dateProblem, day ? { notes: [{ message: message("TYP008", "dateFix", { expression: ctx.source.text.slice(other.span.start, other.span.end) }).text }] } : {});
  } else if (!comparable(left.type, right.type)) {
    ctx.error(expr.span, message("TYP008", "cannotCompare", { left: describe(left.type), right: describe(right.type) }), { notes: dateFix(left.type, right.type, leftExpr, rightExpr, ctx) });
  } else if (op !== "==" && op !== "!=" && (!ordered(left.type) || !ordered(right.type))) {
    ctx.error(expr.span, message("TYP008", "unordered", { operator: op, found: describe(left.type) }));
  }
  checkEnumLiteral(rightExpr, left.type, env);
  checkEnumLiteral(leftExpr, right.type, env);
  const as = compareAs(telling(left.type) || !telling(right.type) ? (left.type.kind === "null" || left.type.kind === "any" ? right.type : left.type) : right.type) ?? "value";
  return { type: BOOL, ir: { op: "compare", operator: op, as, left: left.ir, right: right.ir } };
}

/**
 * `a + b - c`, applied from the left, one operator at a time in a loop: `+` joins texts when
 * either side so far is text, and adds numbers otherwise. A run of arithmetic, or of joining,
 * grows one step of the plan rather than nesting a step per operator.
 */
function checkArithmetic(expr: Extract<A.Expr, { kind: "binary" }>, env: Env): Typed {
  const { ctx } = env;
  const { operands, operators } = expr;
  let left = checkExpr(operands[0]!, env);
  // The parts of the `concat`, or the operands and operators of the `arithmetic`, that `left` is
  // while this chain grows it; undefined when `left` is something else.
  let parts: P.Expr[] | undefined;
  let terms: { operands: P.Expr[]; operators: P.ArithmeticOperator[] } | undefined;
  for (let i = 0; i < operators.length; i++) {
    const op = operators[i] as P.ArithmeticOperator;
    const rightExpr = operands[i + 1]!;
    const right = checkExpr(rightExpr, env);
    // What is on the left of this operator: everything before it.
    const leftSpan = { start: expr.span.start, end: operands[i]!.span.end };
    if (op === "+" && (isText(left.type) || isText(right.type))) {
      if (!parts) parts = left.ir.op === "concat" ? [...left.ir.parts] : [left.ir];
      if (right.ir.op === "concat") for (const part of right.ir.parts) parts.push(part);
      else parts.push(right.ir);
      checkJoinable(leftSpan, left.type, ctx);
      checkJoinable(rightExpr.span, right.type, ctx);
      left = { type: STR, ir: { op: "concat", parts } };
      terms = undefined;
      continue;
    }
    checkNumeric(leftSpan, left.type, op, ctx);
    checkNumeric(rightExpr.span, right.type, op, ctx);
    const type = left.type.kind === "int" && right.type.kind === "int" && op !== "/" ? INT : NUM;
    terms ??= { operands: [left.ir], operators: [] };
    terms.operands.push(right.ir);
    terms.operators.push(op);
    left = { type, ir: { op: "arithmetic", operands: terms.operands, operators: terms.operators } };
    parts = undefined;
  }
  return left;
}

function isText(type: Type): boolean {
  return type.kind === "str" || type.kind === "enum";
}

/** Compare as the more telling side: a date beats the string literal it is compared with. */
function telling(t: Type): boolean {
  return t.kind !== "null" && t.kind !== "any" && !(t.kind === "enum" && t.values.length === 1);
}

function checkJoinable(side: Span, t: Type, ctx: Env["ctx"]): void {
  if (t.kind === "list" || t.kind === "object" || t.kind === "bool") ctx.error(side, message("TYP010", "joinsTexts", { found: describe(t) }));
}

function checkNumeric(side: Span, t: Type, op: string, ctx: Env["ctx"]): void {
  if (isNumeric(t)) return;
  ctx.error(side, op === "+" ? message("TYP010", "plusNeeds", { found: describe(t) }) : message("TYP010", "needsNumbers", { operator: op, found: describe(t) }));
}

/** A string literal compared with an enum must be one of its values: `status == "Succeded"` is a typo. */
function checkEnumLiteral(literal: A.Expr, against: Type, env: Env): void {
  if (literal.kind !== "string" || against.kind !== "enum") return;
  env.ctx.index.allowed.push({ span: literal.span, values: against.values });
  if (!against.values.includes(literal.value)) {
    const suggestion = didYouMean(literal.value, against.values);
    env.ctx.error(literal.span, message("TYP004", "notAllowed", { value: JSON.stringify(literal.value), allowed: describe(against) }), {
      ...(suggestion !== undefined ? { suggestion: JSON.stringify(suggestion) } : {}),
    });
  }
}

function checkEnumLiteralsIn(listExpr: A.Expr, item: Type, env: Env): void {
  if (listExpr.kind !== "list") return;
  for (const element of listExpr.items) checkEnumLiteral(element, item, env);
}

/** A path from an alias through fields: `contact.address.city` -> alias contact, ["address", "city"]. */
export interface FieldPath {
  readonly alias: string;
  readonly path: string[];
  readonly type: Type;
  readonly span: A.Expr["span"];
}

export function fieldPath(expr: A.Expr): { alias: string; path: string[] } | undefined {
  const path: string[] = [];
  let current = expr;
  while (current.kind === "member") {
    path.unshift(current.field.name);
    current = current.object;
  }
  if (current.kind !== "name" || path.length === 0) return undefined;
  return { alias: current.name, path };
}

/** The aliases an expression's plan step reads, so a check can tell which side it is about. */
export function varsOf(ir: P.Expr, into = new Set<string>()): Set<string> {
  walk(ir, (e) => {
    if (e.op === "var") into.add(e.name);
  });
  return into;
}
