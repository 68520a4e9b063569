// What the PostgreSQL store does beyond the contract every store keeps (store-contract.ts):
// a run holds its integration's lease across every worker, with a fencing epoch taken at its
// start and checked at its commit; runs of one integration never overlap (an exclusion
// constraint holds it); and a server or schema it cannot use is a message, never a stack.
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import { OrganizationBusy, type RunEnd } from "../../src/stores/service-store.js";
import type { SyncState } from "../../src/state/state.js";
import { dropSchemas, lapseLeases, testDatabaseUrl, testSchema, testRows } from "./postgres-server.js";

const schemas: string[] = [];
const opened: PostgresServiceStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});
afterAll(async () => dropSchemas(await testDatabaseUrl(), schemas));

/** Two workers' handles on one new store. */
async function twoWorkers(leaseSeconds?: number): Promise<[PostgresServiceStore, PostgresServiceStore, string]> {
  const schema = testSchema();
  schemas.push(schema);
  const url = await testDatabaseUrl();
  const open = async () => {
    const store = await PostgresServiceStore.open(url, { schema, ...(leaseSeconds ? { leaseSeconds } : {}) });
    opened.push(store);
    return store;
  };
  return [await open(), await open(), schema];
}

const state = (value: string): SyncState => ({ lastRun: "2025-03-01T00:00:00.000Z", synced: new Map([["people", new Map([["a", { right: "1", values: { name: value } }]])]]) });
const end = (at: string, rest: Partial<RunEnd> = {}): RunEnd => ({ status: "ok", at, counts: {}, failures: [], cleared: [], ...rest });


describe("a run's lease", () => {
  it("is one worker's at a time: another worker's run of the same integration is refused while it is renewed", async () => {
    const [a, b] = await twoWorkers();
    const run = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await expect(b.startRun("donors", "manual", "2025-03-01T00:00:01Z")).rejects.toMatchObject({ code: "SVC004", message: expect.stringMatching(/^donors is running on another worker \(.+:\d+:[0-9a-f]{8}, its lease until .+\); this run waits for the next turn$/) });
    // Another integration runs meanwhile.
    const other = await b.startRun("volunteers", "manual", "2025-03-01T00:00:01Z");
    await b.finishRun(other, end("2025-03-01T00:00:02Z"));
    expect(a.fence(run).stopped()).toBeUndefined();
    await a.finishRun(run, end("2025-03-01T00:01:00Z", { state: state("Ann") }));
    // Once it ended, the next run may be anyone's.
    const next = await b.startRun("donors", "manual", "2025-03-01T00:02:00Z");
    await b.finishRun(next, end("2025-03-01T00:03:00Z"));
    expect((await b.runs({ integration: "donors" })).map((r) => r.status)).toEqual(["ok", "ok"]);
  });

  it("lapsed, is taken over with a new epoch: the first worker's run is interrupted, its writes stop and its commit is refused", async () => {
    const [a, b, schema] = await twoWorkers();
    const first = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await a.journalWrite(first, "crm", { collection: "people", key: "a", action: "create", fields: { name: "Ann" } });
    await lapseLeases(await testDatabaseUrl(), schema);

    const second = await b.startRun("donors", "manual", "2025-03-01T00:05:00Z");
    const runs = await b.runs({ integration: "donors" });
    expect(runs.map((r) => [r.id, r.status, r.finishedAt])).toEqual([
      [second, "running", null],
      [first, "interrupted", "2025-03-01T00:05:00.000Z"],
    ]);
    expect(runs[1]!.message).toMatch(/another worker took the run over\), after the systems had accepted 1 write/);

    // The first worker learns it at its commit at the latest: refused, nothing of it kept.
    await expect(a.finishRun(first, end("2025-03-01T00:06:00Z", { state: state("stale") }))).rejects.toMatchObject({
      code: "SVC004",
      message: expect.stringMatching(/run \d+ of donors was taken over by another worker \(its lease lapsed: epoch 1 became 2\); nothing of it was saved/),
    });
    await b.finishRun(second, end("2025-03-01T00:07:00Z", { state: state("fresh") }));
    expect((await b.loadState("donors")).synced.get("people")!.get("a")!.values).toEqual({ name: "fresh" });
    const leases = await testRows<{ epoch: string; holder: string | null }>(`SELECT epoch, holder FROM "${schema}".leases WHERE integration = 'donors'`);
    expect(leases).toEqual([{ epoch: "2", holder: null }]);
  });

  it("stops the writes of a worker that could not renew it in time, asked of the clock at each write", async () => {
    const [a, , schema] = await twoWorkers(1);
    const run = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    expect(a.fence(run).stopped()).toBeUndefined();
    // The lease row held by another transaction: renewals wait, as with a database out of reach.
    const client = new pg.Client({ connectionString: await testDatabaseUrl() });
    await client.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT * FROM "${schema}".leases FOR UPDATE`);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect(a.fence(run).stopped()).toMatch(/^the lease of donors was not renewed within 1 s \(the process was paused, or the database out of reach\)/);
    } finally {
      await client.query("ROLLBACK");
      await client.end();
    }
    // Renewed again with its epoch (nobody took it meanwhile), the run may write again.
    await expect.poll(() => a.fence(run).stopped(), { timeout: 5000, interval: 50 }).toBeUndefined();
    await a.finishRun(run, end("2025-03-01T00:01:00Z"));
  });

  it("given up after its fence tripped, is freed for the next run, which another worker may start at once", async () => {
    const [a, b] = await twoWorkers(1);
    const run = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await a.abandonRun(run, "2025-03-01T00:00:30Z");
    expect(a.fence(run).stopped()).toBeUndefined(); // no longer held: nothing to ask
    const next = await b.startRun("donors", "manual", "2025-03-01T00:01:00Z");
    await b.finishRun(next, end("2025-03-01T00:02:00Z"));
    expect((await b.runs({ integration: "donors" })).map((r) => [r.status, r.finishedAt])).toEqual([
      ["ok", "2025-03-01T00:02:00.000Z"],
      ["interrupted", "2025-03-01T00:00:30.000Z"],
    ]);
  });

  it("learns from its next renewal that another worker took it over", async () => {
    const [a, b, schema] = await twoWorkers(1);
    const run = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await lapseLeases(await testDatabaseUrl(), schema);
    await b.startRun("donors", "manual", "2025-03-01T00:05:00Z");
    await expect.poll(() => a.fence(run).stopped(), { timeout: 5000, interval: 50 }).toBe("another worker took donors over (the lease's epoch is no longer 1)");
  });
});

describe("an organization's limit", () => {
  it("refuses a run past the organization's maxRuns across workers, counts no lapsed lease, and leaves other organizations be", async () => {
    const [a, b, schema] = await twoWorkers();
    const hope = { organization: "hope", maxRuns: 2 };
    const first = await a.startRun("hope/donors", "manual", "2025-03-01T00:00:00Z", hope);
    await b.startRun("hope/volunteers", "manual", "2025-03-01T00:00:00Z", hope);
    await expect(a.startRun("hope/texting", "manual", "2025-03-01T00:00:01Z", hope)).rejects.toBeInstanceOf(OrganizationBusy);
    expect(await b.organizationFull(hope, "hope/texting")).toBe(true);
    // Nothing of the refused run is recorded.
    expect(await a.runs({ integration: "hope/texting" })).toEqual([]);
    const river = await b.startRun("river/donors", "manual", "2025-03-01T00:00:01Z", { organization: "river", maxRuns: 1 });
    await b.finishRun(river, end("2025-03-01T00:00:02Z"));
    // A run that ends frees its place.
    await a.finishRun(first, end("2025-03-01T00:00:03Z"));
    expect(await b.organizationFull(hope, "hope/texting")).toBe(false);
    const texting = await a.startRun("hope/texting", "manual", "2025-03-01T00:00:04Z", hope);
    // A lapsed lease (its worker died) holds no place.
    await lapseLeases(await testDatabaseUrl(), schema);
    expect(await a.organizationFull(hope, "hope/donors")).toBe(false);
    await a.abandonRun(texting, "2025-03-01T00:00:05Z");
  });

  it("lets exactly maxRuns of many runs started at once begin", async () => {
    const [a, b] = await twoWorkers();
    const hope = { organization: "hope", maxRuns: 3 };
    const tries = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).startRun(`hope/i${i}`, "manual", "2025-03-01T00:00:00Z", hope));
    const settled = await Promise.allSettled(tries);
    expect(settled.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(settled.every((r) => r.status === "fulfilled" || r.reason instanceof OrganizationBusy)).toBe(true);
  });
});

describe("the run log", () => {
  it("starts a run of a worker whose clock is behind when the last run ended, not before: the run is made, not refused", async () => {
    const [a, b] = await twoWorkers();
    const first = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await a.finishRun(first, end("2025-03-01T00:10:00Z"));
    // b's clock is a minute behind a's.
    const second = await b.startRun("donors", "manual", "2025-03-01T00:09:00Z");
    await b.finishRun(second, end("2025-03-01T00:12:00Z"));
    expect((await b.runs({ integration: "donors" })).map((r) => [r.startedAt, r.finishedAt])).toEqual([
      ["2025-03-01T00:10:00.000Z", "2025-03-01T00:12:00.000Z"],
      ["2025-03-01T00:00:00.000Z", "2025-03-01T00:10:00.000Z"],
    ]);
  });

  it("keeps a clock five minutes behind running: a run it ends before its logged start is followed by one logged after that start", async () => {
    const [a, b] = await twoWorkers();
    const first = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await a.finishRun(first, end("2025-03-01T00:10:00Z"));
    const behind = await b.startRun("donors", "manual", "2025-03-01T00:05:00Z"); // logged at 00:10
    await b.finishRun(behind, end("2025-03-01T00:06:00Z"));
    const next = await b.startRun("donors", "manual", "2025-03-01T00:07:00Z");
    await b.finishRun(next, end("2025-03-01T00:08:00Z"));
    expect((await b.runs({ integration: "donors" })).map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
  });

  it("refuses two runs of one integration that overlap in time, whoever writes them", async () => {
    const [a, , schema] = await twoWorkers();
    const run = await a.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await a.finishRun(run, end("2025-03-01T00:10:00Z"));
    const insert = (start: string, finish: string | null, integration = "donors") =>
      testRows(`INSERT INTO "${schema}".runs (integration, trigger, status, started_at, finished_at) VALUES ($1, 'manual', 'ok', $2, $3)`, [integration, start, finish]);
    await expect(insert("2025-03-01T00:05:00Z", "2025-03-01T00:15:00Z")).rejects.toThrow(/runs_never_overlap/);
    await expect(insert("2025-03-01T00:09:59Z", null)).rejects.toThrow(/runs_never_overlap/);
    await insert("2025-03-01T00:10:00Z", "2025-03-01T00:11:00Z");
    await insert("2025-03-01T00:05:00Z", "2025-03-01T00:15:00Z", "volunteers");
  });
});

describe("a server or schema it cannot use", () => {
  it("names the store, never the password, for a server that does not answer (SVC001)", async () => {
    await expect(PostgresServiceStore.open("postgres://syncspec:hunter2@127.0.0.1:1/nowhere")).rejects.toMatchObject({
      code: "SVC001",
      message: expect.stringMatching(/^cannot use the PostgreSQL store postgres:\/\/syncspec:\*\*\*@127\.0\.0\.1:1\/nowhere \(schema syncspec\) \(PostgreSQL says: .*ECONNREFUSED.*\); check that the server is running/),
    });
  });

  it("refuses a schema that is another program's, and one a newer syncspec wrote (SVC002)", async () => {
    const url = await testDatabaseUrl();
    const theirs = testSchema();
    schemas.push(theirs);
    await testRows(`CREATE SCHEMA "${theirs}"`);
    await testRows(`CREATE TABLE "${theirs}".orders (id int)`);
    await expect(PostgresServiceStore.open(url, { schema: theirs })).rejects.toMatchObject({ code: "SVC002", message: expect.stringContaining(`the schema ${theirs} holds tables of another program, not a syncspec store`) });

    const [store, , ours] = await twoWorkers();
    await store.close();
    await testRows(`UPDATE "${ours}".schema_version SET version = 99`);
    await expect(PostgresServiceStore.open(url, { schema: ours })).rejects.toMatchObject({ code: "SVC002", message: expect.stringMatching(/was written by a newer syncspec \(state schema version 99; this syncspec reads up to version \d+\)/) });
  });

  it("says a table changed outside syncspec (SVC003), not a stack", async () => {
    const [store, , schema] = await twoWorkers();
    await testRows(`ALTER TABLE "${schema}".runs DROP COLUMN trigger`);
    await expect(store.startRun("donors", "manual", "2025-03-01T00:00:00Z")).rejects.toMatchObject({ code: "SVC003", message: expect.stringMatching(/PostgreSQL says: .*trigger.*; the store's tables were changed outside syncspec/) });
  });
});
