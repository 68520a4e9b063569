// Two rules that set one field of the same records to different values: `check` warns at the
// later one (SEM018), and a run of such a spec stops with RUN001 naming the field and the
// record the rules fought over, with each value and who set it.
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderProblem, renderText } from "../../../src/diagnostics/render.js";
import { compileSpec } from "../../../src/language/compile.js";
import { runPlan } from "../../../src/engine/run.js";
import { emptyState } from "../../../src/state/state.js";
import { readSnapshotFile } from "../../../src/input/snapshots.js";
import { ROOT, SYSTEMS } from "../../helpers.js";
import { expectExampleText } from "../../diagnostics/examples.js";

const write = (field: string) => `from donor in raisedonors.donors
  upsert virtuous.contacts key "rd-" + donor.id {
    name = coalesce(donor.${field}, "")
    contactType = "Household"
    isArchived = false
    modifiedDateTimeUtc = now
  }
`;
const SPEC = `sync raisedonors -> virtuous\n\n${write("firstName")}\n${write("lastName")}`;

it("warns at the later rule's field, and the run names the field and the record it never settles on", () => {
  const result = compileSpec(SPEC, "specs/names.sync", SYSTEMS);
  expect(result.plan).toBeDefined();
  const [warning] = result.diagnostics;
  expect(warning).toMatchObject({ code: "SEM018", severity: "warning" });
  expect(warning!.message).toBe("`name` of virtuous.contacts is written here and by the rule at line 3, by the same key, with another value: a run would set it back and forth and never settle");
  expect(result.source.text.slice(warning!.span.start, warning!.span.end)).toBe('name = coalesce(donor.lastName, "")');
  expectExampleText("SEM018", renderText(warning!, result.source));

  const snapshots = new Map(["raisedonors", "virtuous"].map((system) => [system, readSnapshotFile(join(ROOT, "integrations", system, "sample.json"), SYSTEMS.get(system)!).snapshot!]));
  const run = runPlan({ plan: result.plan!, systems: SYSTEMS, snapshots, state: emptyState(), now: "2026-11-05T00:00:00Z", params: new Map() });
  expect(renderProblem(run.failure!)).toBe(
    'specs/names.sync: error RUN001: the spec never settles: after 25 rounds, the rule at line 3 and the rule at line 11 still change what the other wrote: name of virtuous.contacts rd-1001 was set to "Ann" by the rule at line 3, then to "Lee" by the rule at line 11',
  );
});

it("leaves alone two rules that write one field by different keys, or to the same value", () => {
  const other = SPEC.replace('key "rd-" + donor.id {\n    name = coalesce(donor.lastName', 'key "x-" + donor.id {\n    name = coalesce(donor.lastName');
  expect(compileSpec(other, "specs/names.sync", SYSTEMS).diagnostics).toEqual([]);
  const same = SPEC.replace("donor.lastName", "donor.firstName");
  expect(compileSpec(same, "specs/names.sync", SYSTEMS).diagnostics).toEqual([]);
});
