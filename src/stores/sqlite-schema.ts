// The SQLite store's file: opening it with the settings a long-running service needs, its
// tables as numbered migrations, and the errors a person gets for a file that is not a
// store, is corrupt, or was written by a newer syncspec.
import Database from "better-sqlite3";
import { message } from "../diagnostics/catalog.js";
import { StateStoreError } from "./service-store.js";

/** Each entry takes the file from version i to i + 1; never edit one that has shipped, add another. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so "run 12" keeps meaning one run
    integration TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT
  );
  CREATE INDEX runs_by_integration ON runs (integration, id);
  CREATE INDEX runs_by_start ON runs (started_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

  CREATE TABLE last_runs (integration TEXT PRIMARY KEY, last_run TEXT) WITHOUT ROWID;

  CREATE TABLE synced_pairs (
    integration TEXT NOT NULL,
    link TEXT NOT NULL,
    left_key TEXT NOT NULL,
    right_key TEXT NOT NULL,
    vals TEXT NOT NULL, -- the pair's last synced values, as JSON
    PRIMARY KEY (integration, link, left_key)
  ) WITHOUT ROWID;

  CREATE TABLE cursors (
    integration TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (integration, name)
  ) WITHOUT ROWID;

  CREATE TABLE record_failures (
    integration TEXT NOT NULL,
    system TEXT NOT NULL,
    collection TEXT NOT NULL,
    record_key TEXT NOT NULL,
    action TEXT NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (integration, system, collection, record_key)
  ) WITHOUT ROWID;

  CREATE TABLE write_journal (
    id INTEGER PRIMARY KEY, -- the order writes were applied in
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    system TEXT NOT NULL,
    collection TEXT NOT NULL,
    record_key TEXT NOT NULL,
    action TEXT NOT NULL,
    fields TEXT
  );
  CREATE INDEX write_journal_by_run ON write_journal (run_id, id);

  CREATE TABLE webhook_ids (
    connection TEXT NOT NULL,
    id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (connection, id)
  ) WITHOUT ROWID;
  CREATE INDEX webhook_ids_by_age ON webhook_ids (received_at);

  CREATE TABLE engine_writes (
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    collection TEXT NOT NULL,
    record_key TEXT NOT NULL,
    written_at TEXT NOT NULL,
    -- The top-level fields the write set, as JSON; null for a delete.
    fields TEXT,
    PRIMARY KEY (integration, connection, collection, record_key)
  ) WITHOUT ROWID;
  CREATE INDEX engine_writes_by_age ON engine_writes (written_at);
  `,
  // Version 2: an engine write keeps the record as it stands after the write, not only the
  // fields it set, so that an edit of another field made since is not taken for its echo.
  // The writes noted before (a day's at most) cannot say that; they are dropped, and an event
  // they would have stopped runs: a read too many, where keeping them could drop an edit.
  `
  DROP TABLE engine_writes;
  CREATE TABLE engine_writes (
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    collection TEXT NOT NULL,
    record_key TEXT NOT NULL,
    written_at TEXT NOT NULL,
    -- The record as it stands once the write is made, as JSON; null for a delete.
    record TEXT,
    PRIMARY KEY (integration, connection, collection, record_key)
  ) WITHOUT ROWID;
  CREATE INDEX engine_writes_by_age ON engine_writes (written_at);
  `,
  // Version 3: a webhook's event is kept, for each integration it starts, in the transaction
  // that remembers its id, and removed once a run has taken it: an event answered 202 is run
  // even when the process dies before its run.
  `
  CREATE TABLE pending_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    integration TEXT NOT NULL,
    connection TEXT NOT NULL,
    event TEXT NOT NULL, -- the RunEvent, as JSON
    received_at TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Marks the file as syncspec's (PRAGMA application_id), so another program's database is told apart. */
const APPLICATION_ID = 0x73796e63; // "sync"

/** How long a write waits for another connection's lock before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating when missing) and migrates a store file; every failure is a StateStoreError naming it. */
export function openStoreFile(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    // WAL: readers (`syncspec runs` beside the service) never block the writer, and a
    // commit is one append. synchronous=NORMAL: in WAL mode a crash of the process loses
    // nothing committed and a power cut can lose only the last commits, never corrupt the
    // file; everything here can be recomputed by reading the systems again (creates are
    // upserts by a deterministic key), so a sync of the disk on every journaled write, as
    // FULL does, would cost a run more than it saves.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // A 200,000-pair first save makes a large WAL; truncate it after each checkpoint.
    db.pragma("journal_size_limit = 67108864");
    migrate(db, file);
    return db;
  } catch (error) {
    db?.close();
    throw storeError(file, error);
  }
}

function migrate(db: Database.Database, file: string): void {
  // IMMEDIATE: two processes opening a new file at once migrate it once.
  db.transaction(() => {
    const version = schemaVersion(db, file);
    if (version > SCHEMA_VERSION) {
      throw new StateStoreError(file, message("SVC002", "newer", { file, version, current: SCHEMA_VERSION }));
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    if (version < SCHEMA_VERSION) {
      db.prepare("UPDATE schema_version SET version = ?").run(SCHEMA_VERSION);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }
  }).immediate();
}

function schemaVersion(db: Database.Database, file: string): number {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
  const applicationId = db.pragma("application_id", { simple: true }) as number;
  const ours = applicationId === APPLICATION_ID || (applicationId === 0 && tables.length === 0);
  if (!ours || (tables.length > 0 && !tables.includes("schema_version"))) {
    throw new StateStoreError(file, message("SVC002", "otherProgram", { file }));
  }
  if (!tables.includes("schema_version")) {
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (0);");
    return 0;
  }
  const version = db.prepare("SELECT version FROM schema_version").pluck().get();
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0) {
    throw new StateStoreError(file, message("SVC003", "noVersion", { file, found: JSON.stringify(version ?? null) }));
  }
  return version;
}

/** A SQLite failure as a message a person can act on, naming the file. */
export function storeError(file: string, error: unknown): unknown {
  if (error instanceof StateStoreError) return error;
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) {
    // better-sqlite3 checks the folder itself, with a TypeError.
    if (/directory does not exist/.test(error.message)) return new StateStoreError(file, message("SVC001", "noFolder", { file }));
    return error;
  }
  if (code === "SQLITE_NOTADB") {
    return new StateStoreError(file, message("SVC002", "notSqlite", { file }));
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return new StateStoreError(file, message("SVC003", "corrupt", { file, reason: error.message }));
  }
  if (code.startsWith("SQLITE_BUSY")) {
    return new StateStoreError(file, message("SVC004", "busy", { file, seconds: BUSY_TIMEOUT_MS / 1000 }));
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM")) {
    return new StateStoreError(file, message("SVC001", "notWritable", { file, reason: error.message }));
  }
  if (code.startsWith("SQLITE_FULL") || code.startsWith("SQLITE_IOERR")) {
    return new StateStoreError(file, message("SVC001", "diskFailing", { file, reason: error.message }));
  }
  // A table or column missing, or a value of another type than syncspec writes, is a file
  // changed outside syncspec; anything else keeps the file from being used.
  const changed = code === "SQLITE_ERROR" || code.startsWith("SQLITE_SCHEMA") || code.startsWith("SQLITE_MISMATCH");
  return new StateStoreError(file, message(changed ? "SVC003" : "SVC001", "sqlite", { file, reason: error.message }));
}
