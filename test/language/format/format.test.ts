// `fmt` output parses to the same AST, keeps every comment, and does not depend on the
// layout it was given.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSpec } from "../../../src/language/format/format.js";
import { parseSpec } from "../../../src/language/compile.js";
import { SEED_SPECS, shape } from "../../helpers.js";

function format(text: string): string {
  const parsed = parseSpec(text, "spec.sync");
  if (!parsed.ast) throw new Error(`does not parse: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  return formatSpec(parsed.ast, text);
}

/** Re-spaces a spec: every run of blanks between tokens becomes 1 to 3 spaces. Newlines stay. */
function respace(text: string, widths: number[]): string {
  let i = 0;
  return text
    .split("\n")
    .map((line) => {
      if (line.trimStart().startsWith("#")) return line;
      return line.replace(/(?<=\S)[ \t]+(?=\S)(?=(?:[^"]*"[^"]*")*[^"]*$)/g, () => " ".repeat(1 + ((widths[i++ % widths.length] ?? 0) % 3)));
    })
    .join("\n");
}

describe("syncspec fmt", () => {
  for (const spec of SEED_SPECS) {
    it(`leaves ${spec.file} as it is (the seed specs are formatted)`, () => {
      expect(format(spec.text)).toBe(spec.text);
    });

    it(`gives ${spec.file} the same AST and comments, and the same output whatever the spacing`, () => {
      const canonical = format(spec.text);
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), fc.nat({ max: 3 }), (widths, indentExtra) => {
          const messy = respace(spec.text, widths)
            .split("\n")
            .map((l) => " ".repeat(indentExtra) + l)
            .join("\n");
          const out = format(messy);
          expect(out).toBe(canonical);
          expect(shape(parseSpec(out, "x.sync").ast)).toBe(shape(parseSpec(spec.text, "x.sync").ast));
        }),
        { numRuns: 25 },
      );
    });
  }

  it("keeps comments put anywhere between items, and is idempotent", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEED_SPECS), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), (spec, picks) => {
        const lines = spec.text.split("\n");
        for (const pick of picks) {
          const at = pick % lines.length;
          lines.splice(at, 0, `# note ${pick}`);
        }
        const text = lines.join("\n");
        const parsed = parseSpec(text, "x.sync");
        if (!parsed.ast) return; // a comment inside a multi-line string cannot happen; other breaks are not this test's concern
        const out = formatSpec(parsed.ast, text);
        for (const pick of picks) expect(out).toContain(`# note ${pick}`);
        expect(shape(parseSpec(out, "x.sync").ast)).toBe(shape(parsed.ast));
        expect(format(out)).toBe(out);
      }),
      { numRuns: 100 },
    );
  });

  it("prints a limit's floor, `when more than COUNT`, and reads it back", () => {
    const text = "sync volunteerhub -> altru\nlimit   deletes of altru.relationships to 50%   when  more\n than 20\nlimit removals of altru.constituents.x to 10.5%\n";
    const out = format(text);
    expect(out).toBe("sync volunteerhub -> altru\nlimit deletes of altru.relationships to 50% when more than 20\nlimit removals of altru.constituents.x to 10.5%\n");
    expect(shape(parseSpec(out, "x.sync").ast)).toBe(shape(parseSpec(text, "x.sync").ast));
    expect(parseSpec(out, "x.sync").ast?.statements[1]).toMatchObject({ kind: "limit", percent: { value: 50 }, floor: { value: 20 } });
    expect(parseSpec(out, "x.sync").ast?.statements[2]).not.toHaveProperty("floor");
  });

  it("breaks a long else-if chain before each else, one choice a line", () => {
    const text =
      'sync raisedonors <-> virtuous\nlink donor in raisedonors.donors <-> contact in virtuous.contacts {\n  match contact.referenceId == donor.id\n  create contact key "rd-" + donor.id {\n    name = if donor.isOrganization then donor.organizationName else if donor.firstName == null then donor.lastName else donor.firstName + " " + donor.lastName\n  }\n}\n';
    const out = format(text);
    expect(out).toContain(
      '    name = if donor.isOrganization then donor.organizationName\n      else if donor.firstName == null then donor.lastName\n      else donor.firstName + " " + donor.lastName\n',
    );
    expect(shape(parseSpec(out, "x.sync").ast)).toBe(shape(parseSpec(text, "x.sync").ast));
    expect(format(out)).toBe(out);
  });

  it("writes strings and numbers so that they read back the same", () => {
    const text = 'sync raisedonors <-> virtuous\nparam p: str = "tab\\there \\"quoted\\" back\\\\slash \\u0001"\nparam n: num = 100000000000000000000000\nparam m: num = 0.000001\n';
    const out = format(text);
    expect(shape(parseSpec(out, "x.sync").ast)).toBe(shape(parseSpec(text, "x.sync").ast));
  });
});
