// What every ServiceStore keeps and gives back, run against SQLite and PostgreSQL alike
// (stores.test.ts): state and pairs read by key, runs and their journal, refused records,
// webhook ids and kept events, and the engine's writes for echo detection.
import { describe, expect, it } from "vitest";
import { FetchedPairs } from "../../src/state/fetched-pairs.js";
import { StateDraft } from "../../src/state/draft.js";
import type { RunEnd, ServiceStore } from "../../src/stores/service-store.js";
import type { SyncedValues, SyncState } from "../../src/state/state.js";

function end(state: SyncState | undefined, rest: Partial<RunEnd> = {}): RunEnd {
  return { status: "ok", at: "2025-03-01T00:05:00.000Z", counts: {}, failures: [], cleared: [], ...(state ? { state } : {}), ...rest };
}

let saves = 0;

/** One finished run that saves the state, each after the one before; returns what finishRun wrote. */
async function save(store: ServiceStore, state: SyncState, integration = "donors") {
  const at = Date.parse("2025-02-01T00:00:00.000Z") + saves++ * 60_000;
  const run = await store.startRun(integration, "manual", new Date(at).toISOString());
  return store.finishRun(run, end(state, { at: new Date(at + 30_000).toISOString() }));
}

function synced(links: Record<string, [left: string, right: string, values: Record<string, unknown>][]>): SyncedValues {
  return new Map(Object.entries(links).map(([link, pairs]) => [link, new Map(pairs.map(([left, right, values]) => [left, { right, values }]))]));
}

/**
 * The contract, for a store opened by `open`: each call a new handle on the same store, which
 * starts empty for each test; the caller closes what it opened after each test. `lapse` makes
 * every run's hold on its integration lapse, as when its process died (nothing, for a store
 * one process holds).
 */
export function storeContract(open: () => Promise<ServiceStore>, lapse: () => Promise<void>): void {
  describe("state", () => {
    it("is empty before the first run", async () => {
      expect(await (await open()).loadState("donors")).toEqual({ lastRun: null, synced: new Map() });
    });

    it("round-trips pairs whose keys and values are awkward data", async () => {
      const values = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "email": "zoë@example.org", "tags": ["a", null], "empty": null}') as Record<string, unknown>;
      const state: SyncState = {
        lastRun: "2025-03-01T00:00:00.000Z",
        synced: synced({
          "donor/person": [
            ["__proto__", "constructor", values],
            ["/", "a/b", { x: "\"quoted\" \\ back\nslash" }],
            ["Zoë 🎉 日本", "ключ", { "名前": "🎉" }],
            ["\u0000nul", "tab\there", {}],
          ],
          __proto__: [["1", "2", { n: 1.5 }]],
        }),
      };
      await save(await open(), state);
      // Read by another handle on the same store, as the next process would.
      const loaded = await (await open()).loadState("donors");
      expect(loaded).toEqual(state);
      const pair = loaded.synced.get("donor/person")!.get("__proto__")!;
      expect(Object.hasOwn(pair.values, "__proto__")).toBe(true);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    });

    it("reads the state a pair at a time, and keeps a run's changes alone over the stored pairs", async () => {
      const store = await open();
      const pairs: [string, string, Record<string, unknown>][] = [];
      for (let i = 0; i < 100; i++) pairs.push([`L${i}`, `R${i}`, { email: `p${i}@example.org` }]);
      await save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [...pairs, ["__proto__", "R-proto", JSON.parse('{"__proto__": 1}') as Record<string, unknown>]] }) });

      const stored = await store.pairsByKey("donors");
      expect(stored.lastRun).toBe("2025-03-01T00:00:00.000Z");
      expect(await stored.pairs("people", ["L7", "L100"])).toEqual(new Map([["L7", { right: "R7", values: { email: "p7@example.org" } }]]));
      expect(await stored.pairs("other", ["L7"])).toEqual(new Map());
      // What the engine reads: the pairs fetched, and a pair not fetched noted as missed.
      const byKey = new FetchedPairs(stored);
      await byKey.fetch([["people", ["L1", "L2", "L7", "L100", "__proto__", "L-new"]]]);
      expect(byKey.link("people").get("L7")).toEqual({ right: "R7", values: { email: "p7@example.org" } });
      expect(byKey.link("people").get("L100")).toBeUndefined();
      expect(Object.hasOwn(byKey.link("people").get("__proto__")!.values, "__proto__")).toBe(true);
      expect(byKey.takeMissed()).toEqual([]);
      expect(byKey.link("people").get("L8")).toBeUndefined();
      expect(byKey.takeMissed()).toEqual([["people", ["L8"]]]);

      // A run over it changes two pairs and makes one; the other 98 stand as they were.
      const draft = new StateDraft(byKey);
      const people = draft.link("people");
      people.writable("L1", "R1").values["email"] = "new1@example.org";
      people.writable("L2", "R-other");
      people.writable("L-new", "R-new").values["email"] = "new@example.org";
      const next = draft.result("2025-03-02T00:00:00.000Z");
      expect(next.changedOnly).toBe(true);
      expect(await save(store, next)).toEqual({ pairsWritten: 3, pairsRemoved: 0 });
      const after = (await store.loadState("donors")).synced.get("people")!;
      expect(after.size).toBe(102);
      expect(after.get("L1")).toEqual({ right: "R1", values: { email: "new1@example.org" } });
      expect(after.get("L2")).toEqual({ right: "R-other", values: {} }); // paired anew: nothing synced yet
      expect(after.get("L3")).toEqual({ right: "R3", values: { email: "p3@example.org" } });
      expect(after.get("L-new")).toEqual({ right: "R-new", values: { email: "new@example.org" } });
      expect((await store.loadState("donors")).lastRun).toBe("2025-03-02T00:00:00.000Z");
    });

    it("keeps each integration's state apart", async () => {
      const store = await open();
      await save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) }, "donors");
      await save(store, { lastRun: "2025-03-02T00:00:00.000Z", synced: synced({ people: [["b", "2", { v: 2 }]] }) }, "volunteers");
      expect((await store.loadState("donors")).synced.get("people")!.has("b")).toBe(false);
      expect((await store.loadState("volunteers")).lastRun).toBe("2025-03-02T00:00:00.000Z");
    });

    it("writes only the pairs that changed, and removes the ones gone", async () => {
      const store = await open();
      const pairs: [string, string, Record<string, unknown>][] = [];
      for (let i = 0; i < 1000; i++) pairs.push([`L${i}`, `R${i}`, { email: `p${i}@example.org`, n: i }]);
      expect(await save(store, { lastRun: null, synced: synced({ people: pairs }) })).toEqual({ pairsWritten: 1000, pairsRemoved: 0 });

      const before = (await store.loadState("donors"));
      const draft = new StateDraft(before.synced);
      const people = draft.link("people");
      for (let i = 0; i < 10; i++) people.writable(`L${i}`, `R${i}`).values["email"] = `new${i}@example.org`;
      people.writable("L10", "R10").values["n"] = 10; // written again with the same value: no change
      people.writable("L11", "other"); // paired with another record now
      people.writable("L-new", "R-new").values["n"] = -1;
      const next = draft.result("2025-03-02T00:00:00.000Z").synced;
      next.get("people")!.delete("L998");
      next.get("people")!.delete("L999");

      expect(await save(store, { lastRun: "2025-03-02T00:00:00.000Z", synced: next })).toEqual({ pairsWritten: 12, pairsRemoved: 2 });
      expect((await store.loadState("donors"))).toEqual({ lastRun: "2025-03-02T00:00:00.000Z", synced: next });
      expect(await save(store, (await store.loadState("donors")))).toEqual({ pairsWritten: 0, pairsRemoved: 0 });
    });

    it("keeps the state and cursors when a run ends without a new state", async () => {
      const store = await open();
      const state = { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) };
      let run = (await store.startRun("donors", "manual", "2025-03-01T00:00:00.000Z"));
      await store.finishRun(run, end(state, { cursors: { "crm.people": "page-7" } }));
      run = (await store.startRun("donors", "manual", "2025-03-02T00:00:00.000Z"));
      await store.finishRun(run, end(undefined, { status: "incomplete", cursors: { "crm.people": "page-9" }, message: "crm.people: page 3 failed" }));
      expect((await store.loadState("donors"))).toEqual(state);
      expect((await store.cursor("donors", "crm.people"))).toBe("page-7");
      expect((await store.cursor("donors", "other"))).toBeUndefined();
    });
  });

  describe("runs", () => {
    it("keeps the history, newest first, with counts and messages", async () => {
      const store = await open();
      const a = (await store.startRun("donors", "every 10 minutes", "2025-03-01T00:00:00Z"));
      const b = (await store.startRun("volunteers", "manual", "2025-03-01T00:01:00Z"));
      await store.finishRun(a, end(undefined, { status: "partial", counts: { create: 3, failed: 1 }, message: "1 record refused" }));
      expect((await store.runs()).map((r) => [r.id, r.status])).toEqual([
        [b, "running"],
        [a, "partial"],
      ]);
      expect((await store.runs({ integration: "donors" }))).toEqual([
        { id: a, integration: "donors", trigger: "every 10 minutes", status: "partial", startedAt: "2025-03-01T00:00:00.000Z", finishedAt: "2025-03-01T00:05:00.000Z", counts: { create: 3, failed: 1 }, message: "1 record refused" },
      ]);
      expect((await store.runs({ limit: 1 })).map((r) => r.id)).toEqual([b]);
      await expect(store.finishRun(a, end(undefined))).rejects.toThrow(/already ended as partial/);
    });

    it("keeps a failed run's code with its message, and gives them back apart", async () => {
      const store = await open();
      const run = (await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"));
      await store.finishRun(run, end(undefined, { status: "failed", code: "RUN003", message: "reading failed: crm answered 500" }));
      expect((await store.runs())[0]).toMatchObject({ status: "failed", code: "RUN003", message: "reading failed: crm answered 500" });
      // A message that only looks coded is left as it is.
      const other = (await store.startRun("donors", "manual", "2025-03-01T00:10:00Z"));
      await store.finishRun(other, end(undefined, { status: "partial", message: "XYZ123: not a code" }));
      expect((await store.runs())[0]).not.toHaveProperty("code");
      expect((await store.runs())[0]!.message).toBe("XYZ123: not a code");
    });

    it("journals applied writes in order", async () => {
      const store = await open();
      const run = (await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"));
      await store.journalWrite(run, "crm", { collection: "people", key: "7", action: "create", fields: { name: "Ann", __proto__: null } });
      await store.journalWrite(run, "crm", { collection: "people", key: "8", action: "delete" });
      expect((await store.journal(run))).toEqual([
        { runId: run, system: "crm", write: { collection: "people", key: "7", action: "create", fields: { name: "Ann" } } },
        { runId: run, system: "crm", write: { collection: "people", key: "8", action: "delete" } },
      ]);
    });
  });

  describe("record failures", () => {
    const refused = { system: "crm", collection: "people", key: "42", action: "update", status: 422, reason: "email: must be an email address" };

    it("are recorded, counted on each attempt, and cleared when the record applies", async () => {
      const store = await open();
      let run = (await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"));
      await store.finishRun(run, end(undefined, { status: "partial", at: "2025-03-01T00:01:00Z", failures: [refused, { ...refused, key: "43" }] }));
      run = (await store.startRun("donors", "manual", "2025-03-01T01:00:00Z"));
      await store.finishRun(run, end(undefined, { status: "partial", at: "2025-03-01T01:01:00Z", failures: [{ ...refused, reason: "email: still not an email address" }], cleared: [{ system: "crm", collection: "people", key: "43" }] }));
      expect((await store.failures("donors"))).toEqual([
        { integration: "donors", ...refused, reason: "email: still not an email address", firstSeen: "2025-03-01T00:01:00.000Z", lastSeen: "2025-03-01T01:01:00.000Z", attempts: 2 },
      ]);

      run = (await store.startRun("donors", "manual", "2025-03-01T02:00:00Z"));
      await store.finishRun(run, end(undefined, { cleared: [{ system: "crm", collection: "people", key: "42" }] }));
      expect((await store.failures())).toEqual([]);
    });

    it("belong to their integration", async () => {
      const store = await open();
      const run = (await store.startRun("volunteers", "manual", "2025-03-01T00:00:00Z"));
      await store.finishRun(run, end(undefined, { status: "partial", failures: [refused] }));
      const other = (await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"));
      await store.finishRun(other, end(undefined, { cleared: [{ system: "crm", collection: "people", key: "42" }] }));
      expect((await store.failures("donors"))).toEqual([]);
      expect((await store.failures()).map((f) => f.integration)).toEqual(["volunteers"]);
    });
  });

  describe("webhook ids and engine writes", () => {
    it("tells a replayed webhook id from a new one, per connection, for at least 7 days", async () => {
      const store = await open();
      expect((await store.rememberWebhook("crm", "msg_1", "2025-03-01T00:00:00Z"))).toBe(true);
      expect((await store.rememberWebhook("crm", "msg_1", "2025-03-01T00:00:01Z"))).toBe(false);
      expect((await store.rememberWebhook("vomo", "msg_1", "2025-03-01T00:00:02Z"))).toBe(true);
      expect((await store.rememberWebhook("crm", "msg_1", "2025-03-07T23:59:59Z"))).toBe(false);
      // Pruned once older than 7 days: a sender's retries stop long before.
      expect((await store.rememberWebhook("crm", "msg_2", "2025-03-08T00:00:01Z"))).toBe(true);
      expect((await store.rememberWebhook("crm", "msg_1", "2025-03-08T00:00:02Z"))).toBe(true);
    });

    it("remembers the engine's own writes for echo detection, with the record as written, for a day", async () => {
      const store = await open();
      const record = JSON.parse('{"__proto__": "data", "id": "1", "phone": "+1"}') as Record<string, unknown>;
      await store.noteWrites("a", "crm", [{ collection: "people", key: "1", record }, { collection: "people", key: "__proto__", record: null }], "2025-03-01T10:00:00Z");
      const found = (await store.recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z"));
      expect(found?.record && Object.keys(found.record)).toEqual(["__proto__", "id", "phone"]);
      expect(Object.getPrototypeOf(found!.record)).toBe(Object.prototype);
      expect((await store.recentWrite("a", "crm", "people", "__proto__", "2025-03-01T09:55:00Z"))).toEqual({ collection: "people", key: "__proto__", record: null });
      expect((await store.recentWrite("a", "crm", "people", "1", "2025-03-01T10:00:01Z"))).toBeUndefined();
      expect((await store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z"))).toBeUndefined();
      // Another integration's write, or another connection's, is not this one's echo.
      expect((await store.recentWrite("b", "crm", "people", "1", "2025-03-01T09:55:00Z"))).toBeUndefined();
      expect((await store.recentWrite("a", "vomo", "people", "1", "2025-03-01T09:55:00Z"))).toBeUndefined();
      await store.noteWrites("a", "crm", [{ collection: "people", key: "2", record: { id: "2" } }], "2025-03-02T10:00:01Z");
      expect((await store.recentWrite("a", "crm", "people", "1", "2025-01-01T00:00:00Z"))).toBeUndefined();
    });
  });

  describe("kept events", () => {
    it("keeps a webhook's event for each integration it starts with its id, once, until a run takes it", async () => {
      const store = await open();
      const event = { system: "crm", type: "person.updated", recordId: "__proto__", actor: "ncoa" };
      const kept = await store.takeWebhook("crm", "msg_1", "2025-03-01T00:00:00Z", event, ["donors", "volunteers"]);
      expect(kept?.map((k) => [k.integration, k.connection, k.event])).toEqual([
        ["donors", "crm", event],
        ["volunteers", "crm", event],
      ]);
      expect(new Set(kept!.map((k) => k.seq)).size).toBe(2);
      // The same id again keeps nothing: a replay.
      expect(await store.takeWebhook("crm", "msg_1", "2025-03-01T00:00:01Z", event, ["donors"])).toBeUndefined();
      const other = await store.takeWebhook("crm", "msg_2", "2025-03-01T00:00:02Z", { ...event, recordId: "7" }, ["donors"]);
      // What the next start finds, oldest first, by another handle.
      const pending = await (await open()).pendingEvents();
      expect(pending.map((p) => [p.seq, p.integration, p.event.recordId])).toEqual([
        [kept![0]!.seq, "donors", "__proto__"],
        [kept![1]!.seq, "volunteers", "__proto__"],
        [other![0]!.seq, "donors", "7"],
      ]);
      expect(kept![0]!.seq).toBeLessThan(other![0]!.seq);
      await store.eventsTaken([kept![0]!.seq]);
      expect((await store.pendingEvents()).map((p) => p.integration)).toEqual(["volunteers", "donors"]);
      await store.eventsTaken([]);
      // A run forgets the events it answers in the transaction that ends it.
      const run = await store.startRun("donors", "1 event", "2025-03-01T00:01:00Z");
      await store.finishRun(run, end(undefined, { taken: [other![0]!.seq] }));
      expect((await store.pendingEvents()).map((p) => p.integration)).toEqual(["volunteers"]);
    });
  });

  describe("interrupted runs", () => {
    it("marks the runs left running as interrupted, saying how many writes were journaled", async () => {
      const store = await open();
      const done = await store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
      await store.finishRun(done, end(undefined));
      const left = await store.startRun("donors", "every 10 minutes", "2025-03-01T01:00:00Z");
      for (const key of ["b", "c\u0000d", "__proto__"]) await store.journalWrite(left, "crm", { collection: "people", key, action: "create", fields: { name: key } });
      expect((await store.journal(left)).map((j) => j.write.key)).toEqual(["b", "c\u0000d", "__proto__"]);
      await lapse();
      const recovered = await (await open()).recoverInterrupted("2025-03-01T02:00:00Z");
      expect(recovered.map((r) => [r.id, r.status])).toEqual([[left, "interrupted"]]);
      expect(recovered[0]!.message).toMatch(/stopped before this run finished .* accepted 3 writes .* the next run of donors reads the systems again/);
      expect((await store.runs())[0]).toMatchObject({ id: left, status: "interrupted", finishedAt: "2025-03-01T02:00:00.000Z" });
      expect(await store.recoverInterrupted("2025-03-01T02:00:01Z")).toEqual([]);
    });
  });
}
