// fast-check generators of snapshots valid against integrations/*: one world per seed spec,
// with linked and unlinked records, records the sync skips, and awkward keys.
import fc from "fast-check";
import { keyed, type Docs, type Rec } from "./support.js";

/** Keys that break naive code: JSON Pointer escapes, prototype names, unicode. */
export const awkwardKey = fc.constantFrom("a/b", "~", "~1", "x~0/y", "/", "__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "Zoë", "日本", "🎉", "-", "0", " sp ");
export const plainKey = fc.string({ unit: fc.constantFrom("a", "b", "c", "1", "/", "~", "_", "é", "日", "🎉"), minLength: 1, maxLength: 4 });
export const anyKey = fc.oneof({ weight: 2, arbitrary: awkwardKey }, { weight: 3, arbitrary: plainKey });

const BASE = Date.parse("2026-01-01T00:00:00Z");
/** A datetime in 2026 as an ISO string, in one of several valid spellings of the same moment. */
export function isoAt(ms: number, style = 0): string {
  const iso = new Date(ms).toISOString();
  if (style === 1) return iso.replace(".000Z", "Z");
  if (style === 2) return iso.replace(".000Z", "+00:00");
  return iso;
}
export const datetime = fc.tuple(fc.integer({ min: 0, max: 300 * 24 * 60 }), fc.integer({ min: 0, max: 2 })).map(([min, style]) => isoAt(BASE + min * 60_000, style));
export const date = fc.integer({ min: 0, max: 300 }).map((d) => new Date(BASE + d * 86_400_000).toISOString().slice(0, 10));

/** A value for an optional field: left out (undefined), null, or one of a few strings (so sides often agree). */
export function optional<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(fc.constant(undefined), fc.constant(null), value, value);
}
export const word = fc.constantFrom("Ann", "Bob", "Zoë", "O'Neil", "", "a/b", "~", "李");
export const phone = fc.constantFrom("555-0100", "555-0101", "+1 202 555 0199");

/** An object without its undefined members: a field left out of the record. */
export function compact(record: Record<string, unknown>): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v;
  return out;
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

// ---------------------------------------------------------------- raisedonors <-> virtuous

/**
 * An address object with at least one value. An address whose sub-fields are all empty,
 * against an empty address on the other side, never settles (known-bugs.test.ts, BUG 1), so
 * the worlds here leave it out to test everything else.
 */
const someValue = (a: Record<string, unknown>): boolean => Object.values(a).some((v) => v !== null && v !== undefined);

export const rdAddress = fc.record(
  { line1: optional(word), line2: optional(word), city: optional(word), state: optional(fc.constantFrom("NY", "CA")), postalCode: optional(fc.constantFrom("10001", "94110")), country: optional(fc.constantFrom("US", "CA")) },
  { requiredKeys: [] },
);
export const vAddress = fc.record(
  { address1: optional(word), address2: optional(word), city: optional(word), state: optional(fc.constantFrom("NY", "CA")), postal: optional(fc.constantFrom("10001", "94110")), country: optional(fc.constantFrom("US", "CA")) },
  { requiredKeys: [] },
);

export function donorArb(id: string, options: { organizations?: boolean } = {}): fc.Arbitrary<Rec> {
  return fc
    .record({
      firstName: optional(word),
      lastName: optional(word),
      isOrganization: options.organizations === false ? fc.constant(false) : fc.boolean(),
      organizationName: optional(fc.constantFrom("Acme", "Food Bank", "Zoë & Co")),
      email: optional(fc.constantFrom("ann@example.org", "bob@example.org")),
      phone: optional(phone),
      address: optional(rdAddress.map(compact).filter(someValue)),
      crmKey: optional(fc.constantFrom("stale", "rd-x")),
      modifiedDate: datetime,
      isArchived: fc.boolean(),
    })
    .map((d) => {
      // An organization here always has its name: without one the sync writes a null contact
      // name, which its schema refuses (known-bugs.test.ts, BUG 2).
      const organizationName = d.isOrganization && !d.organizationName ? "Org" : d.organizationName;
      return compact({ id, ...d, organizationName });
    });
}

export function contactArb(id: string, referenceId: fc.Arbitrary<string | null>): fc.Arbitrary<Rec> {
  return fc
    .record({
      contactType: fc.constantFrom("Household", "Organization"),
      name: fc.constantFrom("Ann Lee", "Acme", "Org"),
      firstName: optional(word),
      lastName: optional(word),
      email: optional(fc.constantFrom("ann@example.org", "x@example.org")),
      phone: optional(phone),
      address: optional(vAddress.map(compact).filter(someValue)),
      reference: referenceId,
      otherSource: fc.constantFrom("Manual", "RaiseDonors", null),
      isArchived: fc.boolean(),
      modifiedDateTimeUtc: datetime,
    })
    .map(({ reference, otherSource, ...c }) =>
      compact({ id, ...c, referenceSource: reference === null ? otherSource : "RaiseDonors", referenceId: reference === null ? (otherSource ? "nobody" : null) : reference }),
    );
}

export interface RdWorld {
  docs: Docs;
  donorIds: string[];
}

/** Donors, contacts (some linked, some not, some clashing with an upsert key), gifts. */
export const rdWorld: fc.Arbitrary<RdWorld> = fc.uniqueArray(anyKey, { maxLength: 6 }).chain((donorIds) => {
  const donorRef = donorIds.length > 0 ? fc.constantFrom(...donorIds) : fc.constant("nobody");
  const contactId = donorIds.length > 0 ? fc.oneof(anyKey, fc.constantFrom(...donorIds.map((d) => `rd-${d}`))) : anyKey;
  return fc
    .record({
      donors: fc.tuple(...donorIds.map((id) => donorArb(id))),
      contacts: fc.array(fc.tuple(contactId, fc.option(donorRef, { nil: null, freq: 3 })), { maxLength: 7 }).chain((pairs) =>
        fc.tuple(...uniqueBy(pairs, ([id]) => id).map(([id, ref]) => contactArb(id, fc.constant(ref)))),
      ),
      gifts: fc.uniqueArray(
        fc.record({
          id: anyKey,
          donorId: fc.oneof(donorRef, donorRef, fc.constant("missing-donor")),
          amount: fc.integer({ min: 1, max: 100_000 }).map((n) => n / 100),
          currency: fc.constant("USD"),
          date,
          status: fc.constantFrom("Succeeded", "Succeeded", "Failed", "Refunded"),
          isTestMode: fc.boolean(),
        }),
        { selector: (g) => g.id, maxLength: 5 },
      ),
      existingGift: fc.boolean(),
    })
    .map(({ donors, contacts, gifts, existingGift }) => {
      const vGifts: Rec[] = [];
      // A Virtuous gift the sync made earlier, with other values: it is never changed.
      if (existingGift && gifts[0]) vGifts.push({ id: `rd-gift-${gifts[0].id}`, contactId: "someone", amount: 1, giftDate: "2026-01-01", transactionSource: "RaiseDonors", transactionId: gifts[0].id });
      return {
        donorIds,
        docs: {
          raisedonors: { donors: keyed(donors), gifts: keyed(gifts) },
          virtuous: { contacts: keyed(contacts), gifts: keyed(vGifts) },
        },
      };
    });
});

// ---------------------------------------------------------------- vomo -> virtuous

export const vomoWorld: fc.Arbitrary<Docs> = fc
  .record({
    userIds: fc.uniqueArray(anyKey, { maxLength: 5 }),
    projectIds: fc.uniqueArray(anyKey, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ userIds, projectIds }) => {
    const userRef = userIds.length > 0 ? fc.oneof(fc.constantFrom(...userIds), fc.constantFrom(...userIds), fc.constant("gone-user")) : fc.constant("gone-user");
    return fc.record({
      users: fc.tuple(
        ...userIds.map((id, i) =>
          fc
            .record({
              first_name: optional(word),
              last_name: optional(word),
              phone: optional(phone),
              address: optional(fc.constantFrom("1 Main St", "2 Elm St")),
              gender: optional(fc.constantFrom("M", "F", "N")),
              membership_status: fc.constantFrom("INVITED", "ACCEPTED", "MEMBER", "REMOVED"),
              created_at: datetime,
              updated_at: datetime,
            })
            .map((u) => compact({ id, email: `user${i}@example.org`, ...u })),
        ),
      ),
      projects: fc.tuple(
        ...projectIds.map((id) =>
          fc.record({ name: fc.constantFrom("Food drive", "Tutoring"), kind: fc.constantFrom("DATE_TIME", "ANYTIME"), require_hours_verification: fc.boolean() }).map((p) => ({ id, ...p })),
        ),
      ),
      participations: fc.uniqueArray(
        fc.record({
          id: anyKey,
          user_id: userRef,
          project_id: fc.constantFrom(...projectIds),
          hours: fc.constantFrom("1", "2.50", "0.25", "3.0"),
          status: fc.constantFrom("PENDING", "APPROVED", "APPROVED", "DECLINED"),
          verified: fc.constantFrom(0, 1),
          checkin_at: fc.constantFrom("2026-03-01T10:00:00Z", "2026-05-02T09:30:00Z", "2026-05-03T18:00:00.000Z", "2026-06-01T00:00:00+00:00"),
        }),
        { selector: (p) => p.id, maxLength: 8 },
      ),
      // Import rows: matched, unmatched, from another source, or clashing with an upsert key.
      rows: fc.array(
        fc.record({
          user: userRef,
          kind: fc.constantFrom("matched", "matched", "unmatched", "other-source", "clash"),
          contactId: fc.constantFrom("c1", "c/2", "__proto__"),
          firstName: optional(word),
        }),
        { maxLength: 5 },
      ),
      opportunity: fc.option(fc.constantFrom(...projectIds), { nil: null }),
    }).map(({ users, projects, participations, rows, opportunity }) => {
      const imports: Rec[] = rows.map((r, i) => {
        const id = r.kind === "clash" ? `vomo-user-${r.user}` : `row-${i}`;
        return compact({
          id,
          source: r.kind === "other-source" || r.kind === "clash" ? "CSV" : "VOMO",
          externalId: r.user,
          firstName: r.firstName,
          status: r.kind === "matched" ? "Matched" : "Match Needed",
          contactId: r.kind === "matched" ? r.contactId : null,
        });
      });
      const opportunities: Rec[] = opportunity === null ? [] : [{ id: `vomo-project-${opportunity}`, name: "Old name", vomoProjectId: opportunity, isActive: false }];
      return {
        vomo: { users: keyed(users), projects: keyed(projects), participations: keyed(participations) },
        virtuous: { contactImports: keyed(uniqueBy(imports, (r) => String(r.id))), volunteerOpportunities: keyed(opportunities), volunteerAttendances: {} },
      };
    });
  });

// ---------------------------------------------------------------- momentum (three CRMs)

interface MomentumBase {
  fundraisers: Rec[];
  donors: Rec[];
  portfolios: Rec[];
  crmUserIds: string[];
  crmDonorIds: string[];
}

/** Momentum's side: fundraisers (with and without users), donors by CRM id, and existing portfolios. */
function momentumBase(crmUserIds: readonly string[], crmDonorIds: readonly string[]): fc.Arbitrary<MomentumBase> {
  return fc
    .record({
      fundraisers: fc.tuple(
        ...crmUserIds.map((crm, i) => fc.record({ user: fc.option(fc.constantFrom("u1", "u2"), { nil: null, freq: 4 }), crm: fc.option(fc.constant(crm), { nil: null, freq: 6 }) }).map((f) => compact({ id: `f${i}`, name: `Fundraiser ${i}`, crm_user_id: f.crm, user_id: f.user }))),
      ),
      // Most CRM donors are in Momentum; one may be there twice (two Momentum donors, one crm_id).
      donors: fc.tuple(...crmDonorIds.map((crm, i) => fc.constantFrom(0, 1, 1, 1, 2).map((n) => Array.from({ length: n }, (_, j) => ({ id: `d${i}${j ? `-${j}` : ""}`, crm_id: crm, name: `Donor ${i}` }))))),
      portfolios: fc.array(fc.record({ f: fc.nat({ max: Math.max(0, crmUserIds.length - 1) }), ids: fc.subarray(crmDonorIds.map((_, i) => `d${i}`)), managed: fc.boolean() }), { maxLength: 3 }),
    })
    .map(({ fundraisers, donors, portfolios }) => ({
      fundraisers,
      donors: donors.flat(),
      portfolios: uniqueBy(
        portfolios.filter(() => crmUserIds.length > 0).map((p) => ({ id: p.managed ? `f${p.f}-crm-assignments` : `f${p.f}-own`, fundraiser_id: `f${p.f}`, name: p.managed ? "CRM Assignments" : "Mine", system_managed: p.managed, donor_ids: p.ids })),
        (p) => p.id,
      ),
      crmUserIds: [...crmUserIds],
      crmDonorIds: [...crmDonorIds],
    }));
}

const crmIds = fc.record({ users: fc.uniqueArray(anyKey, { minLength: 1, maxLength: 3 }), donors: fc.uniqueArray(anyKey, { minLength: 1, maxLength: 6 }) });

export const raisersEdgeWorld: fc.Arbitrary<Docs> = crmIds.chain(({ users, donors }) =>
  fc
    .record({
      base: momentumBase(users, donors),
      assignments: fc.uniqueArray(
        fc.record({
          id: anyKey,
          constituent_id: fc.oneof(fc.constantFrom(...donors), fc.constant("not-in-momentum")),
          fundraiser_id: fc.constantFrom(...users),
          type: fc.constantFrom("Primary", "Secondary", "Tertiary"),
          start: optional(fc.constantFrom("2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z", NOW_ISO())),
          end: optional(fc.constantFrom("2026-06-01T00:00:00Z", "2027-01-01T00:00:00Z", NOW_ISO())),
        }),
        { selector: (a) => a.id, maxLength: 8 },
      ),
    })
    .map(({ base, assignments }) => ({
      raisersedge: {
        constituents: keyed(donors.map((id) => ({ id, type: "Individual", name: `C ${id}` }))),
        fundraiser_assignments: keyed(assignments.map(compact)),
      },
      momentum: { fundraisers: keyed(base.fundraisers), donors: keyed(base.donors), groupAssignments: {}, portfolios: keyed(base.portfolios) },
    })),
);

function NOW_ISO(): string {
  return "2026-11-01T14:05:00Z";
}

export const salesforceWorld: fc.Arbitrary<Docs> = crmIds.chain(({ users, donors }) =>
  fc
    .record({
      base: momentumBase(users, donors),
      accounts: fc.array(fc.record({ owner: fc.constantFrom(...users, "nobody") }), { maxLength: 3 }),
      contacts: fc.tuple(...donors.map(() => fc.record({ owner: fc.constantFrom(...users, "nobody"), account: fc.option(fc.nat({ max: 3 }), { nil: null }) }))),
    })
    .map(({ base, accounts, contacts }) => ({
      salesforce: {
        Contact: keyed(donors.map((id, i) => compact({ Id: id, LastName: `L${i}`, OwnerId: contacts[i]!.owner, AccountId: contacts[i]!.account === null ? null : `acc${contacts[i]!.account}` })), "Id"),
        Account: keyed(accounts.map((a, i) => ({ Id: `acc${i}`, Name: `Account ${i}`, OwnerId: a.owner })), "Id"),
        User: keyed(users.map((id) => ({ Id: id, LastName: "U", Email: "u@example.org", IsActive: true })), "Id"),
      },
      momentum: { fundraisers: keyed(base.fundraisers), donors: keyed(base.donors), groupAssignments: {}, portfolios: keyed(base.portfolios) },
    })),
);

export const virtuousGroupsWorld: fc.Arbitrary<Docs> = crmIds.chain(({ users, donors }) =>
  fc
    .record({
      base: momentumBase(users, donors),
      groups: fc.uniqueArray(fc.record({ id: anyKey, contactIds: fc.subarray([...donors, "not-in-momentum"]) }), { selector: (g) => g.id, maxLength: 3 }),
      assignments: fc.array(fc.record({ group: fc.nat({ max: 3 }), f: fc.nat({ max: users.length - 1 }) }), { maxLength: 4 }),
    })
    .map(({ base, groups, assignments }) => ({
      virtuous: { organizationGroups: keyed(groups.map((g) => ({ id: g.id, name: "Group", contactIds: g.contactIds }))) },
      momentum: {
        fundraisers: keyed(base.fundraisers),
        donors: keyed(base.donors),
        // A group assignment may name a group Virtuous does not have.
        groupAssignments: keyed(assignments.map((a, i) => ({ id: `ga${i}`, virtuous_group_id: groups[a.group]?.id ?? "no-such-group", fundraiser_id: `f${a.f}` }))),
        portfolios: keyed(base.portfolios),
      },
    })),
);

// ---------------------------------------------------------------- volunteerhub -> altru

export const volunteerHubWorld: fc.Arbitrary<Docs> = fc
  .record({
    userIds: fc.uniqueArray(anyKey, { maxLength: 5 }),
    groupIds: fc.uniqueArray(anyKey, { maxLength: 3 }),
    eventIds: fc.uniqueArray(anyKey, { minLength: 1, maxLength: 3 }),
  })
  .chain(({ userIds, groupIds, eventIds }) => {
    const userRef = userIds.length > 0 ? fc.constantFrom(...userIds) : fc.constant("nobody");
    return fc
      .record({
        users: fc.tuple(
          ...userIds.map((id) =>
            fc
              .record({
                FirstName: optional(word),
                MiddleName: optional(word),
                LastName: optional(word),
                Address1: optional(fc.constantFrom("1 Main St", "2 Elm St")),
                Address2: optional(fc.constantFrom("Apt 4", "")),
                City: optional(fc.constantFrom("Boston", "Austin")),
                State: optional(fc.constantFrom("MA", "TX")),
                PostalCode: optional(fc.constantFrom("02110", "73301")),
                EmailAddress: optional(fc.constantFrom("v@example.org", "w@example.org")),
                EmailAllowed: fc.boolean(),
                HomePhone: optional(phone),
                MobilePhone: optional(phone),
                WorkPhone: optional(phone),
                Birthday: optional(date),
                Gender: optional(fc.constantFrom("Female", "Male")),
                UserGroupUids: groupIds.length > 0 ? fc.subarray([...groupIds, "unknown-group"]) : fc.constant([] as string[]),
                LastUpdate: datetime,
              })
              .map((u) => compact({ UserUid: id, Username: `user-${id}`, ...u })),
          ),
        ),
        groups: fc.tuple(...groupIds.map((id) => fc.option(fc.constantFrom("org1", "org2"), { nil: null }).map((org) => compact({ UserGroupUid: id, Name: `Group ${id}`, AltruOrganizationId: org })))),
        events: fc.tuple(
          ...eventIds.map((id) =>
            fc
              .record({ Name: fc.constantFrom("Food drive", "Saturday morning beach cleanup crew", "Tutoring"), AltruJobId: fc.constantFrom("job1", "job2", "job-missing", null), StartTime: datetime })
              .map((e) => ({ EventUid: id, Name: e.Name, StartTime: e.StartTime, EndTime: e.StartTime, AltruJobId: e.AltruJobId })),
          ),
        ),
        registrations: fc.uniqueArray(
          fc.record({ RegistrationUid: anyKey, EventUid: fc.constantFrom(...eventIds), UserUid: userRef, Hours: fc.constantFrom(1, 2.5, 4), Deleted: fc.boolean(), LastUpdate: datetime }),
          { selector: (r) => r.RegistrationUid, maxLength: 6 },
        ),
        // Constituents: some carry a user's uid (one user may have two), some carry none.
        constituents: fc.array(fc.record({ uid: fc.option(userRef, { nil: null }), first: optional(word), country: optional(fc.constantFrom("US", "CA")) }), { maxLength: 5 }),
        relationships: fc.array(fc.record({ c: fc.nat({ max: 4 }), group: fc.option(fc.oneof(...(groupIds.length > 0 ? [fc.constantFrom(...groupIds)] : []), fc.constant("old-group")), { nil: null }) }), { maxLength: 4 }),
        staleTimesheet: fc.option(fc.nat({ max: 5 }), { nil: null }),
      })
      .map(({ users, groups, events, registrations, constituents, relationships, staleTimesheet }) => {
        const cons = constituents.map((c, i) =>
          compact({ id: `c${i}`, first_name: c.first, requests_no_email: false, volunteerhub_uid: c.uid, address: c.country ? { address_block: "old", country: c.country } : undefined }),
        );
        const rels = relationships
          .filter((r) => r.c < cons.length)
          .map((r, i) => compact({ id: r.group ? `vh-${String(cons[r.c]!.volunteerhub_uid)}-${r.group}` : `rel${i}`, constituent_id: `c${r.c}`, organization_id: "org1", volunteerhub_group_uid: r.group }));
        const sheets: Rec[] = [];
        const reg = staleTimesheet === null ? undefined : registrations[staleTimesheet];
        if (reg && cons[0]) sheets.push({ id: `vh-reg-${reg.RegistrationUid}`, constituent_id: "c0", job_id: "job1", job_occurrence: "Old", date: "2026-01-01", hours: 9, volunteerhub_registration_uid: reg.RegistrationUid });
        return {
          volunteerhub: { users: keyed(users, "UserUid"), events: keyed(events, "EventUid"), registrations: keyed(registrations, "RegistrationUid"), userGroups: keyed(groups, "UserGroupUid") },
          altru: {
            constituents: keyed(cons),
            timesheets: keyed(sheets),
            relationships: keyed(uniqueBy(rels, (r) => String(r.id))),
            jobs: keyed([
              { id: "job1", name: "Job 1" },
              { id: "job2", name: "Job 2" },
            ]),
            organizations: keyed([
              { id: "org1", name: "Org 1" },
              { id: "org2", name: "Org 2" },
            ]),
          },
        };
      });
  });

// ---------------------------------------------------------------- mobilecommons <-> crm

const email = fc.constantFrom("ann@example.org", " Ann@Example.org ", "bob@example.org", "cy@example.org");
const crmAddress = fc.record({ street1: optional(fc.constantFrom("1 Main", "2 Elm")), city: optional(fc.constantFrom("Boston", "Austin")) }, { requiredKeys: [] }).map(compact);

export const mobileCommonsWorld: fc.Arbitrary<Docs> = fc
  .record({
    constituentIds: fc.uniqueArray(anyKey, { maxLength: 5 }),
    profileIds: fc.uniqueArray(anyKey, { maxLength: 5 }),
  })
  .chain(({ constituentIds, profileIds }) =>
    fc
      .record({
        constituents: fc.tuple(
          ...constituentIds.map((id) =>
            fc
              .record({
                first_name: optional(word),
                last_name: optional(word),
                email: optional(email),
                mobile_phone: optional(fc.constantFrom("+12025550101", "+12025550102", "+442071234567")),
                address: optional(crmAddress),
                mobile_opt_in: fc.boolean(),
                updated_at: datetime,
              })
              .map((c) => compact({ id, ...c })),
          ),
        ),
        profiles: fc.tuple(
          ...profileIds.map((id) =>
            fc
              .record({
                first_name: optional(word),
                last_name: optional(word),
                phone_number: fc.constantFrom("12025550101", "12025550103"),
                email: optional(email),
                address: optional(crmAddress),
                status: fc.constantFrom("Active Subscriber", "Opted Out", "Undeliverable", "Deferred"),
                constituent_id: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant("no-such-constituent"), ...(constituentIds.length > 0 ? [fc.constantFrom(...constituentIds)] : [])),
                updated_at: datetime,
              })
              .map((p) => compact({ id, ...p })),
          ),
        ),
      })
      .map(({ constituents, profiles }) => ({ mobilecommons: { profiles: keyed(profiles) }, crm: { constituents: keyed(constituents) } })),
  );
