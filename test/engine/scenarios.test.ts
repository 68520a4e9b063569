// Hand-written cases that pin each bullet of the seven integrations in
// /work/shared/systems.md: exact patches where they are short, resulting records otherwise.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/run.js";
import { compileSpec } from "../../src/language/compile.js";
import { parseState, serializeState } from "../../src/state/state.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { NOW, allEmpty, applyAll, keyed, run, type Docs, type Rec } from "./support.js";
import type { Plan } from "../../src/plan/types.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-02-01T00:00:00Z";
const T2 = "2026-03-01T00:00:00Z";

/** The outcomes of a run that match, as [action, "system.collection key"] pairs, and their reasons. */
function outcome(result: RunResult, action: string, system: string, collection: string, key: string | null) {
  return result.outcomes.find((o) => o.action === action && o.system === system && o.collection === collection && o.key === key);
}
function actions(result: RunResult): string[] {
  return result.outcomes.map((o) => `${o.action} ${o.system}.${o.collection} ${o.key}`);
}
/** Apply, then run again with the state: nothing left to do. */
function settles(spec: string, docs: Docs, result: RunResult, options: Parameters<typeof run>[2] = {}): Docs {
  expect(result.failure).toBeUndefined();
  const after = applyAll(docs, result.patches);
  const again = run(spec, after, { ...options, state: result.state, now: "2026-11-01T15:00:00Z" });
  expect(again.patches, "a second run has nothing to do").toEqual(Object.fromEntries(Object.keys(result.patches).map((s) => [s, []])));
  return after;
}

// ================================================================== raisedonors <-> virtuous

describe("raisedonors-virtuous", () => {
  const RD = "raisedonors-virtuous";
  const donor = (id: string, over: Rec = {}): Rec => ({ id, firstName: "Ann", lastName: "Lee", isOrganization: false, email: "ann@example.org", phone: "555-0100", modifiedDate: T0, isArchived: false, ...over });
  const contact = (id: string, donorId: string | null, over: Rec = {}): Rec => ({
    id,
    contactType: "Household",
    name: "Ann Lee",
    firstName: "Ann",
    lastName: "Lee",
    email: "ann@example.org",
    phone: "555-0100",
    address: null,
    referenceSource: donorId === null ? null : "RaiseDonors",
    referenceId: donorId,
    isArchived: false,
    modifiedDateTimeUtc: T0,
    ...over,
  });
  const world = (donors: Rec[], contacts: Rec[], gifts: Rec[] = [], vGifts: Rec[] = []): Docs => ({
    raisedonors: { donors: keyed(donors), gifts: keyed(gifts) },
    virtuous: { contacts: keyed(contacts), gifts: keyed(vGifts) },
  });
  const gift = (id: string, donorId: string, over: Rec = {}): Rec => ({ id, donorId, amount: 25.5, currency: "USD", date: "2026-10-30", status: "Succeeded", isTestMode: false, ...over });

  it("creates contact rd-<id> for an unlinked household donor, with the exact record, and writes crmKey back", () => {
    const docs = world([donor("1001", { address: { line1: "1 Main St", line2: "Apt 2", city: "Boston", state: "MA", postalCode: "02110", country: "US" } })], []);
    const result = run(RD, docs);
    expect(result.patches).toEqual({
      raisedonors: [{ op: "add", path: "/donors/1001/crmKey", value: "rd-1001" }],
      virtuous: [
        {
          op: "add",
          path: "/contacts/rd-1001",
          value: {
            id: "rd-1001",
            contactType: "Household",
            name: "Ann Lee",
            firstName: "Ann",
            lastName: "Lee",
            email: "ann@example.org",
            phone: "555-0100",
            address: { address1: "1 Main St", address2: "Apt 2", city: "Boston", state: "MA", postal: "02110", country: "US" },
            referenceSource: "RaiseDonors",
            referenceId: "1001",
            isArchived: false,
            modifiedDateTimeUtc: NOW,
          },
        },
      ],
    });
    expect(actions(result)).toEqual(["update raisedonors.donors 1001", "create virtuous.contacts rd-1001"]);
    settles(RD, docs, result);
  });

  it("creates an Organization contact named after organizationName, with null first and last names", () => {
    const docs = world([donor("o/1", { isOrganization: true, organizationName: "Food Bank", firstName: "Ann", lastName: "Lee", phone: null })], []);
    const result = run(RD, docs);
    const add = result.patches["virtuous"]!.find((op) => op.path === "/contacts/rd-o~11")!;
    expect(add).toMatchObject({ op: "add", value: { id: "rd-o/1", contactType: "Organization", name: "Food Bank", firstName: null, lastName: null, phone: null, referenceId: "o/1" } });
    expect(result.patches["raisedonors"]).toEqual([{ op: "add", path: "/donors/o~11/crmKey", value: "rd-o/1" }]);
    settles(RD, docs, result);
  });

  it("links by referenceSource and referenceId, not by key; an unlinked contact is never touched and never becomes a donor", () => {
    const docs = world([donor("1", { crmKey: "c9" })], [contact("c9", "1"), contact("c-other", null, { phone: "999" }), contact("c-manual", "2", { referenceSource: "Manual" })]);
    const result = run(RD, docs);
    expect(result.patches).toEqual({ raisedonors: [], virtuous: [] });
    expect(result.outcomes).toEqual([]);
  });

  it("writes crmKey = contact id on a linked donor whose crmKey is stale", () => {
    const docs = world([donor("1", { crmKey: "old" })], [contact("c9", "1")]);
    expect(run(RD, docs).patches).toEqual({ raisedonors: [{ op: "replace", path: "/donors/1/crmKey", value: "c9" }], virtuous: [] });
  });

  it("flows email one way: RaiseDonors overwrites Virtuous, and a Virtuous email never flows back", () => {
    const docs = world([donor("1", { crmKey: "c9", email: "new@example.org" })], [contact("c9", "1", { email: "old@example.org", modifiedDateTimeUtc: T2 })]);
    expect(run(RD, docs).patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c9/email", value: "new@example.org" }] });
    // A Virtuous-only email change is undone by the next run; it never reaches RaiseDonors.
    const result = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1", { email: "v@example.org", modifiedDateTimeUtc: T2 })]));
    expect(result.patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c9/email", value: "ann@example.org" }] });
  });

  it("two-way with state: a field changed on one side goes to the other, both directions, with no conflict", () => {
    const base = world([donor("1", { crmKey: "c9" })], [contact("c9", "1")]);
    const first = run(RD, base);
    expect(allEmpty(first)).toBe(true);
    // RaiseDonors changed the phone; Virtuous changed the last name (Virtuous is older: no matter).
    const edited = world([donor("1", { crmKey: "c9", phone: "555-0199", modifiedDate: T1 })], [contact("c9", "1", { lastName: "Lee-Smith", modifiedDateTimeUtc: T0 })]);
    const result = run(RD, edited, { state: first.state });
    expect(result.patches).toEqual({
      raisedonors: [{ op: "replace", path: "/donors/1/lastName", value: "Lee-Smith" }],
      virtuous: [{ op: "replace", path: "/contacts/c9/phone", value: "555-0199" }],
    });
    expect(result.outcomes.filter((o) => o.action === "conflict")).toEqual([]);
    settles(RD, edited, result);
  });

  it("a household's contact name is written at creation only", () => {
    const first = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")]));
    const result = run(RD, world([donor("1", { crmKey: "c9", firstName: "Anne", modifiedDate: T1 })], [contact("c9", "1")]), { state: first.state });
    expect(result.patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c9/firstName", value: "Anne" }] });
  });

  it("an organization's organizationName and the contact's name are two-way", () => {
    const org = (over: Rec = {}) => donor("o", { isOrganization: true, organizationName: "Acme", firstName: null, lastName: null, crmKey: "c1", ...over });
    const orgContact = (over: Rec = {}) => contact("c1", "o", { contactType: "Organization", name: "Acme", firstName: null, lastName: null, ...over });
    const first = run(RD, world([org()], [orgContact()]));
    expect(allEmpty(first)).toBe(true);
    const renamedInVirtuous = run(RD, world([org()], [orgContact({ name: "Acme Inc", modifiedDateTimeUtc: T1 })]), { state: first.state });
    expect(renamedInVirtuous.patches).toEqual({ raisedonors: [{ op: "replace", path: "/donors/o/organizationName", value: "Acme Inc" }], virtuous: [] });
    const renamedInRd = run(RD, world([org({ organizationName: "Acme Ltd", modifiedDate: T1 })], [orgContact()]), { state: first.state });
    expect(renamedInRd.patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c1/name", value: "Acme Ltd" }] });
  });

  it("the address is one two-way field, sub-fields renamed", () => {
    const address = { line1: "1 Main St", line2: null, city: "Boston", state: "MA", postalCode: "02110", country: "US" };
    const vAddress = { address1: "1 Main St", address2: null, city: "Boston", state: "MA", postal: "02110", country: "US" };
    const first = run(RD, world([donor("1", { crmKey: "c9", address })], [contact("c9", "1", { address: vAddress })]));
    expect(allEmpty(first)).toBe(true);
    const moved = run(RD, world([donor("1", { crmKey: "c9", address })], [contact("c9", "1", { address: { ...vAddress, address2: "Apt 5", postal: "02111" }, modifiedDateTimeUtc: T1 })]), {
      state: first.state,
    });
    expect(moved.patches["virtuous"]).toEqual([]);
    expect(moved.patches["raisedonors"]).toEqual([
      { op: "replace", path: "/donors/1/address/line2", value: "Apt 5" },
      { op: "replace", path: "/donors/1/address/postalCode", value: "02111" },
    ]);
    // Cleared on one side: cleared on the other.
    const cleared = run(RD, world([donor("1", { crmKey: "c9", address: null, modifiedDate: T1 })], [contact("c9", "1", { address: vAddress })]), { state: first.state });
    expect(cleared.patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c9/address", value: null }] });
  });

  it("both sides changed: the newer record wins and a conflict is reported", () => {
    const first = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")]));
    const docs = world([donor("1", { crmKey: "c9", phone: "555-0001", modifiedDate: T1 })], [contact("c9", "1", { phone: "555-0002", modifiedDateTimeUtc: T2 })]);
    const result = run(RD, docs, { state: first.state });
    expect(result.patches).toEqual({ raisedonors: [{ op: "replace", path: "/donors/1/phone", value: "555-0002" }], virtuous: [] });
    const conflicts = result.outcomes.filter((o) => o.action === "conflict");
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.reason).toContain("phone");
    expect(conflicts[0]!.reason).toContain("virtuous");
    settles(RD, docs, result);
  });

  it("both sides changed at the same moment (spelled differently): RaiseDonors wins the tie", () => {
    const first = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")]));
    const docs = world(
      [donor("1", { crmKey: "c9", phone: "555-0001", modifiedDate: "2026-02-01T00:00:00Z" })],
      [contact("c9", "1", { phone: "555-0002", modifiedDateTimeUtc: "2026-02-01T00:00:00.000+00:00" })],
    );
    const result = run(RD, docs, { state: first.state });
    expect(result.patches).toEqual({ raisedonors: [], virtuous: [{ op: "replace", path: "/contacts/c9/phone", value: "555-0001" }] });
    const conflict = outcome(result, "conflict", "virtuous", "contacts", "c9") ?? outcome(result, "conflict", "raisedonors", "donors", "1");
    expect(conflict?.reason).toMatch(/tie/);
  });

  it("with no last sync, different values now are a conflict: the newer record wins", () => {
    const docs = world([donor("1", { lastName: "Lee", modifiedDate: T2 })], [contact("c9", "1", { lastName: "Li", modifiedDateTimeUtc: T1 })]);
    const result = run(RD, docs);
    expect(result.patches["virtuous"]).toEqual([{ op: "replace", path: "/contacts/c9/lastName", value: "Lee" }]);
    expect(result.outcomes.filter((o) => o.action === "conflict")).toHaveLength(1);
    expect(result.outcomes.find((o) => o.action === "conflict")!.reason).toContain("no last sync");
    settles(RD, docs, result);
  });

  it("never writes modifiedDate or modifiedDateTimeUtc except on create, and never deletes", () => {
    const first = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")]));
    const docs = world([donor("1", { crmKey: "c9", firstName: "Anna", modifiedDate: T2 })], [contact("c9", "1", { phone: "1", modifiedDateTimeUtc: T1 })]);
    const result = run(RD, docs, { state: first.state });
    const paths = Object.values(result.patches).flatMap((ops) => ops.map((op) => op.path));
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => /modified/.test(p))).toEqual([]);
    expect(Object.values(result.patches).flat().filter((op) => op.op === "remove")).toEqual([]);
  });

  it("a succeeded live gift of a linked donor becomes rd-gift-<id>, once; failed, refunded and test gifts do not", () => {
    const docs = world(
      [donor("1", { crmKey: "c9" })],
      [contact("c9", "1")],
      [gift("g1", "1"), gift("g2", "1", { status: "Failed" }), gift("g3", "1", { status: "Refunded" }), gift("g4", "1", { isTestMode: true })],
    );
    const result = run(RD, docs);
    expect(result.patches).toEqual({
      raisedonors: [],
      virtuous: [{ op: "add", path: "/gifts/rd-gift-g1", value: { id: "rd-gift-g1", contactId: "c9", amount: 25.5, giftDate: "2026-10-30", transactionSource: "RaiseDonors", transactionId: "g1" } }],
    });
    settles(RD, docs, result);
  });

  it("a gift already made is never changed afterwards", () => {
    const existing = { id: "rd-gift-g1", contactId: "c-old", amount: 1, giftDate: "2026-01-01", transactionSource: "RaiseDonors", transactionId: "g1" };
    const result = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")], [gift("g1", "1")], [existing]));
    expect(allEmpty(result)).toBe(true);
  });

  it("a gift of an unlinked donor gets its contact and the gift in the same run", () => {
    const docs = world([donor("1")], [], [gift("g1", "1")]);
    const result = run(RD, docs);
    const added = result.patches["virtuous"]!.map((op) => op.path);
    expect(added).toEqual(["/contacts/rd-1", "/gifts/rd-gift-g1"]);
    expect(result.patches["virtuous"]![1]).toMatchObject({ value: { contactId: "rd-1" } });
    settles(RD, docs, result);
  });

  it("a gift whose donor is missing from the snapshot is skipped with a reason", () => {
    const result = run(RD, world([donor("1", { crmKey: "c9" })], [contact("c9", "1")], [gift("g9", "404")]));
    expect(allEmpty(result)).toBe(true);
    const skip = outcome(result, "skip", "raisedonors", "gifts", "g9");
    expect(skip?.reason).toContain("404");
    expect(skip?.reason).toContain("not in the RaiseDonors snapshot");
  });

  it("a donor with two linked contacts is skipped with a reason naming both, and no contact is created", () => {
    const result = run(RD, world([donor("1")], [contact("c1", "1"), contact("c2", "1")]));
    expect(allEmpty(result)).toBe(true);
    const skip = outcome(result, "skip", "raisedonors", "donors", "1");
    expect(skip?.reason).toMatch(/c1.*c2/);
  });

  it("an unlinked donor whose upsert key is taken by an unrelated contact is skipped, not duplicated", () => {
    const result = run(RD, world([donor("1")], [contact("rd-1", null)]));
    expect(allEmpty(result)).toBe(true);
    expect(outcome(result, "skip", "raisedonors", "donors", "1")?.reason).toContain("rd-1");
  });

  describe("event-scoped runs", () => {
    const docs = () =>
      world(
        [donor("1", { crmKey: "c1", phone: "555-0001", email: "new@example.org" }), donor("2", { phone: "555-0002" }), donor("3")],
        [contact("c1", "1", { phone: "555-0100", lastName: "Li", modifiedDateTimeUtc: "2025-12-01T00:00:00Z" })],
        [gift("g3", "3"), gift("g2", "2")],
      );

    it("donor.updated by admin syncs that donor to Virtuous only, and no other donor", () => {
      const result = run(RD, docs(), { event: { system: "raisedonors", type: "donor.updated", actor: "admin", recordId: "1" } });
      // The donor is newer: its values win; email flows; nothing is written to RaiseDonors.
      expect(result.patches).toEqual({
        raisedonors: [],
        virtuous: [
          { op: "replace", path: "/contacts/c1/lastName", value: "Lee" },
          { op: "replace", path: "/contacts/c1/email", value: "new@example.org" },
          { op: "replace", path: "/contacts/c1/phone", value: "555-0001" },
        ],
      });
    });

    it("donor.updated by the donor creates that donor's contact (and nothing for the others)", () => {
      const result = run(RD, docs(), { event: { system: "raisedonors", type: "donor.updated", actor: "donor", recordId: "2" } });
      // The created contact's write-back comes in the same run, and nothing else of RaiseDonors.
      expect(result.patches["raisedonors"]).toEqual([{ op: "add", path: "/donors/2/crmKey", value: "rd-2" }]);
      expect(result.patches["virtuous"]!.map((op) => `${op.op} ${op.path}`)).toEqual(["add /contacts/rd-2"]);
    });

    it("donor.updated by api triggers nothing: empty patches and a skip that says why", () => {
      const result = run(RD, docs(), { event: { system: "raisedonors", type: "donor.updated", actor: "api", recordId: "1" } });
      expect(result.patches).toEqual({ raisedonors: [], virtuous: [] });
      expect(result.outcomes).toHaveLength(1);
      expect(result.outcomes[0]).toMatchObject({ system: "raisedonors", collection: "donors", key: "1", action: "skip" });
      expect(result.outcomes[0]!.reason).toMatch(/no trigger.*donor\.updated by api/);
    });

    it("an event of an unknown type, or for a system without triggers, starts nothing", () => {
      const unknown = run(RD, docs(), { event: { system: "raisedonors", type: "donor.deleted", actor: "admin", recordId: "1" } });
      expect(unknown.patches).toEqual({ raisedonors: [], virtuous: [] });
      expect(unknown.outcomes.map((o) => o.action)).toEqual(["skip"]);
    });

    it("an event naming a record not in the snapshot starts nothing, with a skip", () => {
      const result = run(RD, docs(), { event: { system: "raisedonors", type: "donor.updated", actor: "admin", recordId: "404" } });
      expect(result.patches).toEqual({ raisedonors: [], virtuous: [] });
      expect(result.outcomes[0]).toMatchObject({ action: "skip", key: "404" });
    });

    it("gift.created syncs the gift and its donor (created as fully as if the event named it)", () => {
      const result = run(RD, docs(), { event: { system: "raisedonors", type: "gift.created", recordId: "g3" } });
      // The created contact's write-back comes in the same run, and nothing else of RaiseDonors.
      expect(result.patches["raisedonors"]).toEqual([{ op: "add", path: "/donors/3/crmKey", value: "rd-3" }]);
      expect(result.patches["virtuous"]!.map((op) => `${op.op} ${op.path}`)).toEqual(["add /contacts/rd-3", "add /gifts/rd-gift-g3"]);
      expect(result.patches["virtuous"]![0]).toMatchObject({ value: { firstName: "Ann", lastName: "Lee", referenceId: "3", email: "ann@example.org" } });
      expect(result.patches["virtuous"]![1]).toMatchObject({ value: { contactId: "rd-3", transactionId: "g3" } });
    });

    it("contact.updated by ncoa syncs that contact back to its donor only (Virtuous -> RaiseDonors)", () => {
      const d = world([donor("1", { crmKey: "old", modifiedDate: T0 }), donor("2", { crmKey: "c2" })], [contact("c1", "1", { phone: "555-0999", modifiedDateTimeUtc: T1 }), contact("c2", "2", { phone: "555-0888", modifiedDateTimeUtc: T1 })]);
      const result = run(RD, d, { event: { system: "virtuous", type: "contact.updated", actor: "ncoa", recordId: "c1" } });
      expect(result.patches).toEqual({
        raisedonors: [
          { op: "replace", path: "/donors/1/phone", value: "555-0999" },
          { op: "replace", path: "/donors/1/crmKey", value: "c1" },
        ],
        virtuous: [],
      });
    });
  });

  it("a collection left out of a snapshot never leads to creates or deletes", () => {
    // Virtuous contacts unknown: no contact is created, no gift either.
    const noContacts: Docs = { raisedonors: { donors: keyed([donor("1")]), gifts: keyed([gift("g1", "1")]) }, virtuous: { gifts: {} } };
    const a = run(RD, noContacts);
    expect(a.patches).toEqual({ raisedonors: [], virtuous: [] });
    expect(a.outcomes.some((o) => o.action === "skip" && o.key === null && o.reason.includes("virtuous.contacts"))).toBe(true);
    // Virtuous gifts unknown: contacts still sync, but no gift is written.
    const noGifts: Docs = { raisedonors: { donors: keyed([donor("1")]), gifts: keyed([gift("g1", "1")]) }, virtuous: { contacts: {} } };
    const b = run(RD, noGifts);
    expect(b.patches["virtuous"]!.map((op) => op.path)).toEqual(["/contacts/rd-1"]);
  });
});

// ================================================================== vomo -> virtuous

describe("vomo-virtuous", () => {
  const VOMO = "vomo-virtuous";
  const CONNECTED = "2026-05-01T00:00:00Z";
  const user = (id: string, over: Rec = {}): Rec => ({
    id,
    first_name: "Val",
    last_name: "Volunteer",
    email: `${id}@example.org`,
    phone: "555-0100",
    address: "1 Main St",
    gender: "F",
    membership_status: "MEMBER",
    created_at: T0,
    updated_at: T0,
    ...over,
  });
  const project = (id: string, over: Rec = {}): Rec => ({ id, name: "Food drive", kind: "DATE_TIME", require_hours_verification: false, ...over });
  const participation = (id: string, userId: string, projectId: string, over: Rec = {}): Rec => ({
    id,
    user_id: userId,
    project_id: projectId,
    hours: "2.50",
    status: "APPROVED",
    verified: 0,
    checkin_at: "2026-06-01T10:00:00Z",
    ...over,
  });
  const row = (id: string, userId: string, over: Rec = {}): Rec => ({ id, source: "VOMO", externalId: userId, status: "Matched", contactId: "c1", ...over });
  const world = (o: { users?: Rec[]; projects?: Rec[]; participations?: Rec[]; rows?: Rec[]; opportunities?: Rec[]; attendances?: Rec[] }): Docs => ({
    vomo: { users: keyed(o.users ?? []), projects: keyed(o.projects ?? []), participations: keyed(o.participations ?? []) },
    virtuous: { contactImports: keyed(o.rows ?? []), volunteerOpportunities: keyed(o.opportunities ?? []), volunteerAttendances: keyed(o.attendances ?? []) },
  });
  const params = { connected_at: CONNECTED };

  it("a taking-part user with no row gets vomo-user-<id>, exactly, with gender mapped", () => {
    const docs = world({ users: [user("u1", { gender: "M" }), user("u2", { gender: "N", membership_status: "ACCEPTED" }), user("u3", { gender: null, phone: null })] });
    const result = run(VOMO, docs, { params });
    expect(result.patches["vomo"]).toEqual([]);
    expect(result.patches["virtuous"]).toEqual([
      { op: "add", path: "/contactImports/vomo-user-u1", value: { id: "vomo-user-u1", source: "VOMO", externalId: "u1", firstName: "Val", lastName: "Volunteer", email: "u1@example.org", phone: "555-0100", address: "1 Main St", gender: "Male", status: "Match Needed", contactId: null } },
      { op: "add", path: "/contactImports/vomo-user-u2", value: expect.objectContaining({ gender: "Unspecified" }) },
      { op: "add", path: "/contactImports/vomo-user-u3", value: expect.objectContaining({ gender: null, phone: null }) },
    ]);
    settles(VOMO, docs, result, { params });
  });

  it("INVITED or REMOVED users take part only with a counted participation", () => {
    const docs = world({
      users: [user("invited", { membership_status: "INVITED" }), user("removed", { membership_status: "REMOVED" }), user("helper", { membership_status: "INVITED" })],
      projects: [project("p1")],
      participations: [participation("x1", "helper", "p1"), participation("x2", "removed", "p1", { status: "PENDING" })],
    });
    const result = run(VOMO, docs, { params });
    const rows = result.patches["virtuous"]!.filter((op) => op.path.startsWith("/contactImports/")).map((op) => op.path);
    expect(rows).toEqual(["/contactImports/vomo-user-helper"]);
  });

  it("an unmatched row follows its user; a matched row is left alone; a user with any row gets no second one", () => {
    const docs = world({
      users: [user("u1", { first_name: "New" }), user("u2", { first_name: "New" })],
      rows: [row("r1", "u1", { firstName: "Old", status: "Match Needed", contactId: null }), row("r2", "u2", { firstName: "Old", contactId: "c2" })],
    });
    const result = run(VOMO, docs, { params });
    expect(result.patches).toEqual({
      vomo: [],
      virtuous: [
        { op: "replace", path: "/contactImports/r1/firstName", value: "New" },
        { op: "add", path: "/contactImports/r1/lastName", value: "Volunteer" },
        { op: "add", path: "/contactImports/r1/email", value: "u1@example.org" },
        { op: "add", path: "/contactImports/r1/phone", value: "555-0100" },
        { op: "add", path: "/contactImports/r1/address", value: "1 Main St" },
        { op: "add", path: "/contactImports/r1/gender", value: "Female" },
      ],
    });
  });

  it("counted participations of a matched user: opportunity and attendance <C>:<O>, exactly", () => {
    const docs = world({
      users: [user("u1")],
      projects: [project("p1", { name: "Food drive" }), project("p2", { require_hours_verification: true })],
      participations: [
        participation("a", "u1", "p1", { hours: "2.50", checkin_at: "2026-06-01T10:00:00Z" }),
        participation("b", "u1", "p1", { hours: "0.25", checkin_at: "2026-07-04T18:30:00Z" }),
        participation("c", "u1", "p1", { status: "PENDING" }),
        participation("d", "u1", "p1", { checkin_at: "2026-04-30T23:59:59Z" }),
        participation("e", "u1", "p2", { verified: 0 }),
        participation("f", "u1", "p1", { status: "DECLINED" }),
      ],
      rows: [row("r1", "u1", { contactId: "c1" })],
    });
    const result = run(VOMO, docs, { params });
    expect(result.patches["virtuous"]).toEqual([
      { op: "add", path: "/volunteerAttendances/c1:vomo-project-p1", value: { id: "c1:vomo-project-p1", contactId: "c1", volunteerOpportunityId: "vomo-project-p1", timesServed: 2, hours: 2.75, lastServedDate: "2026-07-04" } },
      { op: "add", path: "/volunteerOpportunities/vomo-project-p1", value: { id: "vomo-project-p1", name: "Food drive", vomoProjectId: "p1", isActive: true } },
    ]);
    settles(VOMO, docs, result, { params });
  });

  it("a participation checked in exactly at connected_at counts; verified 1 counts on a project that requires verification", () => {
    const docs = world({
      users: [user("u1")],
      projects: [project("p2", { require_hours_verification: true })],
      participations: [participation("a", "u1", "p2", { verified: 1, checkin_at: CONNECTED, hours: "3" })],
      rows: [row("r1", "u1", { contactId: "c1" })],
    });
    const result = run(VOMO, docs, { params });
    expect(result.patches["virtuous"]).toContainEqual({ op: "add", path: "/volunteerAttendances/c1:vomo-project-p2", value: expect.objectContaining({ timesServed: 1, hours: 3, lastServedDate: "2026-05-01" }) });
  });

  it("an existing opportunity's name follows its project; vomoProjectId and isActive are set at creation only", () => {
    const docs = world({
      users: [user("u1")],
      projects: [project("p1", { name: "Renamed" })],
      participations: [participation("a", "u1", "p1")],
      rows: [row("r1", "u1", { contactId: "c1" })],
      opportunities: [{ id: "vomo-project-p1", name: "Old", vomoProjectId: "p1", isActive: false }],
      attendances: [{ id: "c1:vomo-project-p1", contactId: "c1", volunteerOpportunityId: "vomo-project-p1", timesServed: 1, hours: 2.5, lastServedDate: "2026-06-01" }],
    });
    const result = run(VOMO, docs, { params });
    expect(result.patches).toEqual({ vomo: [], virtuous: [{ op: "replace", path: "/volunteerOpportunities/vomo-project-p1/name", value: "Renamed" }] });
  });

  it("participations of an unmatched user make no attendance; the sync never deletes anything", () => {
    const docs = world({
      users: [user("u1")],
      projects: [project("p1")],
      participations: [participation("a", "u1", "p1")],
      rows: [row("r1", "u1", { contactId: null, status: "Match Needed", firstName: "Val", lastName: "Volunteer", email: "u1@example.org", phone: "555-0100", address: "1 Main St", gender: "Female" })],
      attendances: [{ id: "c9:vomo-project-p9", contactId: "c9", volunteerOpportunityId: "vomo-project-p9", timesServed: 1, hours: 1, lastServedDate: null }],
    });
    const result = run(VOMO, docs, { params });
    expect(result.patches["virtuous"]!.map((op) => `${op.op} ${op.path}`)).toEqual(["add /volunteerOpportunities/vomo-project-p1"]);
  });

  describe("a total whose rows all leave it", () => {
    const counted = (): Docs =>
      world({
        users: [user("u1")],
        projects: [project("p1"), project("p2")],
        participations: [participation("a", "u1", "p1"), participation("b", "u1", "p1", { hours: "1" }), participation("c", "u1", "p2")],
        rows: [row("r1", "u1", { contactId: "c1" })],
      });
    const declined = (docs: Docs, ...ids: string[]): Docs => {
      const out = structuredClone(docs);
      for (const id of ids) (out["vomo"]!["participations"]![id] as Rec)["status"] = "DECLINED";
      return out;
    };

    it("drops to 0 (count, sum) and none (max) once the rule wrote it; the others keep theirs", () => {
      const first = run(VOMO, counted(), { params });
      const after = applyAll(counted(), first.patches);
      expect(after["virtuous"]!["volunteerAttendances"]!["c1:vomo-project-p1"]).toMatchObject({ timesServed: 2, hours: 3.5 });
      // The groups written are kept in the state, as the state file holds them.
      const kept = parseState(serializeState(VOMO, first.state), "state.json", VOMO);
      if ("problems" in kept) throw new Error("the state did not read back");
      expect([...kept.synced.get('groups virtuous.volunteerAttendances by row.contactId + ":vomo-project-" + p.project_id: timesServed, hours, lastServedDate')!.keys()]).toEqual(["c1:vomo-project-p1", "c1:vomo-project-p2"]);
      const result = run(VOMO, declined(after, "a", "b"), { params, state: kept, now: "2026-11-01T15:00:00Z" });
      expect(result.patches["virtuous"]).toEqual([
        { op: "replace", path: "/volunteerAttendances/c1:vomo-project-p1/timesServed", value: 0 },
        { op: "replace", path: "/volunteerAttendances/c1:vomo-project-p1/hours", value: 0 },
        { op: "replace", path: "/volunteerAttendances/c1:vomo-project-p1/lastServedDate", value: null },
      ]);
      // The contact and the opportunity are not totals: with no row there is nothing to say of them.
      settles(VOMO, declined(after, "a", "b"), result, { params });
    });

    it("a record the rule never wrote is not its to zero; an event's run leaves it to the next run over everything", () => {
      const docs = world({
        users: [user("u1")],
        projects: [project("p1")],
        rows: [row("r1", "u1", { contactId: "c1" })],
        attendances: [{ id: "c1:vomo-project-p1", contactId: "c1", volunteerOpportunityId: "vomo-project-p1", timesServed: 4, hours: 9, lastServedDate: "2026-06-01" }],
      });
      expect(run(VOMO, docs, { params }).patches["virtuous"]).toEqual([]);

      const first = run(VOMO, counted(), { params });
      const after = declined(applyAll(counted(), first.patches), "a", "b");
      const event = run(VOMO, after, { params, state: first.state, event: { system: "vomo", type: "participation.updated", recordId: "a" } });
      expect(event.patches["virtuous"]).toEqual([]);
      const whole = run(VOMO, after, { params, state: first.state });
      expect(whole.patches["virtuous"]!.map((op) => op.path)).toContain("/volunteerAttendances/c1:vomo-project-p1/timesServed");
    });

    /** The seed spec with a change, compiled. */
    const variant = (from: string, to: string): Plan => {
      const text = readFileSync(join(ROOT, "specs", "vomo-virtuous.sync"), "utf8");
      expect(text).toContain(from);
      const compiled = compileSpec(text.replace(from, to), "variant.sync", SYSTEMS);
      expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      return compiled.plan!;
    };
    const zeroed = (result: RunResult) => result.patches["virtuous"]!.filter((op) => /timesServed|hours|lastServedDate/.test(op.path));

    it("a row skipped in a view it reads may have been the group's too: no total is zeroed", () => {
      const plan = variant('where p.status == "APPROVED"', 'skip "hours of 99 are a typing slip" when p.hours == "99"\n  where p.status == "APPROVED"');
      const first = run(plan, counted(), { params });
      const after = applyAll(counted(), first.patches);
      (after["vomo"]!["participations"]!["a"] as Rec)["hours"] = "99";
      (after["vomo"]!["participations"]!["b"] as Rec)["hours"] = "99";
      const result = run(plan, after, { params, state: first.state });
      expect(result.outcomes.some((o) => o.action === "skip" && o.reason.includes("typing slip"))).toBe(true);
      expect(zeroed(result)).toEqual([]);
    });

    it("a link the rule reads counterparts through that cannot run stops the rule: nothing is zeroed", () => {
      // The link now reads the opportunities too; a snapshot without them leaves it unknown.
      const plan = variant("user.first_name -> row.firstName", 'coalesce(virtuous.volunteerOpportunities["none"].name, user.first_name) -> row.firstName');
      const first = run(plan, counted(), { params });
      const after = applyAll(counted(), first.patches);
      delete after["virtuous"]!["volunteerOpportunities"];
      const result = run(plan, after, { params, state: first.state });
      expect(zeroed(result)).toEqual([]);
      expect(outcome(result, "skip", "virtuous", "volunteerOpportunities", null)?.reason).toMatch(/the rule at line 51 did not run/);
    });

    it("keeps its groups under a name of its own, whatever rules come before it; a record that is gone leaves the state", () => {
      const plan = variant("# Counted participations of matched users add up", 'from p in counted\n  update virtuous.volunteerOpportunities key "vomo-project-" + p.project_id {\n    isActive = count() > 0\n  }\n\n# Counted participations of matched users add up');
      const first = run(VOMO, counted(), { params });
      const ids = (state: RunResult["state"]) => [...state.synced.keys()].filter((id) => id.startsWith("groups "));
      const id = ids(first.state);
      expect(id).toEqual(['groups virtuous.volunteerAttendances by row.contactId + ":vomo-project-" + p.project_id: timesServed, hours, lastServedDate']);
      expect(ids(run(plan, counted(), { params }).state)).toContain(id[0]);

      const after = applyAll(counted(), first.patches);
      delete after["virtuous"]!["volunteerAttendances"]!["c1:vomo-project-p1"];
      const gone = declined(after, "a", "b");
      const result = run(VOMO, gone, { params, state: first.state });
      expect(zeroed(result)).toEqual([]);
      expect([...result.state.synced.get(id[0]!)!.keys()]).toEqual(["c1:vomo-project-p2"]);
    });

    it("a skipped row may have been the group's: then no total is zeroed", () => {
      const first = run(VOMO, counted(), { params });
      const after = applyAll(counted(), first.patches);
      // A second row of the import queue for u1: its rows skip (two counterparts), so the run cannot know where they count.
      const twice = declined(after, "a", "b");
      twice["virtuous"]!["contactImports"]!["r2"] = row("r2", "u1", { contactId: "c2" });
      const result = run(VOMO, twice, { params, state: first.state });
      expect(result.patches["virtuous"]!.filter((op) => op.path.includes("timesServed"))).toEqual([]);
      expect(result.outcomes.some((o) => o.action === "skip" && o.collection === "participations")).toBe(true);
    });
  });

  it("a participation.approved event syncs its attendance; a collection left out creates nothing", () => {
    const docs = world({
      users: [user("u1"), user("u2")],
      projects: [project("p1")],
      participations: [participation("a", "u1", "p1"), participation("b", "u2", "p1")],
      rows: [row("r1", "u1", { contactId: "c1" }), row("r2", "u2", { contactId: "c2" })],
      opportunities: [{ id: "vomo-project-p1", name: "Food drive", vomoProjectId: "p1", isActive: true }],
    });
    const result = run(VOMO, docs, { params, event: { system: "vomo", type: "participation.approved", recordId: "a" } });
    expect(result.patches["virtuous"]!.map((op) => op.path)).toEqual(["/volunteerAttendances/c1:vomo-project-p1"]);

    const partial: Docs = { vomo: docs["vomo"]!, virtuous: { volunteerOpportunities: {}, volunteerAttendances: {} } };
    const r = run(VOMO, partial, { params });
    // Without the import queue no user is linked and no row is created; opportunities still follow projects.
    expect(r.patches["virtuous"]!.map((op) => op.path)).toEqual(["/volunteerOpportunities/vomo-project-p1"]);
  });
});

// ================================================================== momentum portfolios

describe("momentum-raisersedge (with what the three momentum specs share)", () => {
  const RE = "momentum-raisersedge";
  const fundraiser = (id: string, crm: string | null, user: string | null = `user-${id}`): Rec => ({ id, name: `Fundraiser ${id}`, crm_user_id: crm, user_id: user });
  const mDonor = (id: string, crm: string): Rec => ({ id, crm_id: crm, name: `Donor ${id}` });
  const assignment = (id: string, constituent: string, fundraiserId: string, over: Rec = {}): Rec => ({ id, constituent_id: constituent, fundraiser_id: fundraiserId, type: "Primary", start: null, end: null, ...over });
  const portfolio = (fundraiserId: string, ids: string[], over: Rec = {}): Rec => ({ id: `${fundraiserId}-crm-assignments`, fundraiser_id: fundraiserId, name: "CRM Assignments", system_managed: true, donor_ids: ids, ...over });
  const world = (o: { fundraisers: Rec[]; donors: Rec[]; assignments?: Rec[]; portfolios?: Rec[] }): Docs => ({
    raisersedge: { constituents: {}, fundraiser_assignments: keyed(o.assignments ?? []) },
    momentum: { fundraisers: keyed(o.fundraisers), donors: keyed(o.donors), groupAssignments: {}, portfolios: keyed(o.portfolios ?? []) },
  });

  it("creates <fundraiser>-crm-assignments for a fundraiser with a user, exactly; none for one without", () => {
    const docs = world({
      fundraisers: [fundraiser("f1", "re1"), fundraiser("f2", "re2", null)],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2")],
      assignments: [assignment("a1", "c1", "re1"), assignment("a2", "c2", "re1", { type: "Secondary" }), assignment("a3", "c1", "re2")],
      portfolios: [{ id: "f2-own", fundraiser_id: "f2", name: "Mine", system_managed: false, donor_ids: ["d9"] }],
    });
    const result = run(RE, docs);
    expect(result.patches).toEqual({
      raisersedge: [],
      momentum: [{ op: "add", path: "/portfolios/f1-crm-assignments", value: { id: "f1-crm-assignments", fundraiser_id: "f1", name: "CRM Assignments", system_managed: true, donor_ids: ["d1", "d2"] } }],
    });
    settles(RE, docs, result);
  });

  it("ignores an assignment whose donor is not in Momentum, other solicitor types, and assignments not current", () => {
    const docs = world({
      fundraisers: [fundraiser("f1", "re1")],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2"), mDonor("d3", "c3"), mDonor("d4", "c4"), mDonor("d5", "c5")],
      assignments: [
        assignment("a1", "c-missing", "re1"),
        assignment("a2", "c2", "re1", { type: "Tertiary" }),
        assignment("a3", "c3", "re1", { start: "2026-11-01T14:05:01Z" }),
        assignment("a4", "c4", "re1", { end: NOW }),
        assignment("a5", "c5", "re1", { start: NOW, end: "2026-11-01T14:05:01Z" }),
        assignment("a6", "c1", "re1", { start: "2026-01-01T00:00:00Z", end: "2027-01-01T00:00:00.000Z" }),
      ],
    });
    const result = run(RE, docs);
    expect(result.patches["momentum"]).toEqual([{ op: "add", path: "/portfolios/f1-crm-assignments", value: expect.objectContaining({ donor_ids: ["d5", "d1"] }) }]);
  });

  it("primary_types and secondary_types map solicitor types", () => {
    const docs = world({
      fundraisers: [fundraiser("f1", "re1")],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2"), mDonor("d3", "c3")],
      assignments: [assignment("a1", "c1", "re1", { type: "Solicitor" }), assignment("a2", "c2", "re1", { type: "Primary" }), assignment("a3", "c3", "re1", { type: "Steward" })],
    });
    const result = run(RE, docs, { params: { primary_types: ["Solicitor"], secondary_types: ["Steward"] } });
    expect(result.patches["momentum"]![0]).toMatchObject({ value: { donor_ids: ["d1", "d3"] } });
  });

  it("removals=remove makes donor_ids exactly the current set; removals=keep only adds", () => {
    const docs = world({
      fundraisers: [fundraiser("f1", "re1")],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2"), mDonor("d3", "c3"), mDonor("d4", "c4")],
      assignments: [assignment("a1", "c1", "re1"), assignment("a2", "c2", "re1"), assignment("a3", "c3", "re1"), assignment("a4", "c4", "re1")],
      portfolios: [portfolio("f1", ["d1", "d2", "d3", "d9"])],
    });
    const remove = run(RE, docs);
    expect(remove.patches["momentum"]).toEqual([
      { op: "remove", path: "/portfolios/f1-crm-assignments/donor_ids/3" },
      { op: "add", path: "/portfolios/f1-crm-assignments/donor_ids/-", value: "d4" },
    ]);
    settles(RE, docs, remove);
    const keep = run(RE, docs, { params: { removals: "keep" } });
    expect(keep.patches["momentum"]).toEqual([{ op: "add", path: "/portfolios/f1-crm-assignments/donor_ids/-", value: "d4" }]);
    settles(RE, docs, keep, { params: { removals: "keep" } });
  });

  it("the order of donor_ids carries no meaning: a reordered set is left alone", () => {
    const docs = world({
      fundraisers: [fundraiser("f1", "re1")],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2")],
      assignments: [assignment("a1", "c1", "re1"), assignment("a2", "c2", "re1")],
      portfolios: [portfolio("f1", ["d2", "d1"])],
    });
    expect(allEmpty(run(RE, docs))).toBe(true);
  });

  it("a fundraiser without a user_id: its existing portfolios are left alone", () => {
    const docs = world({ fundraisers: [fundraiser("f1", "re1", null)], donors: [mDonor("d1", "c1")], portfolios: [portfolio("f1", ["d7", "d8"])] });
    expect(allEmpty(run(RE, docs))).toBe(true);
  });

  it("safety: removing exactly half of the managed entries runs; more than half fails with nothing changed", () => {
    const base = {
      fundraisers: [fundraiser("f1", "re1"), fundraiser("f2", "re2")],
      donors: [mDonor("d1", "c1"), mDonor("d2", "c2"), mDonor("d3", "c3"), mDonor("d4", "c4")],
    };
    // 4 entries over two portfolios; 2 removed (50%): allowed.
    const half = run(RE, world({ ...base, assignments: [assignment("a1", "c1", "re1"), assignment("a3", "c3", "re2")], portfolios: [portfolio("f1", ["d1", "d2"]), portfolio("f2", ["d3", "d4"])] }));
    expect(half.failure).toBeUndefined();
    expect(half.patches["momentum"]).toHaveLength(2);
    // 3 of 4 removed, taken together: the run fails whole, with nothing to write.
    const docs = world({ ...base, assignments: [assignment("a1", "c1", "re1")], portfolios: [portfolio("f1", ["d1", "d2"]), portfolio("f2", ["d3", "d4"])] });
    const over = run(RE, docs);
    expect(over.failure?.message).toMatch(/3 of the 4/);
    expect(over.failure?.message).toMatch(/50%/);
    expect(over.patches).toEqual({ raisersedge: [], momentum: [] });
    // The state is left as it was: nothing counts as synced.
    expect(over.state.lastRun).toBeNull();
    // With removals=keep nothing is removed, so the same data runs.
    expect(run(RE, docs, { params: { removals: "keep" } }).failure).toBeUndefined();
  });

  it("safety with a floor (`when more than 3`): a run fails only when it removes more than 3 entries as well as more than half", () => {
    const text = readFileSync(join(ROOT, "specs/momentum-raisersedge.sync"), "utf8").replace("donor_ids to 50%", "donor_ids to 50% when more than 3");
    const plan = compileSpec(text, "specs/momentum-raisersedge.sync", SYSTEMS).plan!;
    expect(plan.limits).toEqual([expect.objectContaining({ measure: "removals", percent: 50, floor: 3 })]);
    const ids = ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"];
    const docs = (entries: number, kept: number): Docs =>
      world({
        fundraisers: [fundraiser("f1", "re1")],
        donors: ids.map((id) => mDonor(id, `c${id}`)),
        assignments: ids.slice(0, kept).map((id) => assignment(`a-${id}`, `c${id}`, "re1")),
        portfolios: [portfolio("f1", ids.slice(0, entries))],
      });
    // 3 of 4 (75%): over the share, not over the floor.
    const few = run(plan, docs(4, 1));
    expect(few.failure).toBeUndefined();
    expect(few.patches["momentum"]).toHaveLength(3);
    // 4 of 5 (80%): over both; the message names both.
    const over = run(plan, docs(5, 1));
    expect(over.failure?.message).toMatch(/^the run would remove 4 of the 5 donor_ids entries of the portfolios it manages \(80\.0%\), more than the 3 entries and the 50% the limit at line \d+ allows; nothing was changed$/);
    expect(over.patches).toEqual({ raisersedge: [], momentum: [] });
    // 4 of 8 (50%): over the floor, not over the share.
    expect(run(plan, docs(8, 4)).failure).toBeUndefined();
  });

  it("a collection left out of a snapshot never leads to removals or creates", () => {
    const full = world({ fundraisers: [fundraiser("f1", "re1")], donors: [mDonor("d1", "c1")], portfolios: [portfolio("f1", ["d1"])] });
    const noAssignments: Docs = { raisersedge: { constituents: {} }, momentum: full["momentum"]! };
    expect(run(RE, noAssignments).patches).toEqual({ raisersedge: [], momentum: [] });
    const noDonors: Docs = { raisersedge: { fundraiser_assignments: {} }, momentum: { fundraisers: full["momentum"]!["fundraisers"]!, portfolios: full["momentum"]!["portfolios"]! } };
    expect(run(RE, noDonors).patches).toEqual({ raisersedge: [], momentum: [] });
    const noPortfolios: Docs = { raisersedge: { fundraiser_assignments: keyed([assignment("a1", "c1", "re1")]) }, momentum: { fundraisers: full["momentum"]!["fundraisers"]!, donors: full["momentum"]!["donors"]! } };
    expect(run(RE, noPortfolios).patches).toEqual({ raisersedge: [], momentum: [] });
  });
});

describe("momentum-salesforce", () => {
  const SF = "momentum-salesforce";
  const world = (contacts: Rec[], accounts: Rec[], portfolios: Rec[] = []): Docs => ({
    salesforce: { Contact: keyed(contacts, "Id"), Account: keyed(accounts, "Id"), User: {} },
    momentum: {
      fundraisers: keyed([
        { id: "f1", name: "One", crm_user_id: "005A", user_id: "u1" },
        { id: "f2", name: "Two", crm_user_id: "005B", user_id: "u2" },
      ]),
      donors: keyed([
        { id: "d1", crm_id: "003X", name: "X" },
        { id: "d2", crm_id: "003Y", name: "Y" },
        { id: "d3", crm_id: "003Z", name: "Z" },
      ]),
      groupAssignments: {},
      portfolios: keyed(portfolios),
    },
  });
  const contacts = [
    { Id: "003X", LastName: "X", OwnerId: "005A", AccountId: "001B" },
    { Id: "003Y", LastName: "Y", OwnerId: "005B", AccountId: null },
    { Id: "003Z", LastName: "Z", OwnerId: "005A", AccountId: "001A" },
    { Id: "003W", LastName: "W", OwnerId: "005A" },
  ];
  const accounts = [
    { Id: "001A", Name: "A", OwnerId: "005A" },
    { Id: "001B", Name: "B", OwnerId: "005B" },
  ];
  const donorIds = (result: RunResult) =>
    Object.fromEntries(result.patches["momentum"]!.map((op) => [op.path, (op as { value: Rec }).value["donor_ids"]]));

  it("owner_field=OwnerId: each Contact goes to its own owner's portfolio", () => {
    const result = run(SF, world(contacts, accounts));
    expect(donorIds(result)).toEqual({ "/portfolios/f1-crm-assignments": ["d1", "d3"], "/portfolios/f2-crm-assignments": ["d2"] });
  });

  it("owner_field=AccountOwnerId: to its Account's owner; a Contact without an Account has none", () => {
    const result = run(SF, world(contacts, accounts), { params: { owner_field: "AccountOwnerId" } });
    expect(donorIds(result)).toEqual({ "/portfolios/f1-crm-assignments": ["d3"], "/portfolios/f2-crm-assignments": ["d1"] });
  });

  it("a second run over unchanged data changes nothing", () => {
    const docs = world(contacts, accounts);
    settles(SF, docs, run(SF, docs));
  });

  it("Contacts left out of the snapshot remove nothing from a portfolio", () => {
    const docs = world([], accounts, [{ id: "f1-crm-assignments", fundraiser_id: "f1", name: "CRM Assignments", system_managed: true, donor_ids: ["d1"] }]);
    delete docs["salesforce"]!["Contact"];
    expect(run(SF, docs).patches).toEqual({ salesforce: [], momentum: [] });
  });
});

describe("momentum-virtuous", () => {
  const MV = "momentum-virtuous";
  it("each group assignment assigns every contact of the organization group to its fundraiser", () => {
    const docs: Docs = {
      virtuous: { organizationGroups: keyed([{ id: "g1", name: "Board", contactIds: ["c1", "c2", "c-not-in-momentum"] }, { id: "g2", name: "Gala", contactIds: ["c2", "c3"] }]) },
      momentum: {
        fundraisers: keyed([{ id: "f1", name: "One", user_id: "u1" }, { id: "f2", name: "Two", user_id: null }]),
        donors: keyed([
          { id: "d1", crm_id: "c1", name: "1" },
          { id: "d2", crm_id: "c2", name: "2" },
          { id: "d3", crm_id: "c3", name: "3" },
        ]),
        groupAssignments: keyed([
          { id: "ga1", virtuous_group_id: "g1", fundraiser_id: "f1" },
          { id: "ga2", virtuous_group_id: "g2", fundraiser_id: "f1" },
          { id: "ga3", virtuous_group_id: "g2", fundraiser_id: "f2" },
          { id: "ga4", virtuous_group_id: "no-such-group", fundraiser_id: "f1" },
        ]),
        portfolios: keyed([{ id: "f1-crm-assignments", fundraiser_id: "f1", name: "CRM Assignments", system_managed: true, donor_ids: ["d1"] }]),
      },
    };
    const result = run(MV, docs);
    // organizationGroups left out: unknown, so nothing is removed (with removals=remove) and nothing created.
    const unknownGroups: Docs = { virtuous: {}, momentum: docs["momentum"]! };
    expect(run(MV, unknownGroups).patches).toEqual({ virtuous: [], momentum: [] });
    expect(result.patches).toEqual({
      virtuous: [],
      momentum: [
        { op: "add", path: "/portfolios/f1-crm-assignments/donor_ids/-", value: "d2" },
        { op: "add", path: "/portfolios/f1-crm-assignments/donor_ids/-", value: "d3" },
      ],
    });
    settles(MV, docs, result);
  });
});

// ================================================================== volunteerhub -> altru

describe("volunteerhub-altru", () => {
  const VH = "volunteerhub-altru";
  const user = (uid: string, over: Rec = {}): Rec => ({
    UserUid: uid,
    Username: `user-${uid}`,
    FirstName: "Vera",
    MiddleName: "Q",
    LastName: "Hub",
    Address1: "1 Main St",
    Address2: "Apt 4",
    City: "Boston",
    State: "MA",
    PostalCode: "02110",
    EmailAddress: "vera@example.org",
    EmailAllowed: true,
    HomePhone: "555-0100",
    MobilePhone: "555-0101",
    WorkPhone: null,
    Birthday: "1990-04-01",
    Gender: "Female",
    UserGroupUids: [],
    LastUpdate: T1,
    ...over,
  });
  const event = (uid: string, over: Rec = {}): Rec => ({ EventUid: uid, Name: "Food drive", StartTime: "2026-06-01T15:00:00Z", EndTime: "2026-06-01T18:00:00Z", AltruJobId: "job1", ...over });
  const registration = (uid: string, userUid: string, eventUid: string, over: Rec = {}): Rec => ({ RegistrationUid: uid, EventUid: eventUid, UserUid: userUid, Hours: 3, Deleted: false, LastUpdate: T1, ...over });
  const world = (o: { users?: Rec[]; events?: Rec[]; registrations?: Rec[]; groups?: Rec[]; constituents?: Rec[]; timesheets?: Rec[]; relationships?: Rec[] }): Docs => ({
    volunteerhub: { users: keyed(o.users ?? [], "UserUid"), events: keyed(o.events ?? [], "EventUid"), registrations: keyed(o.registrations ?? [], "RegistrationUid"), userGroups: keyed(o.groups ?? [], "UserGroupUid") },
    altru: {
      constituents: keyed(o.constituents ?? []),
      timesheets: keyed(o.timesheets ?? []),
      relationships: keyed(o.relationships ?? []),
      jobs: keyed([{ id: "job1", name: "Job" }]),
      organizations: keyed([{ id: "org1", name: "Org" }]),
    },
  });

  it("creates constituent vh-<UserUid> with every biographical field, exactly", () => {
    const docs = world({ users: [user("U1")] });
    const result = run(VH, docs);
    expect(result.patches).toEqual({
      volunteerhub: [],
      altru: [
        {
          op: "add",
          path: "/constituents/vh-U1",
          value: {
            id: "vh-U1",
            lookup_id: null,
            first_name: "Vera",
            middle_name: "Q",
            last_name: "Hub",
            address: { address_block: "1 Main St\nApt 4", city: "Boston", state: "MA", post_code: "02110", country: null },
            email_address: "vera@example.org",
            requests_no_email: false,
            home_phone: "555-0100",
            mobile_phone: "555-0101",
            work_phone: null,
            birth_date: "1990-04-01",
            gender: "Female",
            volunteerhub_uid: "U1",
          },
        },
      ],
    });
    settles(VH, docs, result);
  });

  it("overwrites a linked constituent's fields (VolunteerHub wins), leaving the country as it is; empty Address2 adds no newline", () => {
    const docs = world({
      users: [user("U1", { Address2: "", EmailAllowed: false, FirstName: null })],
      constituents: [{ id: "c7", lookup_id: "L7", first_name: "Old", middle_name: "Q", last_name: "Hub", address: { address_block: "old", city: "Boston", state: "MA", post_code: "02110", country: "USA" }, email_address: "vera@example.org", requests_no_email: false, home_phone: "555-0100", mobile_phone: "555-0101", work_phone: null, birth_date: "1990-04-01", gender: "Female", volunteerhub_uid: "U1" }],
    });
    const result = run(VH, docs);
    expect(result.patches).toEqual({
      volunteerhub: [],
      altru: [
        { op: "replace", path: "/constituents/c7/first_name", value: null },
        { op: "replace", path: "/constituents/c7/address/address_block", value: "1 Main St" },
        { op: "replace", path: "/constituents/c7/requests_no_email", value: true },
      ],
    });
  });

  it("two constituents with the same volunteerhub_uid: the user is skipped with its relationships and timesheets, neither is touched", () => {
    const docs = world({
      users: [user("U1", { UserGroupUids: ["G1"] })],
      groups: [{ UserGroupUid: "G1", Name: "Greeters", AltruOrganizationId: "org1" }],
      events: [event("E1")],
      registrations: [registration("R1", "U1", "E1")],
      constituents: [
        { id: "c1", requests_no_email: true, volunteerhub_uid: "U1" },
        { id: "c2", requests_no_email: true, volunteerhub_uid: "U1" },
      ],
    });
    const result = run(VH, docs);
    expect(result.patches).toEqual({ volunteerhub: [], altru: [] });
    expect(outcome(result, "skip", "volunteerhub", "users", "U1")?.reason).toMatch(/c1.*c2/);
  });

  it("group memberships become relationships vh-<UserUid>-<GroupUid>; a gone membership or unmapped group deletes the sync's relationship only", () => {
    const docs = world({
      users: [user("U1", { UserGroupUids: ["G1", "G3"] })],
      groups: [
        { UserGroupUid: "G1", Name: "Greeters", AltruOrganizationId: "org1" },
        { UserGroupUid: "G2", Name: "Drivers", AltruOrganizationId: "org1" },
        { UserGroupUid: "G3", Name: "Unmapped", AltruOrganizationId: null },
      ],
      constituents: [{ id: "c1", requests_no_email: false, volunteerhub_uid: "U1" }],
      relationships: [
        { id: "vh-U1-G2", constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: "G2" },
        { id: "vh-U1-G3", constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: "G3" },
        { id: "manual", constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: null },
      ],
    });
    const result = run(VH, docs);
    const rel = result.patches["altru"]!.filter((op) => op.path.startsWith("/relationships/"));
    expect(rel).toEqual([
      { op: "add", path: "/relationships/vh-U1-G1", value: { id: "vh-U1-G1", constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: "G1" } },
      { op: "remove", path: "/relationships/vh-U1-G2" },
      { op: "remove", path: "/relationships/vh-U1-G3" },
    ]);
    expect(outcome(result, "delete", "altru", "relationships", "vh-U1-G2")).toBeDefined();
    settles(VH, docs, result);
  });

  it("registrations become timesheets vh-reg-<uid>; bad events are skipped with reasons and the run goes on; Deleted removes", () => {
    const docs = world({
      users: [user("U1")],
      events: [event("E1"), event("E2", { Name: "A very long event name of 31 ch" }), event("E3", { AltruJobId: null }), event("E4", { AltruJobId: "job-gone" }), event("E5", { Name: "Exactly thirty characters long" })],
      registrations: [
        registration("R1", "U1", "E1", { Hours: 2.5 }),
        registration("R2", "U1", "E2"),
        registration("R3", "U1", "E3"),
        registration("R4", "U1", "E4"),
        registration("R5", "U1", "E1", { Deleted: true }),
        registration("R6", "U1", "E5"),
      ],
      constituents: [{ id: "c1", requests_no_email: false, volunteerhub_uid: "U1" }],
      timesheets: [{ id: "vh-reg-R5", constituent_id: "c1", job_id: "job1", job_occurrence: "Food drive", date: "2026-06-01", hours: 1, volunteerhub_registration_uid: "R5" }],
    });
    const result = run(VH, docs);
    const sheets = result.patches["altru"]!.filter((op) => op.path.startsWith("/timesheets/"));
    expect(sheets).toEqual([
      { op: "add", path: "/timesheets/vh-reg-R1", value: { id: "vh-reg-R1", constituent_id: "c1", job_id: "job1", job_occurrence: "Food drive", date: "2026-06-01", hours: 2.5, volunteerhub_registration_uid: "R1" } },
      { op: "remove", path: "/timesheets/vh-reg-R5" },
      { op: "add", path: "/timesheets/vh-reg-R6", value: expect.objectContaining({ job_occurrence: "Exactly thirty characters long" }) },
    ]);
    expect(outcome(result, "skip", "volunteerhub", "registrations", "R2")?.reason).toContain("longer than 30 characters");
    expect(outcome(result, "skip", "volunteerhub", "registrations", "R3")?.reason).toContain("has no AltruJobId");
    expect(outcome(result, "skip", "volunteerhub", "registrations", "R4")?.reason).toContain("job-gone is not in altru.jobs");
    settles(VH, docs, result);
  });

  it("is incremental: after a run, only users updated since, or with a registration updated since, are taken", () => {
    const docs = world({
      users: [user("U1", { LastUpdate: T0 }), user("U2", { LastUpdate: T0 }), user("U3", { LastUpdate: T0 })],
      events: [event("E1")],
      constituents: [
        { id: "c1", requests_no_email: false, first_name: "Stale", volunteerhub_uid: "U1" },
        { id: "c2", requests_no_email: false, first_name: "Stale", volunteerhub_uid: "U2" },
        { id: "c3", requests_no_email: false, first_name: "Stale", volunteerhub_uid: "U3" },
      ],
    });
    // The state of an earlier successful run at T1.
    const earlier = run(VH, world({}), { now: T1 });
    expect(earlier.state.lastRun).toBe(T1);
    const later = world({
      users: [user("U1", { LastUpdate: T0 }), user("U2", { LastUpdate: T2 }), user("U3", { LastUpdate: T0 })],
      events: [event("E1")],
      registrations: [registration("R3", "U3", "E1", { LastUpdate: T2 }), registration("R1", "U1", "E1", { LastUpdate: T0 })],
      constituents: docs["altru"]!["constituents"] ? Object.values(docs["altru"]!["constituents"]!) : [],
    });
    const result = run(VH, later, { state: earlier.state, now: "2026-03-02T00:00:00Z" });
    const touched = new Set(result.patches["altru"]!.map((op) => op.path.split("/")[2]));
    expect([...touched].sort()).toEqual(["c2", "c3", "vh-reg-R3"]);
    // Updated exactly at the last run is not later than it: not taken.
    const atLastRun = run(VH, world({ users: [user("U1", { LastUpdate: "2026-02-01T00:00:00.000Z" })], constituents: [{ id: "c1", requests_no_email: false, volunteerhub_uid: "U1" }] }), { state: earlier.state });
    expect(atLastRun.patches).toEqual({ volunteerhub: [], altru: [] });
    // The first run (no state) takes every user.
    const first = run(VH, later);
    expect(new Set(first.patches["altru"]!.map((op) => op.path.split("/")[2]))).toEqual(new Set(["c1", "c2", "c3", "vh-reg-R1", "vh-reg-R3"]));
  });

  it("never writes to VolunteerHub, and a collection left out never leads to deletes or creates", () => {
    const docs = world({
      users: [user("U1", { UserGroupUids: [] })],
      events: [event("E1")],
      registrations: [registration("R1", "U1", "E1", { Deleted: true })],
      constituents: [{ id: "c1", requests_no_email: false, volunteerhub_uid: "U1" }],
      relationships: [{ id: "vh-U1-G1", constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: "G1" }],
      timesheets: [{ id: "vh-reg-R1", constituent_id: "c1", job_id: "job1", job_occurrence: "Food drive", date: "2026-06-01", hours: 1, volunteerhub_registration_uid: "R1" }],
    });
    // userGroups unknown: the relationship is not deleted.
    const noGroups: Docs = { volunteerhub: { ...docs["volunteerhub"]! }, altru: docs["altru"]! };
    delete noGroups["volunteerhub"]!["userGroups"];
    const a = run(VH, noGroups);
    expect(a.patches["altru"]!.filter((op) => op.path.startsWith("/relationships/"))).toEqual([]);
    expect(a.patches["volunteerhub"]).toEqual([]);
    // altru.constituents unknown: no constituent is created and no relationship deleted; nor
    // is the deleted registration's timesheet removed, since whether its user is linked (or
    // skipped for having two constituents) cannot be told without the constituents.
    const noConstituents: Docs = { volunteerhub: docs["volunteerhub"]!, altru: { timesheets: docs["altru"]!["timesheets"]!, relationships: docs["altru"]!["relationships"]!, jobs: docs["altru"]!["jobs"]! } };
    expect(run(VH, noConstituents).patches).toEqual({ volunteerhub: [], altru: [] });
    // altru.timesheets unknown: nothing to remove it from, and no error.
    const noTimesheets: Docs = { volunteerhub: docs["volunteerhub"]!, altru: { constituents: docs["altru"]!["constituents"]!, relationships: docs["altru"]!["relationships"]!, jobs: docs["altru"]!["jobs"]! } };
    expect(run(VH, noTimesheets).patches["altru"]!.filter((op) => op.path.startsWith("/timesheets/"))).toEqual([]);
    // registrations unknown: no user counts as changed through them, and no timesheet is deleted.
    const noRegistrations: Docs = { volunteerhub: { users: docs["volunteerhub"]!["users"]!, events: docs["volunteerhub"]!["events"]!, userGroups: {} }, altru: docs["altru"]! };
    const c = run(VH, noRegistrations);
    expect(c.patches["altru"]!.filter((op) => op.op === "remove" || op.path.split("/").length === 3)).toEqual([]);
  });

  describe("safety: limit deletes of altru.relationships to 50% when more than 20", () => {
    // A user whose memberships are all still there, read with userGroups empty (a thin read):
    // every relationship of the sync's loses its group, and the rule would delete each one.
    const thinRead = (owned: number, manual = 0): Docs =>
      world({
        users: [user("U1", { UserGroupUids: Array.from({ length: owned }, (_, i) => `G${i}`) })],
        constituents: [{ id: "c1", requests_no_email: false, volunteerhub_uid: "U1" }],
        relationships: [
          ...Array.from({ length: owned }, (_, i) => ({ id: `vh-U1-G${i}`, constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: `G${i}` })),
          ...Array.from({ length: manual }, (_, i) => ({ id: `manual-${i}`, constituent_id: "c1", organization_id: "org1", volunteerhub_group_uid: null })),
        ],
      });
    const deleted = (result: RunResult): number => result.patches["altru"]!.filter((op) => op.op === "remove" && op.path.startsWith("/relationships/")).length;

    it("up to the floor, a run goes through even when it deletes every relationship (20 of 20)", () => {
      const result = run(VH, thinRead(20));
      expect(result.failure).toBeUndefined();
      expect(deleted(result)).toBe(20);
    });

    it("over the floor and over the share (21 of 21), the run fails and writes nothing; the message names both", () => {
      const result = run(VH, thinRead(21));
      expect(result.failure).toMatchObject({ code: "RUN002", file: "specs/volunteerhub-altru.sync" });
      expect(result.failure?.message).toMatch(/^the run would remove 21 of the 21 relationships \(100\.0%\), more than the 20 records and the 50% the limit at line \d+ allows; nothing was changed$/);
      expect(result.patches).toEqual({ volunteerhub: [], altru: [] });
      expect(result.state.lastRun).toBeNull();
    });

    it("over the floor but not over the share (25 of 51), the run goes through", () => {
      const result = run(VH, thinRead(25, 26));
      expect(result.failure).toBeUndefined();
      expect(deleted(result)).toBe(25);
    });
  });
});

// ================================================================== mobilecommons <-> crm

describe("mobilecommons-crm", () => {
  const MC = "mobilecommons-crm";
  const profile = (id: string, over: Rec = {}): Rec => ({
    id,
    first_name: "Mo",
    last_name: "Bile",
    phone_number: "12025550101",
    email: "mo@example.org",
    address: null,
    status: "Active Subscriber",
    opted_out_at: null,
    constituent_id: null,
    updated_at: T0,
    ...over,
  });
  const constituent = (id: string, over: Rec = {}): Rec => ({ id, first_name: "Mo", last_name: "Bile", email: "mo@example.org", mobile_phone: "+12025550101", address: null, mobile_opt_in: true, updated_at: T0, ...over });
  const world = (profiles: Rec[], constituents: Rec[]): Docs => ({ mobilecommons: { profiles: keyed(profiles) }, crm: { constituents: keyed(constituents) } });

  it("links by constituent_id first, else by email (trimmed, case-insensitive) and writes the id back", () => {
    const docs = world([profile("p1", { email: "  MO@Example.org " })], [constituent("c1")]);
    const result = run(MC, docs);
    expect(result.patches["mobilecommons"]).toContainEqual({ op: "replace", path: "/profiles/p1/constituent_id", value: "c1" });
    settles(MC, docs, result);
  });

  it("links by email across case and NFC, but never pairs a look-alike letter of another script with ASCII", () => {
    // The Kelvin sign "K" lowers to "k" in JavaScript; here it stays itself, so "\u212Aim" is not "kim",
    // and the profile is not linked to Kim's record (whose phone it would overwrite). "Jose\u0301" is "JOSÉ".
    const docs = world(
      [profile("p-kelvin", { email: "\u212Aim@example.org", phone_number: "12025550199" }), profile("p-accent", { email: "jose\u0301@example.org" })],
      [constituent("c-kim", { email: "kim@example.org" }), constituent("c-jose", { email: "JOS\u00C9@example.org", mobile_phone: null })],
    );
    const result = run(MC, docs);
    expect(result.patches["mobilecommons"]).toContainEqual({ op: "replace", path: "/profiles/p-accent/constituent_id", value: "c-jose" });
    expect(result.patches["mobilecommons"]).not.toContainEqual({ op: "replace", path: "/profiles/p-kelvin/constituent_id", value: "c-kim" });
    const kimWrites = Object.values(result.patches).flatMap((ops) => ops.filter((op) => op.path.startsWith("/constituents/c-kim/")));
    expect(kimWrites.filter((op) => op.path === "/constituents/c-kim/mobile_phone")).toEqual([]);
  });

  it("skips a profile without email, one whose constituent_id names no constituent, and one whose email matches two constituents", () => {
    const docs = world(
      [profile("p-noemail", { email: null, constituent_id: "c1" }), profile("p-dangling", { constituent_id: "c404" }), profile("p-ambiguous", { email: "dup@example.org" })],
      [constituent("c1", { mobile_opt_in: false, first_name: "Other" }), constituent("c2", { email: "dup@example.org" }), constituent("c3", { email: "DUP@example.org", mobile_phone: null })],
    );
    const result = run(MC, docs);
    expect(outcome(result, "skip", "mobilecommons", "profiles", "p-noemail")?.reason).toContain("has no email");
    expect(outcome(result, "skip", "mobilecommons", "profiles", "p-dangling")?.reason).toContain("c404");
    expect(outcome(result, "skip", "mobilecommons", "profiles", "p-ambiguous")?.reason).toMatch(/c2.*c3|2 crm\.constituents/);
    // A skipped profile takes part in nothing: no field flows to or from it, no constituent is made from it.
    const paths = Object.values(result.patches).flatMap((ops) => ops.map((op) => op.path));
    expect(paths.filter((p) => /p-noemail|p-dangling|p-ambiguous|mc-/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("/constituents/c1"))).toEqual([]);
  });

  it("skips two profiles that match the same constituent, and makes no constituent for either", () => {
    const docs = world(
      [profile("p1", { email: "shared@example.org" }), profile("p-ok", { email: "mo@example.org" }), profile("p2", { email: " SHARED@example.org" })],
      [constituent("c1", { email: "shared@example.org" }), constituent("c2")],
    );
    const result = run(MC, docs);
    for (const key of ["p1", "p2"]) {
      expect(outcome(result, "skip", "mobilecommons", "profiles", key)?.reason).toBe(
        "2 mobilecommons.profiles records (p1, p2) match the same crm.constituents record c1, so it is not clear which is its counterpart",
      );
    }
    const paths = Object.values(result.patches).flatMap((ops) => ops.map((op) => op.path));
    expect(paths.filter((p) => /p1|p2|\/constituents\/c1|mc-/.test(p))).toEqual([]);
    // The profile between them is paired as usual.
    expect(result.patches["mobilecommons"]).toContainEqual({ op: "replace", path: "/profiles/p-ok/constituent_id", value: "c2" });
    settles(MC, docs, result);
  });

  it("conservative (default): only opted-in constituents' fields flow to Mobile Commons; liberal: all", () => {
    const docs = world([profile("p1", { constituent_id: "c1", first_name: "Old", status: "Deferred" })], [constituent("c1", { first_name: "New", mobile_opt_in: false })]);
    expect(run(MC, docs).patches).toEqual({ mobilecommons: [], crm: [] });
    expect(run(MC, docs, { params: { mode: "liberal" } }).patches).toEqual({ mobilecommons: [{ op: "replace", path: "/profiles/p1/first_name", value: "New" }], crm: [] });
  });

  it("the opt-in follows the status in both modes; Deferred leaves it; an opt-in set this run makes the record take part this run", () => {
    const docs = world(
      [
        profile("p1", { constituent_id: "c1", first_name: "Old" }),
        profile("p2", { constituent_id: "c2", status: "Opted Out" }),
        profile("p3", { constituent_id: "c3", status: "Undeliverable" }),
        profile("p4", { constituent_id: "c4", status: "Deferred" }),
      ],
      [constituent("c1", { mobile_opt_in: false, first_name: "New" }), constituent("c2"), constituent("c3"), constituent("c4", { mobile_opt_in: false })],
    );
    const result = run(MC, docs);
    expect(result.patches).toEqual({
      mobilecommons: [{ op: "replace", path: "/profiles/p1/first_name", value: "New" }],
      crm: [
        { op: "replace", path: "/constituents/c1/mobile_opt_in", value: true },
        { op: "replace", path: "/constituents/c2/mobile_opt_in", value: false },
        { op: "replace", path: "/constituents/c3/mobile_opt_in", value: false },
      ],
    });
    settles(MC, docs, result);
  });

  it("mobile_phone = + and the profile's phone_number, for a linked taking-part constituent", () => {
    const docs = world([profile("p1", { constituent_id: "c1", phone_number: "12025550199" })], [constituent("c1", { mobile_phone: "+12025550101" })]);
    expect(run(MC, docs).patches).toEqual({ mobilecommons: [], crm: [{ op: "replace", path: "/constituents/c1/mobile_phone", value: "+12025550199" }] });
  });

  it("a taking-part constituent with phone and email and no profile creates crm-<id>, Deferred, exactly", () => {
    const docs = world([], [constituent("c1", { address: { street1: "1 Main", city: "Boston" } }), constituent("c2", { mobile_phone: null }), constituent("c3", { email: null }), constituent("c4", { mobile_opt_in: false })]);
    const result = run(MC, docs);
    expect(result.patches).toEqual({
      mobilecommons: [
        {
          op: "add",
          path: "/profiles/crm-c1",
          value: {
            id: "crm-c1",
            first_name: "Mo",
            last_name: "Bile",
            phone_number: "12025550101",
            email: "mo@example.org",
            address: { street1: "1 Main", city: "Boston" },
            status: "Deferred",
            opted_out_at: null,
            constituent_id: "c1",
            updated_at: NOW,
          },
        },
      ],
      crm: [],
    });
    // Liberal: an opted-out constituent takes part too.
    const liberal = run(MC, docs, { params: { mode: "liberal" } });
    expect(liberal.patches["mobilecommons"]!.map((op) => op.path)).toEqual(["/profiles/crm-c1", "/profiles/crm-c4"]);
    settles(MC, docs, result);
  });

  it("an Active Subscriber linking to no constituent creates mc-<profile id> and points the profile at it", () => {
    const docs = world([profile("p1", { email: "new@example.org", address: { street1: "2 Elm" } }), profile("p2", { email: "other@example.org", status: "Opted Out" })], []);
    const result = run(MC, docs);
    expect(result.patches).toEqual({
      mobilecommons: [{ op: "replace", path: "/profiles/p1/constituent_id", value: "mc-p1" }],
      crm: [
        {
          op: "add",
          path: "/constituents/mc-p1",
          value: { id: "mc-p1", first_name: "Mo", last_name: "Bile", email: "new@example.org", mobile_phone: "+12025550101", address: { street1: "2 Elm" }, mobile_opt_in: true, updated_at: NOW },
        },
      ],
    });
    settles(MC, docs, result);
  });

  it("a collection left out of a snapshot never leads to creates", () => {
    const docs: Docs = { mobilecommons: { profiles: keyed([profile("p1", { email: "new@example.org" })]) }, crm: {} };
    expect(run(MC, docs).patches).toEqual({ mobilecommons: [], crm: [] });
    const docs2: Docs = { mobilecommons: {}, crm: { constituents: keyed([constituent("c1")]) } };
    expect(run(MC, docs2).patches).toEqual({ mobilecommons: [], crm: [] });
  });
});
