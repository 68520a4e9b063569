// Long chains of one operator are flat: a 1,000-term `or` or a 1,500-term `+` compiles, formats,
// passes the plan's schema and runs, with no stage recursing once per operand. Expressions
// that truly nest are held to MAX_NESTING levels, and past it refused with SYN004 where the
// limit is crossed, before any stage can run out of stack.
import { describe, expect, it } from "vitest";
import { compileSpec, parseSpec } from "../../../src/language/compile.js";
import { formatSpec } from "../../../src/language/format/format.js";
import { MAX_NESTING } from "../../../src/language/parser/nesting.js";
import { planSchemaProblems } from "../../../src/plan/validate.js";
import type { Expr } from "../../../src/plan/types.js";
import { SYSTEMS, shape } from "../../helpers.js";
import { keyed, outcomeKeys, run } from "../../engine/support.js";

const times = (count: number, term: (i: number) => string): string => Array.from({ length: count }, (_, i) => term(i)).join("");

// 1,000 terms of `or`; 1,500 of `+` joining text, of `+` and `-` adding numbers, of `and`, of
// `*` and `/`, and 1,500 numbers added up.
const ids = `gift.id == "g0"${times(999, (i) => ` or gift.id == "g${i + 1}"`)}`;
const key = `"rd-" + gift.id${times(1498, () => ` + "a"`)}`;
const amount = `gift.amount${times(750, () => " + 2 - 1")}`;
const total = `1${times(1499, (i) => ` + ${i + 2}`)}`;
const checks = `gift.amount > 0${times(1499, () => " and gift.amount > 0")}`;
const product = `gift.amount${times(749, () => " * 2 / 2")} == gift.amount`;

const SPEC = `sync raisedonors -> virtuous

from gift in raisedonors.gifts
  where ${ids}
  where ${total} == ${(1500 * 1501) / 2}
  where ${checks}
  where ${product}
  create virtuous.gifts key ${key} {
    contactId = "rd-" + gift.donorId
    amount = ${amount}
    giftDate = gift.date
    transactionSource = "RaiseDonors"
    transactionId = gift.id
  }
`;

const gift = (id: string, amount: number) => ({ id, donorId: "d1", amount, currency: "USD", date: "2026-10-30", status: "Succeeded", isTestMode: false });

describe("a long chain of one operator", () => {
  const compiled = compileSpec(SPEC, "long-chains.sync", SYSTEMS);

  it("compiles with no diagnostics, to one step per chain that passes the plan's schema", () => {
    expect(compiled.diagnostics).toEqual([]);
    const plan = compiled.plan!;
    expect(planSchemaProblems(plan)).toEqual([]);
    const [, ors, sum, ands] = plan.rules[0]!.clauses;
    expect(ors?.kind === "where" && ors.condition.op === "or" && ors.condition.args.length).toBe(1000);
    expect(ands?.kind === "where" && ands.condition.op === "and" && ands.condition.args.length).toBe(1500);
    const added = sum?.kind === "where" && sum.condition.op === "compare" ? (sum.condition.left as Extract<Expr, { op: "arithmetic" }>) : undefined;
    expect(added?.operands).toHaveLength(1500);
    const action = plan.rules[0]!.action;
    expect(action.key.op === "concat" && action.key.parts.length).toBe(1500);
  });

  it("runs: the `or` picks its gifts, and the key and the amount are what the chains add up to", () => {
    const result = run(compiled.plan!, {
      raisedonors: { donors: {}, gifts: keyed([gift("g5", 10), gift("g999", 2.5), gift("g1000", 10)]) },
      virtuous: { contacts: {}, gifts: {} },
    });
    expect(result.failure).toBeUndefined();
    const suffix = "a".repeat(1498);
    expect(outcomeKeys(result, "create").sort()).toEqual([`virtuous.gifts rd-g5${suffix}`, `virtuous.gifts rd-g999${suffix}`]);
    const created = result.patches["virtuous"]!.find((op) => op.path === `/gifts/rd-g5${suffix}`);
    expect(created?.op === "add" && (created.value as { amount: number }).amount).toBe(760);
  });

  it("formats to text that parses to the same AST, and formats again to itself", () => {
    const parsed = parseSpec(SPEC, "long-chains.sync");
    const out = formatSpec(parsed.ast!, SPEC);
    const again = parseSpec(out, "long-chains.sync");
    expect(again.diagnostics).toEqual([]);
    expect(shape(again.ast)).toBe(shape(parsed.ast));
    expect(formatSpec(again.ast!, out)).toBe(out);
    expect(compileSpec(out, "long-chains.sync", SYSTEMS).diagnostics).toEqual([]);
  });

  it("of comparisons is refused once, where it starts to chain", () => {
    const parsed = parseSpec(`sync raisedonors -> virtuous\nparam p: bool = 0${times(1500, (i) => ` < ${i + 1}`)}\n`, "x.sync");
    expect(parsed.diagnostics.map((d) => [d.code, parsed.source.position(d.span.start).column])).toEqual([["SYN009", 23]]);
  });
});

describe("expressions nested too deep", () => {
  const HEAD = "sync raisedonors -> virtuous\nparam p: bool = ";
  const N = 10_000;

  /** The one diagnostic of a spec whose param's default is `expr`: its code, line, column and message. */
  function refusal(expr: string) {
    const parsed = parseSpec(`${HEAD}${expr}\n`, "deep.sync");
    expect(parsed.ast).toBeUndefined();
    expect(parsed.diagnostics).toHaveLength(1);
    const d = parsed.diagnostics[0]!;
    const { line, column } = parsed.source.position(d.span.start);
    return { code: d.code, line, column, message: d.message };
  }
  const brackets = "brackets or prefix operators nest more than 64 levels deep here";
  const expressions = "expressions nest more than 64 levels deep here";
  // The param's default starts at column 17 of line 2.
  const at = (column: number, message: string) => ({ code: "SYN004", line: 2, column, message });

  it("is allowed up to the limit", () => {
    const nested = (levels: number) => `${"if true then ".repeat(levels)}true${" else false".repeat(levels)}`;
    expect(parseSpec(`${HEAD}${nested(MAX_NESTING)}\n`, "deep.sync").diagnostics).toEqual([]);
    expect(refusal(nested(MAX_NESTING + 1))).toEqual(at(17 + 13 * 64 + 3, expressions));
  });

  it("in brackets, calls and lists, at the bracket past the limit", () => {
    expect(refusal(`${"(".repeat(N)}true${")".repeat(N)}`)).toEqual(at(17 + 64, brackets));
    expect(refusal(`${"lower(".repeat(N)}"a"${")".repeat(N)} == "a"`)).toEqual(at(17 + 6 * 64 + 5, brackets));
    expect(refusal(`1 in ${"[".repeat(N)}1${"]".repeat(N)}`)).toEqual(at(17 + 5 + 64, brackets));
  });

  it("of prefixes, at the prefix past the limit", () => {
    expect(refusal(`${"not ".repeat(N)}true`)).toEqual(at(17 + 4 * 64, brackets));
  });

  it("in `if`, at the part of the `if` past the limit", () => {
    // In the condition of the 65th `if`, whichever branch the `if`s nest in.
    expect(refusal(`${"if true then ".repeat(N)}true${" else false".repeat(N)}`)).toEqual(at(17 + 13 * 64 + 3, expressions));
    expect(refusal(`${"if false then false else ".repeat(N)}true`)).toEqual(at(17 + 25 * 64 + 3, expressions));
    expect(refusal(`${"if ".repeat(N)}true${" then true else false".repeat(N)}`)).toEqual(at(17 + 3 * 65, expressions));
  });

  it("through `not` after a comparison, at the node past the limit", () => {
    // true == (not (true == (not ...))): each `== not` is two levels, and the `true` after the
    // 32nd `not` is 65 levels in.
    expect(refusal(`true${" == not true".repeat(N)}`)).toEqual(at(17 + 4 + 12 * 31 + 8, expressions));
  });

  it("of prefixes between brackets, none of them past the limit alone", () => {
    // Ten `not`s in each of 30 brackets: the 66th `not` is 65 levels in.
    expect(refusal(`${`${"not ".repeat(10)}(`.repeat(30)}true${")".repeat(30)}`)).toEqual(at(17 + 41 * 6 + 4 * 5, expressions));
  });

  it("in a path of fields, at the step past the limit", () => {
    // x.a.a... == null with 1,000 steps: the step that ends the 936th path from x is 65 levels in.
    expect(refusal(`x${".a".repeat(1000)} == null`)).toEqual(at(17 + 1 + 2 * 935 + 1, expressions));
  });
});
