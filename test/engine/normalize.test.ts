// `as FUNCTION` on a mapping: values that differ only in a way the spec normalises (phone
// formats, email case) are the same, so a run writes nothing and two-way fields never flip.
import { describe, expect, it } from "vitest";
import { compileSpec } from "../../src/language/compile.js";
import { SYSTEMS } from "../helpers.js";
import { allEmpty, applyAll, run, type Docs } from "./support.js";

const SPEC = `sync raisedonors <-> virtuous

link donor in raisedonors.donors <-> contact in virtuous.contacts {
  match contact.referenceSource == "RaiseDonors" and contact.referenceId == donor.id
  donor.phone <-> contact.phone as digits
  donor.email -> contact.email as lower
  conflicts newest by donor.modifiedDate, contact.modifiedDateTimeUtc, tie raisedonors
}
`;

const plan = compileSpec(SPEC, "normalize.sync", SYSTEMS).plan!;

function world(donorPhone: string, contactPhone: string, donorEmail: string, contactEmail: string): Docs {
  return {
    raisedonors: {
      donors: { "1": { id: "1", firstName: "Ann", lastName: "Lee", isOrganization: false, phone: donorPhone, email: donorEmail, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false } },
      gifts: {},
    },
    virtuous: {
      contacts: {
        c1: { id: "c1", contactType: "Household", name: "Ann Lee", phone: contactPhone, email: contactEmail, referenceSource: "RaiseDonors", referenceId: "1", isArchived: false, modifiedDateTimeUtc: "2026-11-02T00:00:00Z" },
      },
      gifts: {},
    },
  };
}

describe("mappings compared through a function", () => {
  it("write nothing when the values differ only in format or case, run after run", () => {
    let docs = world("202-555-0101", "(202) 555-0101", "Ann@Example.org", "ann@example.org");
    let state;
    for (let i = 0; i < 3; i++) {
      const result = run(plan, docs, state ? { state } : {});
      expect(result.outcomes.filter((o) => o.action === "conflict")).toEqual([]);
      expect(allEmpty(result)).toBe(true);
      docs = applyAll(docs, result.patches);
      state = result.state;
    }
  });

  it("still carry a real change, in the changing side's format", () => {
    const first = run(plan, world("202-555-0101", "(202) 555-0101", "ann@example.org", "ann@example.org"));
    const changed = world("202-555-0199", "(202) 555-0101", "ann@example.org", "ann@example.org");
    const second = run(plan, changed, { state: first.state });
    expect(second.patches["virtuous"]).toEqual([{ op: "replace", path: "/contacts/c1/phone", value: "202-555-0199" }]);
    const settled = run(plan, applyAll(changed, second.patches), { state: second.state });
    expect(allEmpty(settled)).toBe(true);
  });

  it("write a one-way value whose normalised form differs", () => {
    const result = run(plan, world("202-555-0101", "202-555-0101", "ann@new.org", "ann@old.org"));
    expect(result.patches["virtuous"]).toEqual([{ op: "replace", path: "/contacts/c1/email", value: "ann@new.org" }]);
  });

  it("compare through a chain of functions, applied in the order written", () => {
    const chained = compileSpec(SPEC.replace("donor.email -> contact.email as lower", "donor.email -> contact.email as trim, lower"), "chain.sync", SYSTEMS);
    expect(chained.diagnostics).toEqual([]);
    const chain = chained.plan!;
    expect(chain.links[0]!.mappings.find((m) => JSON.stringify(m).includes("email"))).toMatchObject({ compare: "trim, lower" });
    // Spaces and case alike: the same address, nothing written.
    expect(allEmpty(run(chain, world("202-555-0101", "202-555-0101", "  Ann@Example.org ", "ann@example.org")))).toBe(true);
    // A different address still flows, as written.
    expect(run(chain, world("202-555-0101", "202-555-0101", " ann@new.org", "ann@old.org")).patches["virtuous"]).toEqual([{ op: "replace", path: "/contacts/c1/email", value: " ann@new.org" }]);
  });
});
