// The SQLite store on real files in a temp folder: state round trips with awkward keys,
// writes only what changed, failures and their attempts, webhook replay, echo notes, a
// process killed inside finishRun, and files it must refuse with a clear message.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateDraft } from "../../src/state/draft.js";
import { StateStoreError, type RunEnd } from "../../src/stores/service-store.js";
import { SCHEMA_VERSION } from "../../src/stores/sqlite-schema.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { lockStore } from "../../src/stores/store-lock.js";
import type { SyncedValues, SyncState } from "../../src/state/state.js";

const ROOT = process.cwd();
let dir: string;
let file: string;
const opened: SqliteServiceStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "syncspec-store-"));
  file = join(dir, "state.db");
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(path = file): SqliteServiceStore {
  const store = new SqliteServiceStore(path);
  opened.push(store);
  return store;
}

function end(state: SyncState | undefined, rest: Partial<RunEnd> = {}): RunEnd {
  return { status: "ok", at: "2025-03-01T00:05:00.000Z", counts: {}, failures: [], cleared: [], ...(state ? { state } : {}), ...rest };
}

/** One finished run that saves the state; returns what finishRun wrote. */
function save(store: SqliteServiceStore, state: SyncState, integration = "donors") {
  const run = store.startRun(integration, "manual", "2025-03-01T00:00:00.000Z");
  return store.finishRun(run, end(state));
}

function synced(links: Record<string, [left: string, right: string, values: Record<string, unknown>][]>): SyncedValues {
  return new Map(Object.entries(links).map(([link, pairs]) => [link, new Map(pairs.map(([left, right, values]) => [left, { right, values }]))]));
}

describe("state", () => {
  it("is empty before the first run", () => {
    expect(open().loadState("donors")).toEqual({ lastRun: null, synced: new Map() });
  });

  it("round-trips pairs whose keys and values are awkward data", () => {
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
    save(open(), state);
    opened.pop()!.close();

    const loaded = open().loadState("donors");
    expect(loaded).toEqual(state);
    const pair = loaded.synced.get("donor/person")!.get("__proto__")!;
    expect(Object.hasOwn(pair.values, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("reads the state a pair at a time, and keeps a run's changes alone over the stored pairs", () => {
    const store = open();
    const pairs: [string, string, Record<string, unknown>][] = [];
    for (let i = 0; i < 100; i++) pairs.push([`L${i}`, `R${i}`, { email: `p${i}@example.org` }]);
    save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [...pairs, ["__proto__", "R-proto", JSON.parse('{"__proto__": 1}') as Record<string, unknown>]] }) });

    const byKey = store.pairsByKey("donors");
    expect(byKey.lastRun).toBe("2025-03-01T00:00:00.000Z");
    expect(byKey.link("people").get("L7")).toEqual({ right: "R7", values: { email: "p7@example.org" } });
    expect(byKey.link("people").get("L100")).toBeUndefined();
    expect(byKey.link("other").get("L7")).toBeUndefined();
    expect(Object.hasOwn(byKey.link("people").get("__proto__")!.values, "__proto__")).toBe(true);

    // A run over it changes two pairs and makes one; the other 98 stand as they were.
    const draft = new StateDraft(byKey);
    const people = draft.link("people");
    people.writable("L1", "R1").values["email"] = "new1@example.org";
    people.writable("L2", "R-other");
    people.writable("L-new", "R-new").values["email"] = "new@example.org";
    const next = draft.result("2025-03-02T00:00:00.000Z");
    expect(next.changedOnly).toBe(true);
    expect(save(store, next)).toEqual({ pairsWritten: 3, pairsRemoved: 0 });
    const after = store.loadState("donors").synced.get("people")!;
    expect(after.size).toBe(102);
    expect(after.get("L1")).toEqual({ right: "R1", values: { email: "new1@example.org" } });
    expect(after.get("L2")).toEqual({ right: "R-other", values: {} }); // paired anew: nothing synced yet
    expect(after.get("L3")).toEqual({ right: "R3", values: { email: "p3@example.org" } });
    expect(after.get("L-new")).toEqual({ right: "R-new", values: { email: "new@example.org" } });
    expect(store.loadState("donors").lastRun).toBe("2025-03-02T00:00:00.000Z");
  });

  it("keeps each integration's state apart", () => {
    const store = open();
    save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) }, "donors");
    save(store, { lastRun: "2025-03-02T00:00:00.000Z", synced: synced({ people: [["b", "2", { v: 2 }]] }) }, "volunteers");
    expect(store.loadState("donors").synced.get("people")!.has("b")).toBe(false);
    expect(store.loadState("volunteers").lastRun).toBe("2025-03-02T00:00:00.000Z");
  });

  it("writes only the pairs that changed, and removes the ones gone", () => {
    const store = open();
    const pairs: [string, string, Record<string, unknown>][] = [];
    for (let i = 0; i < 1000; i++) pairs.push([`L${i}`, `R${i}`, { email: `p${i}@example.org`, n: i }]);
    expect(save(store, { lastRun: null, synced: synced({ people: pairs }) })).toEqual({ pairsWritten: 1000, pairsRemoved: 0 });

    const before = store.loadState("donors");
    const draft = new StateDraft(before.synced);
    const people = draft.link("people");
    for (let i = 0; i < 10; i++) people.writable(`L${i}`, `R${i}`).values["email"] = `new${i}@example.org`;
    people.writable("L10", "R10").values["n"] = 10; // written again with the same value: no change
    people.writable("L11", "other"); // paired with another record now
    people.writable("L-new", "R-new").values["n"] = -1;
    const next = draft.result("2025-03-02T00:00:00.000Z").synced;
    next.get("people")!.delete("L998");
    next.get("people")!.delete("L999");

    expect(save(store, { lastRun: "2025-03-02T00:00:00.000Z", synced: next })).toEqual({ pairsWritten: 12, pairsRemoved: 2 });
    expect(store.loadState("donors")).toEqual({ lastRun: "2025-03-02T00:00:00.000Z", synced: next });
    expect(save(store, store.loadState("donors"))).toEqual({ pairsWritten: 0, pairsRemoved: 0 });
  });

  it("keeps the state and cursors when a run ends without a new state", () => {
    const store = open();
    const state = { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) };
    let run = store.startRun("donors", "manual", "2025-03-01T00:00:00.000Z");
    store.finishRun(run, end(state, { cursors: { "crm.people": "page-7" } }));
    run = store.startRun("donors", "manual", "2025-03-02T00:00:00.000Z");
    store.finishRun(run, end(undefined, { status: "incomplete", cursors: { "crm.people": "page-9" }, message: "crm.people: page 3 failed" }));
    expect(store.loadState("donors")).toEqual(state);
    expect(store.cursor("donors", "crm.people")).toBe("page-7");
    expect(store.cursor("donors", "other")).toBeUndefined();
  });
});

describe("runs", () => {
  it("keeps the history, newest first, with counts and messages", () => {
    const store = open();
    const a = store.startRun("donors", "every 10 minutes", "2025-03-01T00:00:00Z");
    const b = store.startRun("volunteers", "manual", "2025-03-01T00:01:00Z");
    store.finishRun(a, end(undefined, { status: "partial", counts: { create: 3, failed: 1 }, message: "1 record refused" }));
    expect(store.runs().map((r) => [r.id, r.status])).toEqual([
      [b, "running"],
      [a, "partial"],
    ]);
    expect(store.runs({ integration: "donors" })).toEqual([
      { id: a, integration: "donors", trigger: "every 10 minutes", status: "partial", startedAt: "2025-03-01T00:00:00.000Z", finishedAt: "2025-03-01T00:05:00.000Z", counts: { create: 3, failed: 1 }, message: "1 record refused" },
    ]);
    expect(store.runs({ limit: 1 }).map((r) => r.id)).toEqual([b]);
    expect(() => store.finishRun(a, end(undefined))).toThrow(/already ended as partial/);
  });

  it("keeps a failed run's code with its message, and gives them back apart", () => {
    const store = open();
    const run = store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    store.finishRun(run, end(undefined, { status: "failed", code: "RUN003", message: "reading failed: crm answered 500" }));
    expect(store.runs()[0]).toMatchObject({ status: "failed", code: "RUN003", message: "reading failed: crm answered 500" });
    // In the table, the code leads the message: no column (and no migration) for it.
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT message FROM runs WHERE id = ?").pluck().get(run)).toBe("RUN003: reading failed: crm answered 500");
    db.close();
    // A message that only looks coded is left as it is.
    const other = store.startRun("donors", "manual", "2025-03-01T00:10:00Z");
    store.finishRun(other, end(undefined, { status: "partial", message: "XYZ123: not a code" }));
    expect(store.runs()[0]).not.toHaveProperty("code");
    expect(store.runs()[0]!.message).toBe("XYZ123: not a code");
  });

  it("journals applied writes in order", () => {
    const store = open();
    const run = store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    store.journalWrite(run, "crm", { collection: "people", key: "7", action: "create", fields: { name: "Ann", __proto__: null } });
    store.journalWrite(run, "crm", { collection: "people", key: "8", action: "delete" });
    expect(store.journal(run)).toEqual([
      { runId: run, system: "crm", write: { collection: "people", key: "7", action: "create", fields: { name: "Ann" } } },
      { runId: run, system: "crm", write: { collection: "people", key: "8", action: "delete" } },
    ]);
  });
});

describe("record failures", () => {
  const refused = { system: "crm", collection: "people", key: "42", action: "update", status: 422, reason: "email: must be an email address" };

  it("are recorded, counted on each attempt, and cleared when the record applies", () => {
    const store = open();
    let run = store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    store.finishRun(run, end(undefined, { status: "partial", at: "2025-03-01T00:01:00Z", failures: [refused, { ...refused, key: "43" }] }));
    run = store.startRun("donors", "manual", "2025-03-01T01:00:00Z");
    store.finishRun(run, end(undefined, { status: "partial", at: "2025-03-01T01:01:00Z", failures: [{ ...refused, reason: "email: still not an email address" }], cleared: [{ system: "crm", collection: "people", key: "43" }] }));
    expect(store.failures("donors")).toEqual([
      { integration: "donors", ...refused, reason: "email: still not an email address", firstSeen: "2025-03-01T00:01:00.000Z", lastSeen: "2025-03-01T01:01:00.000Z", attempts: 2 },
    ]);

    run = store.startRun("donors", "manual", "2025-03-01T02:00:00Z");
    store.finishRun(run, end(undefined, { cleared: [{ system: "crm", collection: "people", key: "42" }] }));
    expect(store.failures()).toEqual([]);
  });

  it("belong to their integration", () => {
    const store = open();
    const run = store.startRun("volunteers", "manual", "2025-03-01T00:00:00Z");
    store.finishRun(run, end(undefined, { status: "partial", failures: [refused] }));
    const other = store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    store.finishRun(other, end(undefined, { cleared: [{ system: "crm", collection: "people", key: "42" }] }));
    expect(store.failures("donors")).toEqual([]);
    expect(store.failures().map((f) => f.integration)).toEqual(["volunteers"]);
  });
});

describe("webhook ids and engine writes", () => {
  it("tells a replayed webhook id from a new one, per connection, for at least 7 days", () => {
    const store = open();
    expect(store.rememberWebhook("crm", "msg_1", "2025-03-01T00:00:00Z")).toBe(true);
    expect(store.rememberWebhook("crm", "msg_1", "2025-03-01T00:00:01Z")).toBe(false);
    expect(store.rememberWebhook("vomo", "msg_1", "2025-03-01T00:00:02Z")).toBe(true);
    expect(store.rememberWebhook("crm", "msg_1", "2025-03-07T23:59:59Z")).toBe(false);
    // Pruned once older than 7 days: a sender's retries stop long before.
    expect(store.rememberWebhook("crm", "msg_2", "2025-03-08T00:00:01Z")).toBe(true);
    expect(store.rememberWebhook("crm", "msg_1", "2025-03-08T00:00:02Z")).toBe(true);
  });

  it("remembers the engine's own writes for echo detection, with the record as written, for a day", () => {
    const store = open();
    const record = JSON.parse('{"__proto__": "data", "id": "1", "phone": "+1"}') as Record<string, unknown>;
    store.noteWrites("a", "crm", [{ collection: "people", key: "1", record }, { collection: "people", key: "__proto__", record: null }], "2025-03-01T10:00:00Z");
    const found = store.recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z");
    expect(found?.record && Object.keys(found.record)).toEqual(["__proto__", "id", "phone"]);
    expect(Object.getPrototypeOf(found!.record)).toBe(Object.prototype);
    expect(store.recentWrite("a", "crm", "people", "__proto__", "2025-03-01T09:55:00Z")).toEqual({ collection: "people", key: "__proto__", record: null });
    expect(store.recentWrite("a", "crm", "people", "1", "2025-03-01T10:00:01Z")).toBeUndefined();
    expect(store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z")).toBeUndefined();
    // Another integration's write, or another connection's, is not this one's echo.
    expect(store.recentWrite("b", "crm", "people", "1", "2025-03-01T09:55:00Z")).toBeUndefined();
    expect(store.recentWrite("a", "vomo", "people", "1", "2025-03-01T09:55:00Z")).toBeUndefined();
    store.noteWrites("a", "crm", [{ collection: "people", key: "2", record: { id: "2" } }], "2025-03-02T10:00:01Z");
    expect(store.recentWrite("a", "crm", "people", "1", "2025-01-01T00:00:00Z")).toBeUndefined();
  });

  it("takes a noted record changed outside syncspec for no write, so the event it would stop runs", () => {
    const store = open();
    store.noteWrites("a", "crm", [{ collection: "people", key: "1", record: { id: "1" } }, { collection: "people", key: "2", record: { id: "2" } }], "2025-03-01T10:00:00Z");
    const db = new Database(file);
    db.prepare("UPDATE engine_writes SET record = '{broken' WHERE record_key = '1'").run();
    db.prepare("UPDATE engine_writes SET record = '[1]' WHERE record_key = '2'").run();
    db.close();
    expect(store.recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z")).toBeUndefined();
    expect(store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z")).toBeUndefined();
  });
});

describe("a store written by the previous syncspec (schema version 1)", () => {
  /** A store as version 1 left it: its engine writes kept only the fields each write set. */
  function versionOne(): void {
    const store = open();
    save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) });
    store.rememberWebhook("crm", "msg_1", "2025-03-01T10:00:00Z");
    opened.pop()!.close();
    const db = new Database(file);
    db.exec(`
      DROP TABLE engine_writes;
      DROP TABLE pending_events;
      CREATE TABLE engine_writes (
        integration TEXT NOT NULL,
        connection TEXT NOT NULL,
        collection TEXT NOT NULL,
        record_key TEXT NOT NULL,
        written_at TEXT NOT NULL,
        fields TEXT,
        PRIMARY KEY (integration, connection, collection, record_key)
      ) WITHOUT ROWID;
      CREATE INDEX engine_writes_by_age ON engine_writes (written_at);
      INSERT INTO engine_writes VALUES ('a', 'crm', 'people', '1', '2025-03-01T10:00:00.000Z', '{"crmKey": "c1"}');
      UPDATE schema_version SET version = 1;
    `);
    db.close();
  }

  it("opens, keeping its state, runs and webhook ids, and notes the engine's writes as this version does", () => {
    versionOne();
    const store = open();
    expect(store.loadState("donors").synced.get("people")?.get("a")).toEqual({ right: "1", values: { v: 1 } });
    expect(store.runs()).toHaveLength(1);
    expect(store.rememberWebhook("crm", "msg_1", "2025-03-01T10:00:01Z")).toBe(false);
    store.noteWrites("a", "crm", [{ collection: "people", key: "2", record: { id: "2", phone: "+1" } }], "2025-03-01T10:00:02Z");
    expect(store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z")).toEqual({ collection: "people", key: "2", record: { id: "2", phone: "+1" } });
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_version").pluck().get()).toBe(SCHEMA_VERSION);
    db.close();
  });

  it("drops the writes it noted with their fields only: they cannot tell an echo from an edit, so their events run", () => {
    versionOne();
    expect(open().recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z")).toBeUndefined();
  });
});

describe("a process killed inside finishRun", () => {
  it("leaves the previous run's state whole, and its run is then marked interrupted", async () => {
    // The store bundled for a plain `node` child, its packages (better-sqlite3) found beside it.
    await build({ entryPoints: [join(ROOT, "src/stores/sqlite-store.ts")], outfile: join(dir, "store.mjs"), bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "child.mjs"), KILLED_CHILD);

    const { stdout, stderr } = await runUntilInsideThenKill(join(dir, "child.mjs"), file);
    expect(stdout, stderr).toContain("inside finishRun");

    const store = open();
    const [first, second] = store.runs().reverse();
    expect(first!.status).toBe("ok");
    expect(second!.status).toBe("running");
    // Nothing of the killed finishRun: not its state, its last run, its failures or its cursor.
    expect(store.loadState("donors")).toEqual({ lastRun: "2025-03-01T00:00:00Z", synced: synced({ people: [["a", "1", { name: "Ann" }]] }) });
    expect(store.failures()).toEqual([]);
    expect(store.cursor("donors", "crm.people")).toBeUndefined();
    // What the systems accepted before the kill is there to see.
    expect(store.journal(second!.id).map((j) => j.write.key)).toEqual(["b", "c", "d"]);

    const recovered = store.recoverInterrupted("2025-03-01T02:00:00Z");
    expect(recovered.map((r) => [r.id, r.status])).toEqual([[second!.id, "interrupted"]]);
    expect(recovered[0]!.message).toMatch(/stopped before this run finished .* accepted 3 writes .* the next run of donors reads the systems again/);
    expect(store.runs()[0]).toMatchObject({ id: second!.id, status: "interrupted", finishedAt: "2025-03-01T02:00:00.000Z" });
    expect(store.recoverInterrupted("2025-03-01T02:00:01Z")).toEqual([]);
  });
});

/**
 * Saves one run, journals three writes of a second, then stalls inside the second's
 * finishRun (its state's second link is read after the run's end, its failure, last run and
 * cursor were written in the transaction), says so, and waits to be killed.
 */
const KILLED_CHILD = `
import { writeSync } from "node:fs";
import { SqliteServiceStore } from "./store.mjs";
const store = new SqliteServiceStore(process.argv[2]);
const people = (pairs) => new Map(pairs.map(([l, r, v]) => [l, { right: r, values: v }]));
let run = store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
store.finishRun(run, { status: "ok", at: "2025-03-01T00:01:00Z", counts: {}, failures: [], cleared: [],
  state: { lastRun: "2025-03-01T00:00:00Z", synced: new Map([["people", people([["a", "1", { name: "Ann" }]])]]) } });
run = store.startRun("donors", "every 10 minutes", "2025-03-01T01:00:00Z");
for (const key of ["b", "c", "d"]) store.journalWrite(run, "crm", { collection: "people", key, action: "create", fields: { name: key } });
class StallingMap extends Map {
  *[Symbol.iterator]() {
    let n = 0;
    for (const entry of super[Symbol.iterator]()) {
      if (n++ === 1) {
        writeSync(1, "inside finishRun\\n");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      }
      yield entry;
    }
  }
}
const synced = new StallingMap([
  ["people", people([["a", "1", { name: "Ann B" }], ["b", "2", { name: "b" }], ["c", "3", { name: "c" }]])],
  ["places", people([["p", "9", { city: "Oslo" }]])],
]);
store.finishRun(run, { status: "partial", at: "2025-03-01T01:01:00Z", counts: { create: 3 }, cursors: { "crm.people": "page-2" },
  failures: [{ system: "crm", collection: "people", key: "e", action: "create", status: 422, reason: "email: required" }], cleared: [],
  state: { lastRun: "2025-03-01T01:00:00Z", synced } });
writeSync(1, "finishRun returned: the stall did not happen\\n");
`;

/** Runs the child until it says it is inside finishRun, then kills it with SIGKILL. */
function runUntilInsideThenKill(script: string, stateFile: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, stateFile], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("inside finishRun")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve({ stdout, stderr });
      else reject(new Error(`the child ended by itself (${signal ?? "no signal"}), before it could be killed: ${stdout}${stderr}`));
    });
  });
}

describe("files it cannot use", () => {
  function openError(path: string): StateStoreError {
    try {
      open(path);
    } catch (error) {
      expect(error).toBeInstanceOf(StateStoreError);
      return error as StateStoreError;
    }
    throw new Error(`${path} opened`);
  }

  it("refuses a file from a newer syncspec, naming it", () => {
    open().close();
    const db = new Database(file);
    db.prepare("UPDATE schema_version SET version = 99").run();
    db.close();
    const error = openError(file);
    expect(error.file).toBe(file);
    expect(error.problem).toMatchObject({ code: "SVC002", severity: "error", file });
    expect(error.message).toBe(`${file} was written by a newer syncspec (state schema version 99; this syncspec reads up to version ${SCHEMA_VERSION}). Upgrade syncspec to use it, or name another state file.`);
  });

  it("refuses a file that is not a SQLite database, such as a JSON state file", () => {
    writeFileSync(file, '{"syncspec": "state", "version": 1, "links": {}}\n'.repeat(200));
    const error = openError(file);
    expect(error.code).toBe("SVC002");
    expect(error.message).toMatch(new RegExp(`^${escape(file)} is not a SQLite database, so it is not a syncspec state store`));
  });

  it("refuses another program's SQLite database", () => {
    const db = new Database(file);
    db.exec("CREATE TABLE orders (id INTEGER)");
    db.close();
    expect(openError(file).code).toBe("SVC002");
    expect(openError(file).message).toBe(`${file} is a SQLite database of another program, not a syncspec state store; name another state file (syncspec creates it).`);
  });

  it("says which pair's values were changed outside syncspec", () => {
    save(open(), { lastRun: null, synced: synced({ people: [["a", "1", { v: 1 }], ["b", "2", { v: 2 }]] }) });
    const db = new Database(file);
    db.prepare("UPDATE synced_pairs SET vals = '{broken' WHERE left_key = 'b'").run();
    db.close();
    expect(() => open().loadState("donors")).toThrow(`${file}: the synced values of donors's link people, left key "b", are not valid JSON; the file was changed outside syncspec.`);
    opened.pop()!.close();
    const again = new Database(file);
    again.prepare(`UPDATE synced_pairs SET vals = '1, "x", {}' WHERE left_key = 'a'`).run(); // JSON only when joined
    again.prepare(`UPDATE synced_pairs SET vals = '{}' WHERE left_key = 'b'`).run();
    again.close();
    expect(() => open().loadState("donors")).toThrow(`${file}: the synced values of donors's link people, left key "a", are not valid JSON`);
    expect(() => opened.at(-1)!.loadState("donors")).toThrow(expect.objectContaining({ code: "SVC003", file }));
  });

  it("says a run's counts were changed outside syncspec (SVC003), not a stack", () => {
    const store = open();
    store.finishRun(store.startRun("donors", "manual", "2025-03-01T00:00:00Z"), end(undefined));
    const db = new Database(file);
    db.prepare("UPDATE runs SET counts = '{broken'").run();
    db.close();
    expect(() => store.runs()).toThrow(expect.objectContaining({ code: "SVC003", message: expect.stringMatching(/the counts of run 1 are not valid JSON; the file was changed outside syncspec/) }));
  });

  it("refuses a schema version that is not one (SVC003)", () => {
    open().close();
    const db = new Database(file);
    db.prepare("UPDATE schema_version SET version = 'x'").run();
    db.close();
    expect(openError(file)).toMatchObject({ code: "SVC003", message: expect.stringMatching(/has no valid state schema version/) });
  });

  it("says when the file's folder is missing", () => {
    const missing = join(dir, "nowhere", "state.db");
    expect(openError(missing).code).toBe("SVC001");
    expect(openError(missing).message).toBe(`cannot create ${missing}: its folder does not exist. Create the folder, or name a state file in one that does.`);
  });
});

describe("the lock", () => {
  it("held by a live process is SVC004; one that cannot be made is SVC001", () => {
    const lock = lockStore(file);
    try {
      expect(() => lockStore(file)).toThrow(expect.objectContaining({ code: "SVC004", file, message: `another syncspec run (process ${process.pid}) is using this state; stop it first, or give this deployment its own state file` }));
    } finally {
      lock.release();
    }
    lockStore(file).release();
    const missing = join(dir, "nowhere", "state.db");
    expect(() => lockStore(missing)).toThrow(expect.objectContaining({ code: "SVC001", file: missing, message: expect.stringMatching(/^cannot make the lock file /) }));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
