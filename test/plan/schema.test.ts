// Every plan of a valid spec passes the committed plan schema; plans are deterministic.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planProblems } from "../../src/plan/validate.js";
import { compileSpec } from "../../src/language/compile.js";
import { SEED_SPECS, SYSTEMS } from "../helpers.js";

describe("plans", () => {
  for (const spec of SEED_SPECS) {
    it(`of ${spec.file} pass plan.schema.json and are the same bytes each time`, () => {
      const first = compileSpec(spec.text, spec.file, SYSTEMS);
      expect(first.diagnostics).toEqual([]);
      expect(planProblems(first.plan)).toEqual([]);
      expect(JSON.stringify(compileSpec(spec.text, spec.file, SYSTEMS).plan)).toBe(JSON.stringify(first.plan));
    });
  }

  it("of any seed spec with lines removed pass the schema whenever they compile", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEED_SPECS), fc.array(fc.nat(), { maxLength: 6 }), (spec, drops) => {
        const lines = spec.text.split("\n");
        for (const d of drops) lines.splice(d % lines.length, 1);
        const result = compileSpec(lines.join("\n"), spec.file, SYSTEMS);
        if (result.plan) expect(planProblems(result.plan)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("are refused by the schema when they are not plans", () => {
    const plan = compileSpec(SEED_SPECS[0]!.text, SEED_SPECS[0]!.file, SYSTEMS).plan!;
    expect(planProblems({ ...plan, version: 2 })).not.toEqual([]);
    expect(planProblems({ ...plan, rules: [{ id: 0 }] })).not.toEqual([]);
  });
});
