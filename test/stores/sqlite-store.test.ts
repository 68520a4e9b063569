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
async function save(store: SqliteServiceStore, state: SyncState, integration = "donors") {
  const run = (await store.startRun(integration, "manual", "2025-03-01T00:00:00.000Z"));
  return (await store.finishRun(run, end(state)));
}

function synced(links: Record<string, [left: string, right: string, values: Record<string, unknown>][]>): SyncedValues {
  return new Map(Object.entries(links).map(([link, pairs]) => [link, new Map(pairs.map(([left, right, values]) => [left, { right, values }]))]));
}

describe("webhook ids and engine writes", () => {
  it("takes a noted record changed outside syncspec for no write, so the event it would stop runs", async () => {
    const store = open();
    await store.noteWrites("a", "crm", [{ collection: "people", key: "1", record: { id: "1" } }, { collection: "people", key: "2", record: { id: "2" } }], "2025-03-01T10:00:00Z");
    const db = new Database(file);
    db.prepare("UPDATE engine_writes SET record = '{broken' WHERE record_key = '1'").run();
    db.prepare("UPDATE engine_writes SET record = '[1]' WHERE record_key = '2'").run();
    db.close();
    expect((await store.recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z"))).toBeUndefined();
    expect((await store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z"))).toBeUndefined();
  });
});

describe("runs", () => {
  it("keep a failed run's code ahead of its message in the table: no column (and no migration) for it", async () => {
    const store = open();
    const run = await store.startRun("donors", "manual", "2025-03-01T00:00:00Z");
    await store.finishRun(run, end(undefined, { status: "failed", code: "RUN003", message: "reading failed: crm answered 500" }));
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT message FROM runs WHERE id = ?").pluck().get(run)).toBe("RUN003: reading failed: crm answered 500");
    db.close();
  });
});

describe("a store written by the previous syncspec (schema version 1)", () => {
  /** A store as version 1 left it: its engine writes kept only the fields each write set. */
  async function versionOne(): Promise<void> {
    const store = open();
    await save(store, { lastRun: "2025-03-01T00:00:00.000Z", synced: synced({ people: [["a", "1", { v: 1 }]] }) });
    await store.rememberWebhook("crm", "msg_1", "2025-03-01T10:00:00Z");
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

  it("opens, keeping its state, runs and webhook ids, and notes the engine's writes as this version does", async () => {
    await versionOne();
    const store = open();
    expect((await store.loadState("donors")).synced.get("people")?.get("a")).toEqual({ right: "1", values: { v: 1 } });
    expect((await store.runs())).toHaveLength(1);
    expect((await store.rememberWebhook("crm", "msg_1", "2025-03-01T10:00:01Z"))).toBe(false);
    await store.noteWrites("a", "crm", [{ collection: "people", key: "2", record: { id: "2", phone: "+1" } }], "2025-03-01T10:00:02Z");
    expect((await store.recentWrite("a", "crm", "people", "2", "2025-03-01T09:55:00Z"))).toEqual({ collection: "people", key: "2", record: { id: "2", phone: "+1" } });
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_version").pluck().get()).toBe(SCHEMA_VERSION);
    db.close();
  });

  it("drops the writes it noted with their fields only: they cannot tell an echo from an edit, so their events run", async () => {
    await versionOne();
    expect(await open().recentWrite("a", "crm", "people", "1", "2025-03-01T09:55:00Z")).toBeUndefined();
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
    const [first, second] = (await store.runs()).reverse();
    expect(first!.status).toBe("ok");
    expect(second!.status).toBe("running");
    // Nothing of the killed finishRun: not its state, its last run, its failures or its cursor.
    expect((await store.loadState("donors"))).toEqual({ lastRun: "2025-03-01T00:00:00Z", synced: synced({ people: [["a", "1", { name: "Ann" }]] }) });
    expect((await store.failures())).toEqual([]);
    expect((await store.cursor("donors", "crm.people"))).toBeUndefined();
    // What the systems accepted before the kill is there to see.
    expect((await store.journal(second!.id)).map((j) => j.write.key)).toEqual(["b", "c", "d"]);

    const recovered = (await store.recoverInterrupted("2025-03-01T02:00:00Z"));
    expect(recovered.map((r) => [r.id, r.status])).toEqual([[second!.id, "interrupted"]]);
    expect(recovered[0]!.message).toMatch(/stopped before this run finished .* accepted 3 writes .* the next run of donors reads the systems again/);
    expect((await store.runs())[0]).toMatchObject({ id: second!.id, status: "interrupted", finishedAt: "2025-03-01T02:00:00.000Z" });
    expect((await store.recoverInterrupted("2025-03-01T02:00:01Z"))).toEqual([]);
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
let run = (await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"));
(await store.finishRun(run, { status: "ok", at: "2025-03-01T00:01:00Z", counts: {}, failures: [], cleared: [],
  state: { lastRun: "2025-03-01T00:00:00Z", synced: new Map([["people", people([["a", "1", { name: "Ann" }]])]]) } }));
run = (await store.startRun("donors", "every 10 minutes", "2025-03-01T01:00:00Z"));
for (const key of ["b", "c", "d"]) (await store.journalWrite(run, "crm", { collection: "people", key, action: "create", fields: { name: key } }));
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
(await store.finishRun(run, { status: "partial", at: "2025-03-01T01:01:00Z", counts: { create: 3 }, cursors: { "crm.people": "page-2" },
  failures: [{ system: "crm", collection: "people", key: "e", action: "create", status: 422, reason: "email: required" }], cleared: [],
  state: { lastRun: "2025-03-01T01:00:00Z", synced } }));
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

  it("refuses a file from a newer syncspec, naming it", async () => {
    open().close();
    const db = new Database(file);
    db.prepare("UPDATE schema_version SET version = 99").run();
    db.close();
    const error = openError(file);
    expect(error.file).toBe(file);
    expect(error.problem).toMatchObject({ code: "SVC002", severity: "error", file });
    expect(error.message).toBe(`${file} was written by a newer syncspec (state schema version 99; this syncspec reads up to version ${SCHEMA_VERSION}). Upgrade syncspec to use it, or name another state file.`);
  });

  it("refuses a file that is not a SQLite database, such as a JSON state file", async () => {
    writeFileSync(file, '{"syncspec": "state", "version": 1, "links": {}}\n'.repeat(200));
    const error = openError(file);
    expect(error.code).toBe("SVC002");
    expect(error.message).toMatch(new RegExp(`^${escape(file)} is not a SQLite database, so it is not a syncspec state store`));
  });

  it("refuses another program's SQLite database", async () => {
    const db = new Database(file);
    db.exec("CREATE TABLE orders (id INTEGER)");
    db.close();
    expect(openError(file).code).toBe("SVC002");
    expect(openError(file).message).toBe(`${file} is a SQLite database of another program, not a syncspec state store; name another state file (syncspec creates it).`);
  });

  it("says which pair's values were changed outside syncspec", async () => {
    await save(open(), { lastRun: null, synced: synced({ people: [["a", "1", { v: 1 }], ["b", "2", { v: 2 }]] }) });
    const db = new Database(file);
    db.prepare("UPDATE synced_pairs SET vals = '{broken' WHERE left_key = 'b'").run();
    db.close();
    await expect(open().loadState("donors")).rejects.toThrow(`${file}: the synced values of donors's link people, left key "b", are not valid JSON; the file was changed outside syncspec.`);
    opened.pop()!.close();
    const again = new Database(file);
    again.prepare(`UPDATE synced_pairs SET vals = '1, "x", {}' WHERE left_key = 'a'`).run(); // JSON only when joined
    again.prepare(`UPDATE synced_pairs SET vals = '{}' WHERE left_key = 'b'`).run();
    again.close();
    await expect(open().loadState("donors")).rejects.toThrow(`${file}: the synced values of donors's link people, left key "a", are not valid JSON`);
    await expect(opened.at(-1)!.loadState("donors")).rejects.toThrow(expect.objectContaining({ code: "SVC003", file }));
  });

  it("says a run's counts were changed outside syncspec (SVC003), not a stack", async () => {
    const store = open();
    await store.finishRun(await store.startRun("donors", "manual", "2025-03-01T00:00:00Z"), end(undefined));
    const db = new Database(file);
    db.prepare("UPDATE runs SET counts = '{broken'").run();
    db.close();
    await expect(store.runs()).rejects.toThrow(expect.objectContaining({ code: "SVC003", message: expect.stringMatching(/the counts of run 1 are not valid JSON; the file was changed outside syncspec/) }));
  });

  it("refuses a schema version that is not one (SVC003)", async () => {
    open().close();
    const db = new Database(file);
    db.prepare("UPDATE schema_version SET version = 'x'").run();
    db.close();
    expect(openError(file)).toMatchObject({ code: "SVC003", message: expect.stringMatching(/has no valid state schema version/) });
  });

  it("says when the file's folder is missing", async () => {
    const missing = join(dir, "nowhere", "state.db");
    expect(openError(missing).code).toBe("SVC001");
    expect(openError(missing).message).toBe(`cannot create ${missing}: its folder does not exist. Create the folder, or name a state file in one that does.`);
  });
});

describe("the lock", () => {
  it("held by a live process is SVC004; one that cannot be made is SVC001", async () => {
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
