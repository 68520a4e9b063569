// Each function's examples, as written in its declaration, compile and give their result.
import { describe, expect, it } from "vitest";
import { FUNCTIONS, FUNCTIONS_BY_NAME } from "../../../src/language/functions/catalog.js";
import type { Expr } from "../../../src/plan/types.js";
import { compileSpec } from "../../../src/language/compile.js";
import { SYSTEMS } from "../../helpers.js";

/** Evaluates the literal expressions examples are made of, with the catalog's own functions. */
function evaluate(e: Expr): unknown {
  switch (e.op) {
    case "literal":
      return e.value;
    case "list":
      return e.items.map(evaluate);
    case "object": {
      const table = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of e.entries) table[k] = evaluate(v);
      return table;
    }
    case "negate":
      return -(evaluate(e.arg) as number);
    case "call": {
      const fn = FUNCTIONS_BY_NAME.get(e.fn)!;
      if (e.fn === "one") {
        const items = evaluate(e.args[0]!) as unknown[];
        return items.length === 1 ? items[0] : null;
      }
      return fn.evaluate!(e.args.map(evaluate));
    }
    default:
      throw new Error(`examples use literals only, not ${e.op}`);
  }
}

describe("function examples", () => {
  for (const fn of FUNCTIONS) {
    for (const example of fn.examples) {
      it(`${example.call} is ${JSON.stringify(example.result)}`, () => {
        const spec = `sync raisedonors <-> virtuous\nview example = from donor in raisedonors.donors\n  let value = ${example.call}\n  select value\n`;
        const compiled = compileSpec(spec, "example.sync", SYSTEMS);
        expect(compiled.diagnostics.map((d) => d.message)).toEqual([]);
        const let_ = compiled.plan!.views[0]!.clauses[1]!;
        expect(let_.kind).toBe("let");
        expect(evaluate((let_ as { value: Expr }).value)).toEqual(example.result);
      });
    }
  }

  it("every function but linked has an example", () => {
    for (const fn of FUNCTIONS) if (fn.name !== "linked") expect(fn.examples.length, fn.name).toBeGreaterThan(0);
  });
});
