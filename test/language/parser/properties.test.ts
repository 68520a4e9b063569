// The front end never throws on any input, and everything it reports lies inside the source.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KEYWORDS } from "../../../src/language/lexer/tokens.js";
import { SpecParser } from "../../../src/language/parser/grammar.js";
import { compileSpec, parseSpec } from "../../../src/language/compile.js";
import { SEED_SPECS, SYSTEMS } from "../../helpers.js";

const FRAGMENTS = [...KEYWORDS, "->", "<-", "<->", "==", "{", "}", "(", ")", "[", "]", ".", ",", ":", "=", "+", "\n", " ", '"x"', "12", "02:00", "#c\n", "donor", "raisedonors", "donors", "virtuous.contacts", "%", '"', "\\", "@"];
const tokenSoup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((parts) => parts.join(" "));

/** A seed spec with a stretch cut out or replaced: realistic broken input. */
const mutatedSpec = fc
  .record({ spec: fc.constantFrom(...SEED_SPECS), at: fc.nat(), length: fc.nat({ max: 40 }), insert: fc.string({ maxLength: 8 }) })
  .map(({ spec, at, length, insert }) => {
    const start = at % (spec.text.length + 1);
    return spec.text.slice(0, start) + insert + spec.text.slice(start + length);
  });

function assertInside(text: string, diagnostics: readonly { span: { start: number; end: number } }[]): void {
  for (const d of diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
  }
}

function spansOf(node: unknown, into: { start: number; end: number }[] = []): { start: number; end: number }[] {
  if (Array.isArray(node)) node.forEach((n) => spansOf(n, into));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if ((key === "span" || key === "directionSpan") && value && typeof value === "object") into.push(value as { start: number; end: number });
      else spansOf(value, into);
    }
  }
  return into;
}

describe("the parser", () => {
  it("has a grammar Chevrotain validates (no ambiguity, no left recursion)", () => {
    expect(() => new SpecParser()).not.toThrow();
  });

  for (const [name, arbitrary] of [
    ["any string", fc.string({ maxLength: 300 })],
    ["any unicode string", fc.string({ unit: "grapheme", maxLength: 200 })],
    ["a soup of the language's tokens", tokenSoup],
    ["a seed spec with a stretch cut or replaced", mutatedSpec],
  ] as const) {
    it(`never throws on ${name}, and reports only places inside the source`, () => {
      fc.assert(
        fc.property(arbitrary, (text) => {
          const parsed = parseSpec(text, "fuzz.sync");
          assertInside(text, parsed.diagnostics);
          if (parsed.ast) for (const s of spansOf(parsed.ast)) expect(s.end).toBeLessThanOrEqual(text.length);
          const compiled = compileSpec(text, "fuzz.sync", SYSTEMS);
          assertInside(text, compiled.diagnostics);
          // Any error means no plan.
          if (compiled.diagnostics.some((d) => d.severity === "error")) expect(compiled.plan).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });
  }

  it("refuses deep nesting with a message instead of exhausting the stack", () => {
    for (const text of ["sync a <-> b\nparam p: str = " + "(".repeat(5000) + "1" + ")".repeat(5000), "sync a <-> b\nparam p: bool = " + "not ".repeat(50_000) + "true"]) {
      const parsed = parseSpec(text, "deep.sync");
      expect(parsed.ast).toBeUndefined();
      expect(parsed.diagnostics[0]?.code).toBe("SYN004");
    }
  });

  it("refuses a spec over the size limit", () => {
    const parsed = parseSpec(`sync a <-> b\n${"# padding\n".repeat(120_000)}`, "huge.sync");
    expect(parsed.diagnostics[0]?.code).toBe("LEX004");
  });
});
