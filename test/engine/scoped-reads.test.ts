// A run that reads only what it needs (engine/read-loop.ts) decides as a run over everything
// does: for random worlds, states and events, an event run that starts from the event's record
// and reads what its plans miss makes the same changes, with the same outcomes, as the same
// event run over whole snapshots; and it reads less than everything when it can.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/input/event.js";
import { answerFrom, type ReadRequest } from "../../src/input/read-request.js";
import { passedOver, runReading, type ReadingRunResult } from "../../src/engine/read-loop.js";
import type { RunResult } from "../../src/engine/run.js";
import { PlanThread, type Planner } from "../../src/engine/plan-thread.js";
import type { SyncedValues, SyncState } from "../../src/state/state.js";
import { FetchedPairs } from "../../src/state/fetched-pairs.js";
import { SYSTEMS } from "../helpers.js";
import { anyKey, rdWorld, volunteerHubWorld, vomoWorld } from "./generators.js";
import { applyAll, NOW, paramsFor, run, seedPlan, type Docs } from "./support.js";

const LATER = "2026-11-02T09:00:00Z";
const PARAMS: Record<string, Record<string, unknown>> = { "vomo-virtuous": { connected_at: "2026-01-01T00:00:00Z" } };

/** Every event the plan's systems name, for a record of the world (or one it does not hold). */
function eventsOf(spec: string, docs: Docs): fc.Arbitrary<RunEvent> {
  const plan = seedPlan(spec);
  const events: fc.Arbitrary<RunEvent>[] = [];
  for (const system of [plan.systems.left, plan.systems.right]) {
    for (const [type, collection] of SYSTEMS.get(system)!.events) {
      const keys = Object.keys(docs[system]?.[collection] ?? {});
      const actors = [...(SYSTEMS.get(system)!.actors ?? [])];
      events.push(
        fc.record({
          system: fc.constant(system),
          type: fc.constant(type),
          recordId: keys.length > 0 ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constant("not-there") }) : fc.constant("not-there"),
          ...(actors.length > 0 ? { actor: fc.constantFrom(...actors) } : {}),
        }),
      );
    }
  }
  return fc.oneof(...events);
}

/** The event run with reads: it starts from the event's record and reads the rest from `docs` as asked. */
async function readingRun(spec: string, docs: Docs, event: RunEvent, state: SyncState | FetchedPairs | undefined, now: string, planner?: Planner): Promise<ReadingRunResult> {
  const plan = seedPlan(spec);
  const collection = SYSTEMS.get(event.system)!.events.get(event.type)!;
  return runReading({
    plan,
    systems: SYSTEMS,
    now,
    params: paramsFor(plan, PARAMS[spec]),
    event,
    ...(state ? { state } : {}),
    first: [{ system: event.system, request: { collection, keys: [event.recordId] } }],
    read: async (system: string, requests: readonly ReadRequest[]) => answerFrom(docs[system] ?? {}, requests),
    ...(planner ? { planner } : {}),
  });
}

/** The service's planning thread, as `npm install` builds it (scripts/build.js). */
const thread = PlanThread.start(new URL("../../dist/plan-worker.js", import.meta.url));
if (!thread) throw new Error("dist/plan-worker.js is not built: run npm run build");
afterAll(() => thread.close());

/** A state read a pair at a time, as a store gives it to a run that reads in part. */
function byKey(state: SyncState): FetchedPairs {
  return new FetchedPairs({
    lastRun: state.lastRun,
    pairs: async (link, lefts) => new Map(lefts.flatMap((left) => (state.synced.get(link)?.has(left) ? [[left, state.synced.get(link)!.get(left)!] as const] : []))),
  });
}

/** The state a store holds after a run that kept its changes alone: the changed pairs over the stored ones. */
function stored(before: SyncState | undefined, after: SyncState): SyncedValues {
  expect(after.changedOnly).toBe(true);
  const out: SyncedValues = new Map([...(before?.synced ?? [])].map(([id, pairs]) => [id, new Map(pairs)]));
  for (const [id, pairs] of after.synced) for (const [left, pair] of pairs) (out.get(id) ?? out.set(id, new Map()).get(id)!).set(left, pair);
  return out;
}

/** A state's pairs as plain values, links with no pairs left out. */
function pairsOf(synced: SyncedValues): unknown {
  return [...synced].filter(([, pairs]) => pairs.size > 0).map(([id, pairs]) => [id, [...pairs].map(([left, p]) => [left, p.right, { ...p.values }]).sort()]).sort();
}

/** What a run decided, in an order that does not depend on the order records were read in. */
function decided(result: RunResult): unknown {
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    changes: result.changes.map((c) => JSON.stringify([c.system, c.collection, c.key, c.action, c.after])).sort(byText),
    outcomes: result.outcomes.map((o) => JSON.stringify(o)).sort(byText),
    failure: result.failure?.message ?? null,
  };
}

const WORLDS: Record<string, fc.Arbitrary<Docs>> = {
  "raisedonors-virtuous": rdWorld.map((w) => w.docs),
  "vomo-virtuous": vomoWorld,
};

describe("an event run that reads what it needs", () => {
  for (const [spec, world] of Object.entries(WORLDS)) {
    it(`${spec}: decides as the same event run over whole snapshots, with no state, a state kept, or a stale one`, async () => {
      const cases = world.chain((docs) => fc.tuple(fc.constant(docs), eventsOf(spec, docs), fc.constantFrom("none", "applied", "stale")));
      await fc.assert(
        fc.asyncProperty(cases, async ([docs, event, history]) => {
          let current = docs;
          let state: SyncState | undefined;
          if (history !== "none") {
            const first = run(spec, docs, { params: PARAMS[spec] ?? {} });
            state = first.state;
            if (history === "applied" && !first.failure) current = applyAll(docs, first.patches);
          }
          const whole = run(spec, current, { event, now: LATER, params: PARAMS[spec] ?? {}, ...(state ? { state } : {}) });
          const reading = await readingRun(spec, current, event, state, LATER);
          expect(reading.result.misses).toBeUndefined();
          expect(decided(reading.result)).toEqual(decided(whole));
          // Read a pair at a time, the state decides the same, and its changes over the stored
          // pairs are the state the run over a whole state keeps.
          const keyed = await readingRun(spec, current, event, byKey(state ?? { lastRun: null, synced: new Map() }), LATER);
          expect(decided(keyed.result)).toEqual(decided(whole));
          expect(pairsOf(stored(state, keyed.result.state))).toEqual(pairsOf(reading.result.state.synced));
          // Planned on the service's planning thread, with the pairs fetched for it, the same.
          const threaded = await readingRun(spec, current, event, byKey(state ?? { lastRun: null, synced: new Map() }), LATER, thread.plan);
          expect(decided(threaded.result)).toEqual(decided(whole));
          expect(pairsOf(stored(state, threaded.result.state))).toEqual(pairsOf(reading.result.state.synced));
          expect(threaded.rounds).toBe(keyed.rounds);
          // Whatever it read, it asked for at most a few rounds before reading whole.
          expect(reading.rounds).toBeLessThanOrEqual(8);
        }),
        { numRuns: Number(process.env.RUNS ?? 150) },
      );
    });
  }

  it("reads a donor's event by the donor's key and the contacts that name it, not the collections", async () => {
    const docs: Docs = {
      raisedonors: {
        donors: {
          "1001": { id: "1001", firstName: "Ann", lastName: "Lee", email: "ann@example.org", phone: "555-0100", isOrganization: false, isArchived: false, modifiedDate: "2026-11-01T10:00:00Z" },
          "1002": { id: "1002", firstName: "Bob", lastName: "Ray", email: "bob@example.org", isOrganization: false, isArchived: false, modifiedDate: "2026-10-01T10:00:00Z" },
        },
        gifts: {},
      },
      virtuous: {
        contacts: {
          c1: { id: "c1", contactType: "Household", name: "Ann Lee", firstName: "Ann", lastName: "Lee", email: "ann@example.org", phone: "555-0199", referenceSource: "RaiseDonors", referenceId: "1001", isArchived: false, modifiedDateTimeUtc: "2026-10-01T10:00:00Z" },
          c2: { id: "c2", contactType: "Household", name: "Bob Ray", firstName: "Bob", lastName: "Ray", referenceSource: "RaiseDonors", referenceId: "1002", isArchived: false, modifiedDateTimeUtc: "2026-10-01T10:00:00Z" },
        },
        gifts: {},
      },
    };
    const event: RunEvent = { system: "raisedonors", type: "donor.updated", recordId: "1001", actor: "donor" };
    const reading = await readingRun("raisedonors-virtuous", docs, event, undefined, NOW);
    expect(reading.asked.map((a) => [a.system, a.request])).toEqual([
      ["raisedonors", { collection: "donors", keys: ["1001"] }],
      ["virtuous", { collection: "contacts", field: "referenceId", values: ["1001"] }],
    ]);
    expect(reading.whole).toEqual([]);
    // The contact's phone takes the donor's newer one; nothing else is touched.
    expect(reading.result.changes.map((c) => [c.system, c.collection, c.key, c.action, c.changedFields])).toEqual([["virtuous", "contacts", "c1", "update", ["phone"]]]);
    expect(decided(reading.result)).toEqual(decided(run("raisedonors-virtuous", docs, { event })));
  });

  it("notes a record that holds an edit the run saw and, for its direction, could not carry back", async () => {
    const docs: Docs = {
      raisedonors: { donors: { "1001": { id: "1001", firstName: "Ann", lastName: "Lee", email: "ann@example.org", isOrganization: false, isArchived: false, modifiedDate: "2026-10-01T10:00:00Z" } }, gifts: {} },
      virtuous: { contacts: {}, gifts: {} },
    };
    const first = run("raisedonors-virtuous", docs);
    const after = applyAll(docs, first.patches);
    // Someone renames the household in Virtuous; then the donor's phone changes in RaiseDonors.
    const contact = Object.values(after["virtuous"]!["contacts"]!)[0]!;
    contact["lastName"] = "Lee-Park";
    after["raisedonors"]!["donors"]!["1001"]!["phone"] = "555-0100";
    const event: RunEvent = { system: "raisedonors", type: "donor.updated", recordId: "1001", actor: "admin" };
    const reading = await readingRun("raisedonors-virtuous", after, event, first.state, LATER);
    expect(reading.result.changes.map((c) => [c.system, c.key, c.changedFields])).toEqual([["virtuous", contact["id"], ["phone"]]]);
    expect([...(reading.result.uncarried ?? [])]).toEqual([{ system: "virtuous", collection: "contacts", key: contact["id"] }]);
  });
});

describe("a scheduled run that reads what changed since the last run", () => {
  const EDITED = "2026-11-01T15:00:00Z";
  const STAMPS: Record<string, string> = { users: "LastUpdate", registrations: "LastUpdate" };
  type Edit = { kind: "user" | "registration"; pick: number; change: "name" | "groups" | "deleted" | "new" };
  const edits = fc.array(
    fc.record({ kind: fc.constantFrom("user" as const, "registration" as const), pick: fc.nat(), change: fc.constantFrom("name" as const, "groups" as const, "deleted" as const, "new" as const) }),
    { maxLength: 4 },
  );

  /** Edits made in VolunteerHub after the first run, each stamped as VolunteerHub stamps it. */
  function edit(docs: Docs, list: readonly Edit[], newKey: string): Docs {
    const out = JSON.parse(JSON.stringify(docs)) as Docs;
    const vh = out["volunteerhub"]!;
    for (const [i, e] of list.entries()) {
      const collection = e.kind === "user" ? vh["users"]! : vh["registrations"]!;
      const keys = Object.keys(collection);
      if (e.change === "new" || keys.length === 0) {
        const users = Object.keys(vh["users"]!);
        if (e.kind === "user") Object.defineProperty(vh["users"], `${newKey}${i}`, { value: { UserUid: `${newKey}${i}`, Username: "new", FirstName: "New", EmailAllowed: true, UserGroupUids: [], LastUpdate: EDITED }, enumerable: true, writable: true, configurable: true });
        else if (users.length > 0) {
          const event = Object.keys(vh["events"]!)[0]!;
          Object.defineProperty(vh["registrations"], `${newKey}r${i}`, { value: { RegistrationUid: `${newKey}r${i}`, EventUid: event, UserUid: users[e.pick % users.length], Hours: 2, Deleted: false, LastUpdate: EDITED }, enumerable: true, writable: true, configurable: true });
        }
        continue;
      }
      const record = collection[keys[e.pick % keys.length]!]!;
      record["LastUpdate"] = EDITED;
      if (e.kind === "user") {
        if (e.change === "name") record["LastName"] = "Renamed";
        else if (e.change === "groups") record["UserGroupUids"] = [];
        else record["EmailAllowed"] = !record["EmailAllowed"];
      } else if (e.change === "deleted") record["Deleted"] = !record["Deleted"];
      else record["Hours"] = 7;
    }
    return out;
  }

  it("volunteerhub-altru: decides as a run over everything, after edits VolunteerHub stamps", async () => {
    const plan = seedPlan("volunteerhub-altru");
    await fc.assert(
      // Altru's API asked by field, or one that cannot ask (SKY's custom fields) and reads whole.
      fc.asyncProperty(volunteerHubWorld, edits, anyKey, fc.boolean(), async (docs, list, newKey, altruWhole) => {
        const first = run(plan, docs);
        if (first.failure) return;
        const edited = edit(applyAll(docs, first.patches), list, `n-${newKey}`);
        const whole = run(plan, edited, { state: first.state, now: LATER });
        const reading = await runReading({
          plan,
          systems: SYSTEMS,
          now: LATER,
          params: paramsFor(plan),
          state: first.state,
          first: passedOver(plan).map(({ system, collection }) => ({ system, request: { collection, modifiedSince: first.state.lastRun! } })),
          read: async (system: string, requests: readonly ReadRequest[]) => {
            const asked = altruWhole && system === "altru" ? requests.map((r) => ({ collection: r.collection, whole: true as const })) : requests;
            return answerFrom(edited[system] ?? {}, asked, (c) => (system === "volunteerhub" ? STAMPS[c] : undefined));
          },
        });
        expect(reading.result.misses).toBeUndefined();
        expect(decided(reading.result)).toEqual(decided(whole));
        // Constituents read whole are not each a reason to ask for their user: VolunteerHub is
        // asked only for the users of what changed, and of constituents a relationship names.
        const before = applyAll(docs, first.patches);
        const reached = new Set<string>();
        for (const name of ["users", "registrations"]) {
          for (const [key, record] of Object.entries(edited["volunteerhub"]![name]!)) {
            if (JSON.stringify(record) !== JSON.stringify(before["volunteerhub"]![name]![key])) reached.add(String(record["UserUid"]));
          }
        }
        const constituents = edited["altru"]!["constituents"]!;
        for (const r of Object.values(edited["altru"]!["relationships"]!)) reached.add(String(constituents[String(r["constituent_id"])]?.["volunteerhub_uid"]));
        const usersAsked = reading.asked.flatMap((a) => (a.system === "volunteerhub" && a.request.collection === "users" && "field" in a.request ? a.request.values : []));
        expect(usersAsked.filter((uid) => !reached.has(uid))).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });
});
