// Safety limits as `check` sees them: a limit's floor reaches the plan, and a rule that deletes
// from a collection no `limit deletes of` covers is warned about at its `delete` (SEM015), the
// warning grammar/errors.md shows (test/golden/problems/SEM015.txt: golden specs all fail, and a
// warning is given only for a spec without errors).
import { describe, expect, it } from "vitest";
import { renderText } from "../../../src/diagnostics/render.js";
import { compileSpec } from "../../../src/language/compile.js";
import { SEED_SPECS, SYSTEMS } from "../../helpers.js";
import { expectExampleText } from "../../diagnostics/examples.js";

const RULES = `sync volunteerhub -> altru

from relationship in altru.relationships
  where relationship.volunteerhub_group_uid != null
  where volunteerhub.userGroups[relationship.volunteerhub_group_uid] == null
  delete relationship

from registration in volunteerhub.registrations
  where registration.Deleted
  delete altru.timesheets key "vh-reg-" + registration.RegistrationUid
`;

function compiled(text: string, file = "specs/groups.sync") {
  return compileSpec(text, file, SYSTEMS);
}

describe("limit ... when more than COUNT", () => {
  it("puts the floor in the plan, and leaves it out without the clause", () => {
    const plan = compiled(`${RULES}\nlimit deletes of altru.relationships to 50% when more than 20\nlimit deletes of altru.timesheets to 10%\n`).plan!;
    expect(plan.limits).toEqual([
      expect.objectContaining({ measure: "deletes", system: "altru", collection: "relationships", percent: 50, floor: 20 }),
      expect.objectContaining({ measure: "deletes", system: "altru", collection: "timesheets", percent: 10 }),
    ]);
    expect(plan.limits[1]).not.toHaveProperty("floor");
  });

  it("reads `more` and `than` as words only there: a field named `more` or `than` still parses", () => {
    const result = compiled("sync raisedonors -> virtuous\nparam more: int = 1\nparam than: int = 2\nview v = from d in raisedonors.donors where more < than select d\n");
    expect(result.diagnostics).toEqual([]);
  });

  it("says what a floor needs when it is missing its words", () => {
    const messages = (clause: string): string[] => compiled(`${RULES}\nlimit deletes of altru.relationships to 50% ${clause}\n`).diagnostics.map((d) => `${d.code}: ${d.message}`);
    expect(messages("when 20")).toEqual(["SYN001: expected `more than` in this `limit`, found the number 20"]);
    expect(messages("when more 20")).toEqual(["SYN001: expected `than` in this `limit`, found the number 20"]);
    expect(messages("when more than")).toEqual(["SYN003: expected a number in this `limit`, found the end of the file"]);
  });
});

describe("SEM015: a delete that no `limit deletes of` covers", () => {
  it("is a warning at each such `delete`, telling the fix, and the spec still compiles", () => {
    const result = compiled(`${RULES}\nlimit deletes of altru.timesheets to 50% when more than 20\n`);
    expect(result.plan).toBeDefined();
    expect(result.diagnostics).toHaveLength(1);
    const [warning] = result.diagnostics;
    expect(warning).toMatchObject({ code: "SEM015", severity: "warning" });
    expect(warning!.message).toBe("nothing limits the deletes from altru.relationships; add `limit deletes of altru.relationships to N% when more than M`");
    expect(result.source.text.slice(warning!.span.start, warning!.span.end)).toBe("delete relationship");
    expectExampleText("SEM015", renderText(warning!, result.source));
  });

  it("covers each collection by its own limit: a limit on another collection does not count", () => {
    const none = compiled(RULES).diagnostics;
    expect(none.map((d) => [d.code, RULES.slice(d.span.start, d.span.end)])).toEqual([
      ["SEM015", "delete relationship"],
      ["SEM015", "delete altru.timesheets"],
    ]);
    const both = compiled(`${RULES}\nlimit deletes of altru.relationships to 50%\nlimit deletes of altru.timesheets to 50% when more than 20\n`);
    expect(both.diagnostics).toEqual([]);
  });

  it("is not given for a spec with errors, whose rules may not all have been read", () => {
    const result = compiled(`${RULES}\nfrom r in altru.relationshipz\n  delete r\n`);
    expect(result.diagnostics.map((d) => d.code)).not.toContain("SEM015");
    expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
  });

  it("is not given for any seed spec: every spec that deletes has its limits", () => {
    for (const spec of SEED_SPECS) {
      const result = compileSpec(spec.text, spec.file, SYSTEMS);
      expect(result.diagnostics.map((d) => renderText(d, result.source)), spec.file).toEqual([]);
    }
  });
});
