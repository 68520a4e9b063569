// Plan expressions compiled once into closures: each name is resolved to a slot of the row's
// frame at compile time, so evaluating a row is calls and array reads, with no lookups by
// name and no eval. Every step is linear in its input (lookups go through indexes).
import { FUNCTIONS_BY_NAME } from "../language/functions/catalog.js";
import type { ArithmeticOperator, Expr, Side, Source } from "../plan/types.js";
import { field, isEmpty, order, same, setKey } from "../json/values.js";

/** A row's values, by slot. */
export type Frame = unknown[];
/** An expression ready to run: over one row, and for aggregates over the rows of a group. */
export type Compiled = (frame: Frame, group?: readonly Frame[]) => unknown;

/** Thrown (not an Error: no stack is needed) when a row must be skipped, with the reason. */
export class SkipRow {
  constructor(readonly reason: string) {}
}

/** What expressions read besides their row: the snapshots, views, links and the run's values. */
export interface EvalContext {
  param(name: string): unknown;
  readonly now: string;
  readonly lastRun: string | null;
  rows(source: Source): readonly unknown[];
  /** The rows a pass over a rule's own records reads: of a collection read in part, the records read (see RunContext.scan). */
  scan(source: Source): readonly unknown[];
  byKey(source: Source, key: string): unknown;
  /**
   * Rows whose `fields` equal `values`; `id` names the index for reuse across rows. `paths`
   * names each field that is a plain field of the row, for a collection read in part to ask by.
   */
  find(source: Source, id: string, fields: readonly Compiled[], values: readonly unknown[], paths: readonly (string | undefined)[]): readonly unknown[];
  linked(link: number, from: Side, record: unknown): unknown;
}

/** The field an expression reads when it is a plain field of the name `alias` (contact.referenceId), else undefined. */
export function plainField(expr: Expr, alias: string): string | undefined {
  return expr.op === "get" && expr.of.op === "var" && expr.of.name === alias ? expr.field : undefined;
}

export function sourceName(source: Source): string {
  return "view" in source ? source.view : `${source.system}.${source.collection}`;
}

function describe(expr: Expr): string {
  switch (expr.op) {
    case "get":
      return expr.of.op === "var" && expr.of.name === "$" ? expr.field : `${describe(expr.of)}.${expr.field}`;
    case "var":
      return expr.name;
    case "call":
      return `${expr.fn}(${expr.args.map(describe).join(", ")})`;
    default:
      return "a value";
  }
}

export function compileExpr(expr: Expr, slots: ReadonlyMap<string, number>, ctx: EvalContext): Compiled {
  const c = (e: Expr): Compiled => compileExpr(e, slots, ctx);
  switch (expr.op) {
    case "literal": {
      const value = expr.value;
      return () => value;
    }
    case "param": {
      const name = expr.name;
      return () => ctx.param(name);
    }
    case "var": {
      const slot = slots.get(expr.name);
      if (slot === undefined) throw new Error(`plan: the name ${expr.name} is not bound here`);
      return (frame) => frame[slot];
    }
    case "now":
      return () => ctx.now;
    case "lastRun":
      return () => ctx.lastRun;
    case "get": {
      const name = expr.field;
      // A field of a name bound in the frame (donor.email), the most common expression of all:
      // read from its slot, without a call for the name.
      const slot = expr.of.op === "var" ? slots.get(expr.of.name) : undefined;
      if (slot !== undefined) {
        return (frame) => {
          const value = frame[slot];
          return Array.isArray(value) ? fieldOfEach(value, name) : field(value, name);
        };
      }
      const of = c(expr.of);
      return (frame, group) => {
        const value = of(frame, group);
        return Array.isArray(value) ? fieldOfEach(value, name) : field(value, name);
      };
    }
    case "rows": {
      const source = expr.source;
      return () => ctx.rows(source);
    }
    case "byKey": {
      const source = expr.source;
      const key = c(expr.key);
      return (frame, group) => {
        const k = key(frame, group);
        return isEmpty(k) ? null : ctx.byKey(source, String(k));
      };
    }
    case "find": {
      const source = expr.source;
      const candidate = new Map([["$", 0]]);
      const fields = expr.fields.map((f) => compileExpr(f, candidate, ctx));
      const values = expr.values.map(c);
      const id = `${sourceName(source)}[${JSON.stringify(expr.fields)}]`;
      const paths = expr.fields.map((f) => plainField(f, "$"));
      return (frame, group) => ctx.find(source, id, fields, values.map((v) => v(frame, group)), paths);
    }
    case "linked": {
      const record = c(expr.record);
      const { link, from } = expr;
      return (frame, group) => ctx.linked(link, from, record(frame, group));
    }
    case "call":
      return compileCall(expr, c);
    case "aggregate":
      return compileAggregate(expr, c);
    case "compare": {
      const left = c(expr.left);
      const right = c(expr.right);
      const as = expr.as;
      // Against text written in the spec (contact.referenceSource == "RaiseDonors"), a value is
      // the same only when it is that text: one comparison, for every record of a collection.
      const rightText = textLiteral(expr.right);
      const text = as === "datetime" || as === "number" ? undefined : rightText ?? textLiteral(expr.left);
      if (text !== undefined) {
        const other = rightText !== undefined ? left : right;
        if (expr.operator === "==") return (f, g) => other(f, g) === text;
        if (expr.operator === "!=") return (f, g) => other(f, g) !== text;
      }
      if (expr.operator === "==") return (f, g) => same(left(f, g), right(f, g), as);
      if (expr.operator === "!=") return (f, g) => !same(left(f, g), right(f, g), as);
      // An order with an empty side is false: nothing is before or after null.
      const test = ORDER_TESTS[expr.operator];
      return (f, g) => {
        const o = order(left(f, g), right(f, g), as);
        return o !== null && test(o);
      };
    }
    case "in": {
      const item = c(expr.item);
      const list = c(expr.list);
      const as = expr.as;
      return (f, g) => {
        const value = item(f, g);
        const items = list(f, g);
        if (isEmpty(value) || !Array.isArray(items)) return false;
        for (const candidate of items) if (same(value, candidate, as)) return true;
        return false;
      };
    }
    case "arithmetic": {
      const operands = expr.operands.map(c);
      const operators = expr.operators;
      if (operators.length !== operands.length - 1) throw new Error("plan: an arithmetic step needs one operator between each two operands");
      // Applied from the left, `((a + b) - c)`, in one loop however long the chain. Every
      // operand is evaluated, in order, as it would be one operator at a time; an empty one,
      // a division by zero or a result past the numbers makes the whole null.
      return (f, g) => {
        const first = operands[0]!(f, g);
        let value = isEmpty(first) ? null : Number(first);
        for (let i = 1; i < operands.length; i++) {
          const v = operands[i]!(f, g);
          value = value === null || isEmpty(v) ? null : arithmetic(operators[i - 1]!, value, Number(v));
        }
        return value;
      };
    }
    case "concat": {
      const parts = expr.parts.map(c);
      // Null joins as empty text: "Ann" + " " + null is "Ann ".
      return (f, g) => {
        let out = "";
        for (const part of parts) {
          const v = part(f, g);
          if (!isEmpty(v)) out += String(v);
        }
        return out;
      };
    }
    case "and": {
      const args = expr.args.map(c);
      return (f, g) => {
        for (const a of args) if (a(f, g) !== true) return false;
        return true;
      };
    }
    case "or": {
      const args = expr.args.map(c);
      return (f, g) => {
        for (const a of args) if (a(f, g) === true) return true;
        return false;
      };
    }
    case "not": {
      const arg = c(expr.arg);
      return (f, g) => arg(f, g) !== true;
    }
    case "negate": {
      const arg = c(expr.arg);
      return (f, g) => {
        const v = arg(f, g);
        return isEmpty(v) ? null : -Number(v);
      };
    }
    case "if": {
      const condition = c(expr.condition);
      const then = c(expr.then);
      const otherwise = c(expr.else);
      return (f, g) => (condition(f, g) === true ? then(f, g) : otherwise(f, g));
    }
    case "list": {
      const items = expr.items.map(c);
      return (f, g) => items.map((i) => i(f, g));
    }
    case "object": {
      const entries = expr.entries.map(([k, v]) => [k, c(v)] as const);
      return (f, g) => {
        const out = Object.create(null) as Record<string, unknown>;
        for (const [k, v] of entries) out[k] = v(f, g);
        return out;
      };
    }
  }
  throw new Error(`plan: unknown expression ${(expr as { op: string }).op}`);
}

/** One operator of an arithmetic step; null for a division by zero or a result that is no finite number. */
function arithmetic(op: ArithmeticOperator, x: number, y: number): number | null {
  const result = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : y === 0 ? null : x / y;
  return result === null || Number.isFinite(result) ? result : null;
}

/** A field of each item of a list, lists flattened and empty values left out: `donor.gifts.amount`. */
function fieldOfEach(items: readonly unknown[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    const v = field(item, name);
    // Item by item, not push(...v): a list may have more items than a call has room for arguments.
    if (Array.isArray(v)) for (const x of v) out.push(x);
    else if (!isEmpty(v)) out.push(v);
  }
  return out;
}

/** The text of a string literal. */
function textLiteral(expr: Expr): string | undefined {
  return expr.op === "literal" && typeof expr.value === "string" ? expr.value : undefined;
}

const ORDER_TESTS: Record<"<" | "<=" | ">" | ">=", (o: number) => boolean> = {
  "<": (o) => o < 0,
  "<=": (o) => o <= 0,
  ">": (o) => o > 0,
  ">=": (o) => o >= 0,
};

function compileCall(expr: Extract<Expr, { op: "call" }>, c: (e: Expr) => Compiled): Compiled {
  const args = expr.args.map(c);
  if (expr.fn === "one") {
    const what = expr.args[0] ? describeLookup(expr.args[0]) : "the lookup";
    const list = args[0]!;
    return (f, g) => {
      const items = list(f, g);
      if (!Array.isArray(items) || items.length === 0) return null;
      if (items.length > 1) throw new SkipRow(`${items.length} records match ${what}, so it is not clear which is meant`);
      return items[0];
    };
  }
  if ((expr.fn === "min" || expr.fn === "max") && expr.compare === "datetime") {
    const list = args[0]!;
    const sign = expr.fn === "max" ? 1 : -1;
    return (f, g) => extreme(list(f, g), sign);
  }
  const declaration = FUNCTIONS_BY_NAME.get(expr.fn);
  const evaluate = declaration?.evaluate;
  if (!evaluate) throw new Error(`plan: the function ${expr.fn} cannot be called here`);
  if (args.length === 1) {
    const only = args[0]!;
    return (f, g) => evaluate([only(f, g)]);
  }
  return (f, g) => evaluate(args.map((a) => a(f, g)));
}

function describeLookup(expr: Expr): string {
  if (expr.op === "find") return `${sourceName(expr.source)} where ${expr.fields.map((f) => `${describe(f)} is the same`).join(" and ")}`;
  return describe(expr);
}

/** The latest (sign 1) or earliest (-1) of datetimes, compared as moments, not as text. */
function extreme(values: unknown, sign: number): unknown {
  if (!Array.isArray(values)) return null;
  let best: unknown = null;
  for (const v of values) {
    if (isEmpty(v)) continue;
    const o = best === null ? 1 : order(v, best, "datetime");
    if (o !== null && o * sign > 0) best = v;
  }
  return best;
}

function compileAggregate(expr: Extract<Expr, { op: "aggregate" }>, c: (e: Expr) => Compiled): Compiled {
  const arg = expr.arg ? c(expr.arg) : undefined;
  const fn = expr.fn;
  const evaluate = FUNCTIONS_BY_NAME.get(fn)!.evaluate!;
  return (frame, group) => {
    const rows = group ?? [frame];
    if (fn === "count") return rows.length;
    const values = rows.map((row) => arg!(row, undefined));
    if (fn === "set") {
      // A set of the rows' values; a row whose value is a list adds each item.
      const seen = new Set<string>();
      const out: unknown[] = [];
      for (const v of values.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
        if (isEmpty(v) || seen.has(setKey(v))) continue;
        seen.add(setKey(v));
        out.push(v);
      }
      return out;
    }
    if ((fn === "min" || fn === "max") && expr.compare === "datetime") return extreme(values, fn === "max" ? 1 : -1);
    return evaluate([values]);
  };
}

