// A rule that updates records without creating any (`update SYSTEM.COLLECTION key K`): it
// writes into the records that are there, makes none where there is none, and need not give
// what a new record requires.
import { expect, it } from "vitest";
import { compileSpec } from "../../src/language/compile.js";
import { SYSTEMS } from "../helpers.js";
import { allEmpty, applyAll, run, type Docs } from "./support.js";

const SPEC = `sync raisedonors -> virtuous

# The donor's email, written into the contact made for it elsewhere; no contact is made here.
from donor in raisedonors.donors
  update virtuous.contacts key "rd-" + donor.id {
    email = donor.email
  }
`;

it("updates the records that are there, creates none, and needs no required field", () => {
  const compiled = compileSpec(SPEC, "update.sync", SYSTEMS);
  expect(compiled.diagnostics).toEqual([]);
  const contact = { id: "rd-1", contactType: "Household", name: "Ann Lee", email: "old@example.org", referenceSource: "RaiseDonors", referenceId: "1", isArchived: false, modifiedDateTimeUtc: "2026-11-02T00:00:00Z" };
  const donor = (id: string, email: string) => ({ id, firstName: "A", lastName: "B", isOrganization: false, email, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false });
  const docs: Docs = { raisedonors: { donors: { "1": donor("1", "ann@example.org"), "2": donor("2", "bo@example.org") }, gifts: {} }, virtuous: { contacts: { "rd-1": contact }, gifts: {} } };
  const result = run(compiled.plan!, docs);
  expect(result.patches["virtuous"]).toEqual([{ op: "replace", path: "/contacts/rd-1/email", value: "ann@example.org" }]);
  // Planning again over what it wrote gives nothing.
  expect(allEmpty(run(compiled.plan!, applyAll(docs, result.patches)))).toBe(true);
  // The same block as an upsert would make rd-2, and is refused for the fields a new contact requires.
  expect(compileSpec(SPEC.replace("update virtuous", "upsert virtuous"), "update.sync", SYSTEMS).diagnostics.map((d) => d.code)).toEqual(["SEM013"]);
});
