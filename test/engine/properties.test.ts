// Properties of runs over generated snapshots: patches that independent RFC 6902
// implementations apply alike, idempotence (apply, plan again: nothing), determinism, no
// prototype pollution from keys such as `__proto__`, and two-way convergence with state.
import fc from "fast-check";
import jsonpatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { applyChanges } from "../../src/engine/apply-changes.js";
import type { Operation } from "../../src/engine/patch.js";
import type { RunEvent } from "../../src/input/event.js";
import type { RunResult } from "../../src/engine/run.js";
import { parseState, serializeState, type SyncState } from "../../src/state/state.js";
import {
  compact,
  donorArb,
  isoAt,
  mobileCommonsWorld,
  raisersEdgeWorld,
  rdWorld,
  salesforceWorld,
  virtuousGroupsWorld,
  volunteerHubWorld,
  vomoWorld,
} from "./generators.js";
import { allEmpty, canonical, copy, keyed, put, resultText, run, sameValue, toSnapshot, type Docs, type Rec } from "./support.js";

const LATER = "2026-11-02T09:00:00Z";

/** fast-json-patch, validating, on a copy, with `__proto__` allowed as an ordinary key. */
function independentApply(doc: unknown, ops: readonly Operation[]): unknown {
  return jsonpatch.applyPatch(copy(doc), copy(ops) as jsonpatch.Operation[], true, false, false).newDocument;
}

/**
 * Makes every system's changes as `apply` does, and applies its rendered patch with an
 * independent RFC 6902 implementation: the two must give the same bytes. Returns the new documents.
 */
function applyBoth(docs: Docs, result: RunResult): Docs {
  const out: Docs = {};
  for (const [system, doc] of Object.entries(docs)) {
    const ops = result.patches[system] ?? [];
    const ours = copy(doc);
    applyChanges(ours, system, result.changes);
    const theirs = independentApply(doc, ops);
    expect(canonical(theirs)).toBe(canonical(ours));
    expect(JSON.stringify(theirs)).toBe(JSON.stringify(ours));
    out[system] = ours;
  }
  return out;
}

/** The state as `apply` keeps it between runs: written to its file and read back. */
function throughFile(state: SyncState): SyncState {
  const read = parseState(serializeState("raisedonors-virtuous", state), "state.json", "raisedonors-virtuous");
  if ("problems" in read) throw new Error(read.problems.map((p) => p.message).join("; "));
  return read;
}

type Invariant = (system: string, op: Operation, before: Docs) => void;
const segments = (path: string): string[] => path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));

/** What each integration must never write, whatever the data (systems.md). */
const INVARIANTS: Record<string, Invariant> = {
  "raisedonors-virtuous": (system, op) => {
    const [collection, , field] = segments(op.path);
    // Nothing is ever deleted; no donor is created from Virtuous; modified stamps only on create.
    expect(op.op === "remove" && field === undefined, `no delete: ${op.path}`).toBe(false);
    if (system === "raisedonors") expect(op.op === "add" && field === undefined, `no donor created: ${op.path}`).toBe(false);
    expect(field === "modifiedDate" || field === "modifiedDateTimeUtc", `no modified stamp written: ${op.path}`).toBe(false);
    // Email never flows back; the contact's id, reference and type are not rewritten.
    if (system === "raisedonors") expect(["email", "id"]).not.toContain(field);
    if (system === "virtuous" && collection === "contacts") expect(["id", "referenceSource", "referenceId", "contactType", "isArchived"]).not.toContain(field);
    // A gift is created once and never changed.
    if (collection === "gifts") expect(op.op === "add" && field === undefined, `gifts are only created: ${op.path}`).toBe(true);
  },
  "vomo-virtuous": (system, op, before) => {
    const [collection, key, field] = segments(op.path);
    expect(system, "nothing is written to VOMO").toBe("virtuous");
    expect(op.op === "remove" && field === undefined, `no delete: ${op.path}`).toBe(false);
    expect(["contactImports", "volunteerOpportunities", "volunteerAttendances"]).toContain(collection);
    // A matched row is left alone.
    if (collection === "contactImports" && field !== undefined) expect(before["virtuous"]!["contactImports"]![key!]!["contactId"] ?? null).toBeNull();
  },
  "volunteerhub-altru": (system, op, before) => {
    const [collection, key, field] = segments(op.path);
    expect(system, "nothing is written to VolunteerHub").toBe("altru");
    expect(["constituents", "relationships", "timesheets"]).toContain(collection);
    if (op.op === "remove" && field === undefined) {
      expect(["relationships", "timesheets"]).toContain(collection);
      if (collection === "relationships") expect(before["altru"]!["relationships"]![key!]!["volunteerhub_group_uid"] ?? null, "only the sync's relationships are deleted").not.toBeNull();
    }
    if (collection === "constituents") expect(field, "the country is left as it is").not.toBe("country");
  },
  "mobilecommons-crm": (_system, op) => {
    expect(op.op === "remove" && segments(op.path).length === 2, `no delete: ${op.path}`).toBe(false);
  },
};
for (const spec of ["momentum-raisersedge", "momentum-salesforce", "momentum-virtuous"]) {
  INVARIANTS[spec] = (system, op) => {
    expect(system, "only Momentum is written").toBe("momentum");
    expect(segments(op.path)[0]).toBe("portfolios");
    expect(segments(op.path)[1]).toMatch(/-crm-assignments$/);
    expect(op.op === "remove" && segments(op.path).length === 2, "no portfolio is deleted").toBe(false);
  };
}

const prototypeNames = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

/** Run, apply (both ways), check the result is valid, run again: every patch empty. */
function checkIdempotent(spec: string, docs: Docs, options: { params?: Record<string, unknown>; state?: SyncState } = {}): { result: RunResult; after: Docs } {
  const result = run(spec, docs, options);
  const invariant = INVARIANTS[spec];
  if (invariant) for (const [system, ops] of Object.entries(result.patches)) for (const op of ops) invariant(system, op, docs);
  if (result.failure) {
    // A safety rule stopped the run: it changes nothing at all.
    expect(allEmpty(result)).toBe(true);
    return { result, after: docs };
  }
  const after = applyBoth(docs, result);
  // The patched documents are valid snapshots (toSnapshot throws otherwise) ...
  for (const [system, doc] of Object.entries(after)) toSnapshot(system, doc);
  // ... and a second run, with the state the first one left, has nothing to do.
  const again = run(spec, after, { ...options, state: result.state, now: LATER });
  expect(again.failure).toBeUndefined();
  expect(again.patches).toEqual(Object.fromEntries(Object.keys(result.patches).map((s) => [s, []])));
  return { result, after };
}

describe("raisedonors-virtuous over generated snapshots", () => {
  it("the changes and their patches, applied by fast-json-patch, give the same bytes, then a second run has nothing to do", () => {
    const before = prototypeNames();
    fc.assert(
      fc.property(rdWorld, ({ docs }) => {
        checkIdempotent("raisedonors-virtuous", docs);
        expect(({} as Rec)["polluted"]).toBeUndefined();
        expect(prototypeNames()).toEqual(before);
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      }),
      { numRuns: Number(process.env.RUNS ?? 100) },
    );
  });

  it("gives byte-identical output for the same input", () => {
    fc.assert(
      fc.property(rdWorld, ({ docs }) => {
        const a = run("raisedonors-virtuous", docs);
        const b = run("raisedonors-virtuous", copy(docs));
        expect(resultText("raisedonors-virtuous", b)).toBe(resultText("raisedonors-virtuous", a));
      }),
      { numRuns: 50 },
    );
  });

  it("keeps `__proto__`, `constructor` and `toString` keys as data end to end", () => {
    const donors = {} as Record<string, Rec>;
    for (const id of ["__proto__", "constructor", "toString", "a/b~c"]) {
      put(donors, id, { id, firstName: "P", lastName: id, isOrganization: false, modifiedDate: "2026-01-01T00:00:00Z", isArchived: false, phone: "1" });
    }
    const contacts = keyed([{ id: "__proto__", contactType: "Household", name: "X", referenceSource: "RaiseDonors", referenceId: "constructor", isArchived: false, modifiedDateTimeUtc: "2026-02-01T00:00:00Z", phone: "2" }]);
    const docs: Docs = { raisedonors: { donors, gifts: {} }, virtuous: { contacts, gifts: {} } };
    const before = prototypeNames();
    const { result, after } = checkIdempotent("raisedonors-virtuous", docs);
    expect(({} as Rec)["polluted"]).toBeUndefined();
    expect(prototypeNames()).toEqual(before);
    expect(result.patches["raisedonors"]).toContainEqual({ op: "add", path: "/donors/constructor/crmKey", value: "__proto__" });
    expect(result.patches["virtuous"]).toContainEqual(expect.objectContaining({ op: "add", path: "/contacts/rd-a~1b~0c" }));
    const rdDonors = after["raisedonors"]!["donors"]!;
    expect(Object.prototype.hasOwnProperty.call(rdDonors, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(rdDonors)).toBe(Object.prototype);
    expect(rdDonors["__proto__"]!["crmKey"]).toBe("rd-__proto__");
    // The contact keyed __proto__, linked to donor "constructor", was newer: its phone won.
    expect(rdDonors["constructor"]!["phone"]).toBe("2");
  });
});

describe("raisedonors-virtuous runs started by an event", () => {
  const eventWorld = rdWorld.chain(({ docs }) => {
    const donors = Object.keys(docs["raisedonors"]!["donors"]!);
    const gifts = Object.keys(docs["raisedonors"]!["gifts"]!);
    const contacts = Object.keys(docs["virtuous"]!["contacts"]!);
    const events: fc.Arbitrary<RunEvent>[] = [];
    if (donors.length > 0) events.push(fc.record({ system: fc.constant("raisedonors"), type: fc.constant("donor.updated"), actor: fc.constantFrom("admin", "donor", "api"), recordId: fc.constantFrom(...donors) }));
    if (gifts.length > 0) events.push(fc.record({ system: fc.constant("raisedonors"), type: fc.constant("gift.created"), recordId: fc.constantFrom(...gifts) }));
    if (contacts.length > 0) events.push(fc.record({ system: fc.constant("virtuous"), type: fc.constant("contact.updated"), actor: fc.constantFrom("admin", "donor", "api", "ncoa"), recordId: fc.constantFrom(...contacts) }));
    return events.length === 0 ? fc.constant(null) : fc.tuple(fc.constant(docs), fc.oneof(...events));
  });

  it("touch only the event's record, what it refers to and their counterparts, in the triggered direction; the same event again does nothing", () => {
    fc.assert(
      fc.property(eventWorld, (world) => {
        if (world === null) return;
        const [docs, event] = world;
        const result = run("raisedonors-virtuous", docs, { event });
        expect(result.failure).toBeUndefined();
        if (event.actor === "api" && event.type === "donor.updated") {
          expect(result.patches).toEqual({ raisedonors: [], virtuous: [] });
          expect(result.outcomes.map((o) => o.action)).toEqual(["skip"]);
          return;
        }
        const contacts = docs["virtuous"]!["contacts"]!;
        const counterparts = (donorId: string) => [`rd-${donorId}`, ...Object.keys(contacts).filter((k) => contacts[k]!["referenceSource"] === "RaiseDonors" && contacts[k]!["referenceId"] === donorId)];
        const allowed = new Set<string>();
        if (event.type === "donor.updated") for (const c of counterparts(event.recordId)) allowed.add(`virtuous/contacts/${c}`);
        if (event.type === "gift.created") {
          const donorId = String(docs["raisedonors"]!["gifts"]![event.recordId]!["donorId"]);
          for (const c of counterparts(donorId)) allowed.add(`virtuous/contacts/${c}`);
          allowed.add(`virtuous/gifts/rd-gift-${event.recordId}`);
        }
        if (event.type === "contact.updated") {
          const c = contacts[event.recordId]!;
          if (c["referenceSource"] === "RaiseDonors") allowed.add(`raisedonors/donors/${String(c["referenceId"])}`);
        }
        // A contact created in the run gets its write-back in that run: the donor's crmKey,
        // and nothing else of RaiseDonors.
        const created = new Set(result.outcomes.filter((o) => o.action === "create" && o.collection === "contacts").map((o) => o.key));
        for (const [donorId] of Object.entries(docs["raisedonors"]!["donors"]!)) if (created.has(`rd-${donorId}`)) allowed.add(`raisedonors/donors/${donorId}/crmKey`);
        for (const [system, ops] of Object.entries(result.patches)) {
          for (const op of ops) {
            const [collection, key, field] = op.path.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
            const ok = allowed.has(`${system}/${collection}/${key}`) || allowed.has(`${system}/${collection}/${key}/${field}`);
            expect(ok, `${event.type} ${event.recordId} may not write ${system} ${op.path}`).toBe(true);
          }
        }
        const after = applyBoth(docs, result);
        for (const [system, doc] of Object.entries(after)) toSnapshot(system, doc);
        const again = run("raisedonors-virtuous", after, { event, state: result.state, now: LATER });
        expect(again.patches).toEqual({ raisedonors: [], virtuous: [] });
      }),
      { numRuns: Number(process.env.RUNS ?? 100) },
    );
  });
});

// ------------------------------------------------------------------ two-way convergence

type Field = "phone" | "firstName" | "lastName" | "address";
const FIELDS: readonly Field[] = ["phone", "firstName", "lastName", "address"];
const CONTACT_FIELD: Record<Field, string> = { phone: "phone", firstName: "firstName", lastName: "lastName", address: "address" };

const ADDRESSES = [
  null,
  { line1: "1 Main St", line2: null, city: "Boston", state: "MA", postalCode: "02110", country: "US" },
  { line1: "9 Elm St", line2: "Apt 2", city: "Austin", state: "TX", postalCode: "73301", country: "US" },
] as const;
const toContactAddress = (a: Rec | null): Rec | null =>
  a === null ? null : { address1: a["line1"] ?? null, address2: a["line2"] ?? null, city: a["city"] ?? null, state: a["state"] ?? null, postal: a["postalCode"] ?? null, country: a["country"] ?? null };
const fromContactAddress = (a: unknown): Rec | null => {
  if (a === null || a === undefined) return null;
  const c = a as Rec;
  return { line1: c["address1"] ?? null, line2: c["address2"] ?? null, city: c["city"] ?? null, state: c["state"] ?? null, postalCode: c["postal"] ?? null, country: c["country"] ?? null };
};

/** A value of a two-way field, in the donor's shape. */
const valueOf = (field: Field): fc.Arbitrary<unknown> =>
  field === "address" ? fc.constantFrom(...ADDRESSES) : field === "phone" ? fc.constantFrom(null, "555-0100", "555-0101", "555-0102") : fc.constantFrom(null, "Ann", "Bob", "Cy");

const donorValue = (donor: Rec, field: Field): unknown => (field === "address" ? (donor["address"] === undefined || donor["address"] === null ? null : { line1: null, line2: null, city: null, state: null, postalCode: null, country: null, ...(donor["address"] as Rec) }) : (donor[field] ?? null));
const contactValue = (contact: Rec, field: Field): unknown => (field === "address" ? fromContactAddress(contact["address"]) : (contact[CONTACT_FIELD[field]] ?? null));

interface Edit {
  pair: number;
  field: Field;
  who: "donor" | "contact" | "both";
  donorValue: unknown;
  contactValue: unknown;
}

const editArb: fc.Arbitrary<Edit> = fc.constantFrom(...FIELDS).chain((field) =>
  fc.record({ pair: fc.nat({ max: 5 }), field: fc.constant(field), who: fc.constantFrom("donor" as const, "contact" as const, "both" as const), donorValue: valueOf(field), contactValue: valueOf(field) }),
);
const roundArb = fc.record({
  edits: fc.array(editArb, { minLength: 1, maxLength: 6 }),
  // Minutes after the round's start at which each side's record was modified: equal is a tie.
  donorMinute: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }),
  contactMinute: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }),
  style: fc.integer({ min: 0, max: 2 }),
});

/** Linked households: each donor has a contact, made by the first run or already there. */
const linkedWorld = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) => {
      const id = ["1001", "a/b", "__proto__", "~x", "Zoë", "constructor"][i]!;
      return fc.record({
        donor: donorArb(id, { organizations: false }),
        contact: fc.option(
          fc.record({ phone: valueOf("phone"), firstName: valueOf("firstName"), lastName: valueOf("lastName"), address: valueOf("address"), modified: fc.integer({ min: 0, max: 400_000 }) }).map((c) =>
            compact({
              id: `c-${id}`,
              contactType: "Household",
              name: "Household",
              firstName: c.firstName,
              lastName: c.lastName,
              phone: c.phone,
              address: toContactAddress(c.address as Rec | null),
              referenceSource: "RaiseDonors",
              referenceId: id,
              isArchived: false,
              modifiedDateTimeUtc: isoAt(Date.parse("2026-01-01T00:00:00Z") + c.modified * 60_000, 1),
            }),
          ),
          { nil: null },
        ),
      });
    }),
  ),
);

describe("raisedonors-virtuous two-way convergence", () => {
  it("makes linked pairs equal, keeps one-sided changes, resolves conflicts by the newer record, and never echoes", () => {
    fc.assert(
      fc.property(linkedWorld, fc.array(roundArb, { minLength: 1, maxLength: 4 }), (pairs, rounds) => {
        let docs: Docs = {
          raisedonors: { donors: keyed(pairs.map((p) => p.donor)), gifts: {} },
          virtuous: { contacts: keyed(pairs.flatMap((p) => (p.contact ? [p.contact] : []))), gifts: {} },
        };
        const donorIds = pairs.map((p) => String(p.donor["id"]));
        const contactOf = (docs: Docs, donorId: string): Rec => {
          const found = Object.values(docs["virtuous"]!["contacts"]!).filter((c) => c["referenceSource"] === "RaiseDonors" && c["referenceId"] === donorId);
          expect(found).toHaveLength(1);
          return found[0]!;
        };
        const donorOf = (docs: Docs, donorId: string): Rec => docs["raisedonors"]!["donors"]![donorId]!;

        // The first run: no last sync. Where both sides differ, the newer record wins (RaiseDonors on a tie).
        const first = run("raisedonors-virtuous", docs, { now: "2026-10-01T00:00:00Z" });
        expect(first.failure).toBeUndefined();
        const expectedFirst = new Map<string, unknown>();
        for (const p of pairs) {
          if (!p.contact) continue;
          const donorNewer = Date.parse(String(p.donor["modifiedDate"])) >= Date.parse(String(p.contact["modifiedDateTimeUtc"]));
          for (const f of FIELDS) {
            const dv = donorValue(p.donor, f);
            const cv = contactValue(p.contact, f);
            expectedFirst.set(`${String(p.donor["id"])}.${f}`, sameValue(dv, cv) || donorNewer ? dv : cv);
          }
        }
        docs = applyBoth(docs, first);
        let state = throughFile(first.state);
        for (const id of donorIds) {
          const d = donorOf(docs, id);
          const c = contactOf(docs, id);
          expect(d["crmKey"]).toBe(c["id"]);
          expect(c["email"] ?? null).toEqual(d["email"] ?? null);
          for (const f of FIELDS) {
            expect(sameValue(donorValue(d, f), contactValue(c, f)), `${id}.${f} after the first run`).toBe(true);
            if (expectedFirst.has(`${id}.${f}`)) expect(sameValue(donorValue(d, f), expectedFirst.get(`${id}.${f}`)), `${id}.${f}: the newer side wins`).toBe(true);
          }
        }

        let roundStart = Date.parse("2026-10-02T00:00:00Z");
        let now = roundStart;
        for (const round of rounds) {
          roundStart += 86_400_000;
          now = roundStart + 3_600_000;
          // Only the first edit of a (pair, field) counts.
          const edits = new Map<string, Edit>();
          for (const e of round.edits) {
            if (e.pair >= donorIds.length) continue;
            const k = `${e.pair}.${e.field}`;
            if (!edits.has(k)) edits.set(k, e);
          }
          const next = copy(docs);
          const old = new Map<string, unknown>();
          const touched = { donor: new Set<number>(), contact: new Set<number>() };
          for (const e of edits.values()) {
            const id = donorIds[e.pair]!;
            const d = donorOf(next, id);
            const c = contactOf(next, id);
            old.set(`${e.pair}.${e.field}`, donorValue(d, e.field));
            if (e.who !== "contact") {
              d[e.field] = e.donorValue;
              touched.donor.add(e.pair);
            }
            if (e.who !== "donor") {
              c[CONTACT_FIELD[e.field]] = e.field === "address" ? toContactAddress(e.contactValue as Rec | null) : e.contactValue;
              touched.contact.add(e.pair);
            }
          }
          for (const i of touched.donor) donorOf(next, donorIds[i]!)["modifiedDate"] = isoAt(roundStart + round.donorMinute[i]! * 60_000, round.style);
          for (const i of touched.contact) contactOf(next, donorIds[i]!)["modifiedDateTimeUtc"] = isoAt(roundStart + round.contactMinute[i]! * 60_000, (round.style + 1) % 3);

          // What each edited field must end as, and which pairs are in conflict.
          const expected = new Map<string, unknown>();
          const conflicts = new Set<number>();
          for (const e of edits.values()) {
            const before = old.get(`${e.pair}.${e.field}`);
            const dChanged = e.who !== "contact" && !sameValue(e.donorValue, before);
            const cChanged = e.who !== "donor" && !sameValue(e.contactValue, before);
            let value = before;
            if (dChanged && cChanged && !sameValue(e.donorValue, e.contactValue)) {
              conflicts.add(e.pair);
              value = round.donorMinute[e.pair]! >= round.contactMinute[e.pair]! ? e.donorValue : e.contactValue;
            } else if (dChanged) value = e.donorValue;
            else if (cChanged) value = e.contactValue;
            expected.set(`${e.pair}.${e.field}`, value);
          }

          const result = run("raisedonors-virtuous", next, { state, now: isoAt(now) });
          expect(result.failure).toBeUndefined();
          docs = applyBoth(next, result);
          state = throughFile(result.state);

          const conflicted = new Set<number>();
          for (const o of result.outcomes.filter((o) => o.action === "conflict")) {
            const i = o.collection === "donors" ? donorIds.indexOf(String(o.key)) : donorIds.findIndex((id) => contactOf(docs, id)["id"] === o.key);
            expect(i, `conflict outcome for an unknown record ${o.key}`).toBeGreaterThanOrEqual(0);
            conflicted.add(i);
          }
          expect([...conflicted].sort()).toEqual([...conflicts].sort());

          for (const [i, id] of donorIds.entries()) {
            const d = donorOf(docs, id);
            const c = contactOf(docs, id);
            for (const f of FIELDS) {
              expect(sameValue(donorValue(d, f), contactValue(c, f)), `${id}.${f}: both sides equal`).toBe(true);
              const k = `${i}.${f}`;
              if (expected.has(k)) expect(sameValue(donorValue(d, f), expected.get(k)), `${id}.${f}: expected ${JSON.stringify(expected.get(k))}`).toBe(true);
            }
          }

          // Nothing changed outside: the next run has nothing to do (no echo of its own writes).
          const quiet = run("raisedonors-virtuous", docs, { state, now: isoAt(now + 60_000) });
          expect(quiet.patches).toEqual({ raisedonors: [], virtuous: [] });
          expect(quiet.outcomes.filter((o) => o.action === "conflict")).toEqual([]);
          state = throughFile(quiet.state);
        }
      }),
      { numRuns: Number(process.env.RUNS ?? 60) },
    );
  });
});

// ------------------------------------------------------------------ the other six seed specs

describe("idempotence of the other seed specs over generated snapshots", () => {
  it("vomo-virtuous", () => {
    fc.assert(
      fc.property(vomoWorld, fc.constantFrom("2026-01-01T00:00:00Z", "2026-05-02T09:30:00Z"), (docs, connected) => {
        checkIdempotent("vomo-virtuous", docs, { params: { connected_at: connected } });
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
  });

  it("momentum-raisersedge", () => {
    let ran = 0;
    fc.assert(
      fc.property(raisersEdgeWorld, fc.constantFrom("remove", "keep"), (docs, removals) => {
        if (!checkIdempotent("momentum-raisersedge", docs, { params: { removals } }).result.failure) ran++;
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
    expect(ran).toBeGreaterThan(20);
  });

  it("momentum-salesforce", () => {
    let ran = 0;
    fc.assert(
      fc.property(salesforceWorld, fc.constantFrom("remove", "keep"), fc.constantFrom("OwnerId", "AccountOwnerId"), (docs, removals, owner_field) => {
        if (!checkIdempotent("momentum-salesforce", docs, { params: { removals, owner_field } }).result.failure) ran++;
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
    expect(ran).toBeGreaterThan(20);
  });

  it("momentum-virtuous", () => {
    let ran = 0;
    fc.assert(
      fc.property(virtuousGroupsWorld, fc.constantFrom("remove", "keep"), (docs, removals) => {
        if (!checkIdempotent("momentum-virtuous", docs, { params: { removals } }).result.failure) ran++;
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
    expect(ran).toBeGreaterThan(20);
  });

  it("volunteerhub-altru (with the state the run leaves, and as a first run again)", () => {
    fc.assert(
      fc.property(volunteerHubWorld, (docs) => {
        const { result, after } = checkIdempotent("volunteerhub-altru", docs);
        // Also as a full first run over the applied result: still nothing to do.
        const full = run("volunteerhub-altru", after, { now: LATER });
        expect(full.patches).toEqual({ volunteerhub: [], altru: [] });
        expect(result.patches["volunteerhub"]).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
  });

  it("mobilecommons-crm, in both modes", () => {
    fc.assert(
      fc.property(mobileCommonsWorld, fc.constantFrom("conservative", "liberal"), (docs, mode) => {
        checkIdempotent("mobilecommons-crm", docs, { params: { mode } });
      }),
      { numRuns: Number(process.env.RUNS ?? 80) },
    );
  });

  it("every spec is deterministic", () => {
    const cases: [string, fc.Arbitrary<Docs>, Record<string, unknown>][] = [
      ["vomo-virtuous", vomoWorld, { connected_at: "2026-01-01T00:00:00Z" }],
      ["momentum-raisersedge", raisersEdgeWorld, {}],
      ["momentum-salesforce", salesforceWorld, {}],
      ["momentum-virtuous", virtuousGroupsWorld, {}],
      ["volunteerhub-altru", volunteerHubWorld, {}],
      ["mobilecommons-crm", mobileCommonsWorld, {}],
    ];
    for (const [spec, world, params] of cases) {
      fc.assert(
        fc.property(world, (docs) => {
          expect(resultText(spec, run(spec, copy(docs), { params }))).toBe(resultText(spec, run(spec, docs, { params })));
        }),
        { numRuns: 15 },
      );
    }
  });
});

