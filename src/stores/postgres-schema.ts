// The PostgreSQL store's tables, as numbered migrations run on start, and the errors a person
// gets for a server that cannot be reached, a schema that is another program's, or a store
// written by a newer syncspec. Everything lives in one schema of its own (`syncspec` unless
// the URL says ?schema=), so the store shares a database with the job queue and anything else.
//
// Keys from the systems (record keys, left and right keys of pairs) are kept as JSON text: a
// key may hold a NUL, which PostgreSQL text cannot, or a lone surrogate, which UTF-8 cannot;
// JSON writes both as escapes, so every key comes back as it was, and a link's pairs join
// into one JSON array on the server (see loadState).
import type pg from "pg";
import { message } from "../diagnostics/catalog.js";
import { StateStoreError } from "./service-store.js";

/** Each entry takes the schema from version i to i + 1; never edit one that has shipped, add another. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id bigserial PRIMARY KEY, -- never reused, so "run 12" keeps meaning one run
    integration text NOT NULL,
    trigger text NOT NULL,
    status text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    counts text NOT NULL DEFAULT '{}',
    message text
  );
  CREATE INDEX runs_by_integration ON runs (integration, id);
  CREATE INDEX runs_by_start ON runs (started_at);
  CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

  CREATE TABLE last_runs (integration text PRIMARY KEY, last_run text);

  CREATE TABLE synced_pairs (
    integration text NOT NULL,
    link text NOT NULL,
    left_key text NOT NULL, -- JSON
    right_key text NOT NULL, -- JSON
    vals text NOT NULL, -- the pair's last synced values, as JSON
    PRIMARY KEY (integration, link, left_key)
  );

  CREATE TABLE cursors (
    integration text NOT NULL,
    name text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (integration, name)
  );

  CREATE TABLE record_failures (
    integration text NOT NULL,
    system text NOT NULL,
    collection text NOT NULL,
    record_key text NOT NULL, -- JSON
    action text NOT NULL,
    status integer,
    reason text NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    attempts integer NOT NULL,
    PRIMARY KEY (integration, system, collection, record_key)
  );

  CREATE TABLE write_journal (
    id bigserial PRIMARY KEY, -- the order writes were applied in
    run_id bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    system text NOT NULL,
    collection text NOT NULL,
    record_key text NOT NULL, -- JSON
    action text NOT NULL,
    fields text
  );
  CREATE INDEX write_journal_by_run ON write_journal (run_id, id);

  CREATE TABLE webhook_ids (
    connection text NOT NULL,
    id text NOT NULL, -- JSON
    received_at timestamptz NOT NULL,
    PRIMARY KEY (connection, id)
  );
  CREATE INDEX webhook_ids_by_age ON webhook_ids (received_at);

  CREATE TABLE engine_writes (
    integration text NOT NULL,
    connection text NOT NULL,
    collection text NOT NULL,
    record_key text NOT NULL, -- JSON
    written_at timestamptz NOT NULL,
    record text, -- the record as it stands once the write is made, as JSON; null for a delete
    PRIMARY KEY (integration, connection, collection, record_key)
  );
  CREATE INDEX engine_writes_by_age ON engine_writes (written_at);

  CREATE TABLE pending_events (
    seq bigserial PRIMARY KEY,
    integration text NOT NULL,
    connection text NOT NULL,
    event text NOT NULL, -- the RunEvent, as JSON
    received_at timestamptz NOT NULL
  );
  `,
  // Version 2: runs of one integration never overlap, across every worker. A run holds its
  // integration's lease (renewed while it runs) with a fencing epoch, taken at its start and
  // checked at its commit: a worker paused past its lease cannot commit, and its writes stop.
  `
  ALTER TABLE runs ADD COLUMN epoch bigint;
  CREATE TABLE leases (
    integration text PRIMARY KEY,
    epoch bigint NOT NULL, -- raised each time the lease is taken, or taken back from a holder that lapsed
    holder text, -- the worker holding it, null when free
    run_id bigint,
    lease_until timestamptz
  );
  -- A run still running stands until infinity; one that ended before it began (a skewed clock) is empty.
  ALTER TABLE runs ADD CONSTRAINT runs_never_overlap EXCLUDE USING gist (
    integration WITH =,
    tstzrange(started_at, CASE WHEN finished_at IS NULL THEN NULL ELSE greatest(started_at, finished_at) END) WITH &&
  );
  `,
  // Version 3: a worker's triggers other than webhooks wait here too, a run of one
  // integration asked by hand or by a schedule, until the run that answers them ends.
  `
  ALTER TABLE pending_events ADD COLUMN kind text NOT NULL DEFAULT 'event'; -- event, manual or schedule
  ALTER TABLE pending_events ADD COLUMN label text; -- a schedule's, in the spec's words
  ALTER TABLE pending_events ADD COLUMN full_run boolean NOT NULL DEFAULT false; -- a schedule that reconciles
  CREATE INDEX pending_events_by_integration ON pending_events (integration, seq);
  `,
  // Version 4: a cluster's schedules, each due time claimed by one process (FOR UPDATE SKIP
  // LOCKED) in the transaction that keeps its trigger and queues its run.
  `
  CREATE TABLE schedules (
    integration text NOT NULL,
    label text NOT NULL, -- in the spec's words
    full_run boolean NOT NULL, -- a reconciliation
    anchor timestamptz NOT NULL, -- when it was first planted: "every N minutes" counts from it
    next_at timestamptz NOT NULL,
    PRIMARY KEY (integration, label, full_run)
  );
  CREATE INDEX schedules_due ON schedules (next_at);
  `,
  // Version 5: a lease names its integration's organization, so that the runs of one
  // organization under way across the cluster are counted where they are taken (its maxRuns).
  `
  ALTER TABLE leases ADD COLUMN organization text;
  CREATE INDEX leases_held_by_organization ON leases (organization) WHERE holder IS NOT NULL;
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Written on the schema, so that another program's schema of the same name is told apart. */
const MARK = "syncspec state store";

/** A schema name as SQL writes it. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the schema when missing and brings it to this version, under a lock that makes
 * workers starting together migrate it once.
 */
export async function migratePostgres(client: pg.ClientBase, schema: string, where: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`syncspec migrate ${schema}`]);
    const found = await client.query<{ mark: string | null }>("SELECT obj_description(oid, 'pg_namespace') AS mark FROM pg_namespace WHERE nspname = $1", [schema]);
    const q = quoteIdent(schema);
    if (found.rowCount === 0) {
      await client.query(`CREATE SCHEMA ${q}`);
      await client.query(`COMMENT ON SCHEMA ${q} IS '${MARK}'`);
      await client.query(`CREATE TABLE ${q}.schema_version (version integer NOT NULL)`);
      await client.query(`INSERT INTO ${q}.schema_version VALUES (0)`);
    } else if (found.rows[0]!.mark !== MARK) {
      throw new StateStoreError(where, message("SVC002", "otherSchema", { file: where, schema }));
    }
    const row = await client.query<{ version: unknown }>(`SELECT version FROM ${q}.schema_version`);
    const version = row.rows[0]?.version;
    if (row.rowCount !== 1 || typeof version !== "number" || !Number.isInteger(version) || version < 0) {
      throw new StateStoreError(where, message("SVC003", "noVersion", { file: where, found: JSON.stringify(version ?? null) }));
    }
    if (version > PG_SCHEMA_VERSION) throw new StateStoreError(where, message("SVC002", "newer", { file: where, version, current: PG_SCHEMA_VERSION }));
    await client.query(`SET LOCAL search_path TO ${q}`);
    // The exclusion constraint on runs compares text in a GiST index: btree_gist's, wherever it
    // is; where it is not yet, in a schema of its own, which dropping a store leaves alone.
    if (version < 2) {
      await client.query("CREATE SCHEMA IF NOT EXISTS syncspec_extensions");
      await client.query("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA syncspec_extensions");
    }
    for (let v = version; v < PG_SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!);
    if (version < PG_SCHEMA_VERSION) await client.query(`UPDATE ${q}.schema_version SET version = $1`, [PG_SCHEMA_VERSION]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Whether a schema is there and marked as a syncspec store's. */
export async function isStoreSchema(client: pg.ClientBase, schema: string): Promise<boolean> {
  const found = await client.query<{ mark: string | null }>("SELECT obj_description(oid, 'pg_namespace') AS mark FROM pg_namespace WHERE nspname = $1", [schema]);
  return found.rows[0]?.mark === MARK;
}

/** SQLSTATE classes of a server that cannot be used: connection (08), authorization (28), no such database (3D), resources (53), shut down (57). */
const UNUSABLE = /^(08|28|3D|53|57)/;

/** A PostgreSQL failure as a message a person can act on, naming the store (its URL without a password). */
export function postgresError(where: string, error: unknown): unknown {
  if (error instanceof StateStoreError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  // Node's own errors (ECONNREFUSED, ENOTFOUND) and pg's before a connection is made.
  if (typeof code !== "string" || UNUSABLE.test(code) || /^E[A-Z]+$/.test(code)) {
    if (typeof code === "string" || /connect|Connection terminated|timeout/i.test(error.message)) {
      return new StateStoreError(where, message("SVC001", "postgres", { file: where, reason: error.message || (typeof code === "string" ? code : "no answer") }));
    }
    return error;
  }
  // A table or column missing, or a value of another type: the tables were changed outside syncspec.
  if (/^42/.test(code) || /^22/.test(code)) return new StateStoreError(where, message("SVC003", "postgres", { file: where, reason: error.message }));
  return new StateStoreError(where, message("SVC001", "postgres", { file: where, reason: error.message }));
}

/** The URL as a person may see it: without its password. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the PostgreSQL URL given";
  }
}
