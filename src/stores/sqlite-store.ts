// The service's store in one SQLite file, the embedded default: nothing to install or run
// beside syncspec. Statements are prepared once; a run's end (status, state, failures) is
// one transaction, so a process killed part-way leaves the previous run's state whole.
import type Database from "better-sqlite3";
import { message, type Message } from "../diagnostics/catalog.js";
import { changedOutside, instant, interruptedMessage, pairsOfFlat, parseRecord, parseStored, readMessage, storedMessage } from "./stored-values.js";
import type { RecordWrite, WriteFence } from "../engine/changes.js";
import type { RunEvent } from "../input/event.js";
import { openStoreFile, storeError } from "./sqlite-schema.js";
import { StateStoreError, type EngineWrite, type JournaledWrite, type PendingEvent, type RecordFailure, type RunEnd, type RunRecord, type RunStatus, type ServiceStore, type StateWriteSummary } from "./service-store.js";
import type { PairValues, StoredPairs, SyncedPair, SyncedValues, SyncState } from "../state/state.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const WEBHOOK_IDS_KEPT_MS = 7 * DAY_MS;
const ENGINE_WRITES_KEPT_MS = DAY_MS;
/** Long enough to explain a run someone asks about; the runs themselves are kept. */
const JOURNAL_KEPT_MS = 30 * DAY_MS;

type RunRow = { id: number; integration: string; trigger: string; status: RunStatus; started_at: string; finished_at: string | null; counts: string; message: string | null };
type FailureRow = { integration: string; system: string; collection: string; record_key: string; action: string; status: number | null; reason: string; first_seen: string; last_seen: string; attempts: number };
type JournalRow = { run_id: number; system: string; collection: string; record_key: string; action: RecordWrite["action"]; fields: string | null };

export class SqliteServiceStore implements ServiceStore {
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepareStatements>;

  constructor(readonly file: string) {
    this.db = openStoreFile(file);
    this.sql = prepareStatements(this.db);
  }

  async loadState(integration: string): Promise<SyncState> {
    return this.guard(() => {
      const lastRun = (this.sql.lastRun.get(integration) as string | undefined) ?? null;
      const synced: SyncedValues = new Map();
      for (const [link, count, text] of this.sql.pairsByLink.all(integration) as [string, number, string][]) {
        const flat = this.parsePairs(text, count, integration, link);
        synced.set(link, pairsOfFlat(flat, (key) => this.changedOutside(message("SVC003", "valuesNotObject", { integration, link, key }))));
      }
      return { lastRun, synced };
    });
  }

  async pairsByKey(integration: string): Promise<StoredPairs> {
    const lastRun = this.guard(() => (this.sql.lastRun.get(integration) as string | undefined) ?? null);
    return {
      lastRun,
      pairs: async (link, lefts) =>
        this.guard(() => {
          const found = new Map<string, SyncedPair>();
          for (const left of lefts) {
            const row = this.sql.pairOf.get(integration, link, left) as [right: string, values: string] | undefined;
            if (!row) continue;
            const values = this.parseJson(row[1], message("SVC003", "valuesNotJson", { integration, link, key: JSON.stringify(left) }));
            if (!values || typeof values !== "object" || Array.isArray(values)) throw this.changedOutside(message("SVC003", "valuesNotObject", { integration, link, key: JSON.stringify(left) }));
            found.set(left, { right: row[0], values: values as PairValues });
          }
          return found;
        }),
    };
  }

  async cursor(integration: string, name: string): Promise<string | undefined> {
    return this.guard(() => this.sql.cursor.get(integration, name) as string | undefined);
  }

  // An organization's limit (startRun's fourth argument) is the in-process queue's to keep here: the file is one process's.
  async startRun(integration: string, trigger: string, at: string): Promise<number> {
    const started = instant(at);
    return this.guard(() =>
      this.db.transaction(() => {
        this.sql.pruneJournal.run(new Date(Date.parse(started) - JOURNAL_KEPT_MS).toISOString());
        return Number(this.sql.startRun.run(integration, trigger, started).lastInsertRowid);
      }).immediate(),
    );
  }

  /** One process holds the file (its lock), so a run here is never taken over. */
  fence(): WriteFence {
    return { stopped: () => undefined };
  }

  async journalWrite(runId: number, system: string, write: RecordWrite): Promise<void> {
    this.guard(() => {
      this.sql.journalWrite.run(runId, system, write.collection, write.key, write.action, write.fields === undefined ? null : JSON.stringify(write.fields));
    });
  }

  async journal(runId: number): Promise<JournaledWrite[]> {
    return this.guard(() =>
      (this.sql.journal.all(runId) as JournalRow[]).map((row) => ({
        runId: row.run_id,
        system: row.system,
        write: {
          collection: row.collection,
          key: row.record_key,
          action: row.action,
          ...(row.fields === null ? {} : { fields: this.parseJson(row.fields, message("SVC003", "journalNotJson", { run: runId })) as Record<string, unknown> }),
        },
      })),
    );
  }

  async finishRun(runId: number, end: RunEnd): Promise<StateWriteSummary> {
    const at = instant(end.at);
    return this.guard(() =>
      this.db.transaction(() => {
        const run = this.sql.run.get(runId) as RunRow | undefined;
        if (!run) throw new Error(`finishRun: there is no run ${runId} in ${this.file}`);
        if (run.status !== "running") throw new Error(`finishRun: run ${runId} of ${run.integration} already ended as ${run.status}`);
        this.sql.finishRun.run(end.status, at, JSON.stringify(end.counts), storedMessage(end), runId);
        for (const f of end.failures) this.sql.recordFailure.run({ integration: run.integration, system: f.system, collection: f.collection, key: f.key, action: f.action, status: f.status, reason: f.reason, at });
        for (const c of end.cleared) this.sql.clearFailure.run(run.integration, c.system, c.collection, c.key);
        for (const seq of end.taken ?? []) this.sql.takeEvent.run(seq);
        if (!end.state) return { pairsWritten: 0, pairsRemoved: 0 };
        this.sql.setLastRun.run(run.integration, end.state.lastRun);
        for (const [name, value] of Object.entries(end.cursors ?? {})) this.sql.setCursor.run(run.integration, name, value);
        return this.writeSynced(run.integration, end.state.synced, end.state.changedOnly === true);
      }).immediate(),
    );
  }

  /** Writes the pairs whose right key or values differ from the stored ones, and removes the pairs no longer there. */
  private writeSynced(integration: string, synced: SyncedValues, changedOnly: boolean): StateWriteSummary {
    if (changedOnly) {
      // A run that read in part changed these pairs; every other one stands as stored.
      let pairsWritten = 0;
      for (const [link, pairs] of synced) {
        for (const [left, pair] of pairs) {
          this.sql.writePair.run(integration, link, left, pair.right, JSON.stringify(pair.values));
          pairsWritten++;
        }
      }
      return { pairsWritten, pairsRemoved: 0 };
    }
    const stored = new Map<string, Map<string, [right: string, values: string]>>();
    for (const [link, count, text] of this.sql.storedPairsByLink.all(integration) as [string, number, string][]) {
      const flat = this.parsePairs(text, count, integration, link) as string[];
      const pairs = new Map<string, [string, string]>();
      for (let i = 0; i < flat.length; i += 3) pairs.set(flat[i]!, [flat[i + 1]!, flat[i + 2]!]);
      stored.set(link, pairs);
    }
    const changed: [link: string, left: string, right: string, values: string][] = [];
    for (const [link, pairs] of synced) {
      const before = stored.get(link);
      for (const [left, pair] of pairs) {
        const values = JSON.stringify(pair.values);
        const old = before?.get(left);
        before?.delete(left);
        if (!old || old[0] !== pair.right || old[1] !== values) changed.push([link, left, pair.right, values]);
      }
    }
    // Removals first: a key SQLite stores differently from JavaScript (a lone surrogate
    // becomes U+FFFD) looks removed and changed at once, and must end up written.
    const summary = { pairsWritten: changed.length, pairsRemoved: 0 };
    for (const [link, pairs] of stored) {
      for (const left of pairs.keys()) {
        this.sql.removePair.run(integration, link, left);
        summary.pairsRemoved++;
      }
    }
    for (const [link, left, right, values] of changed) this.sql.writePair.run(integration, link, left, right, values);
    return summary;
  }

  /** A run here is never taken over (the lock file); one that stopped part-way is marked interrupted all the same. */
  async abandonRun(runId: number, at: string): Promise<void> {
    const stopped = instant(at);
    this.guard(() => {
      const run = this.sql.run.get(runId) as RunRow | undefined;
      if (run?.status === "running") this.sql.interrupt.run(stopped, interruptedMessage(run.integration, this.sql.journalCount.get(runId) as number), runId);
    });
  }

  async recoverInterrupted(at: string): Promise<RunRecord[]> {
    const finished = instant(at);
    return this.guard(() =>
      this.db.transaction(() =>
        (this.sql.running.all() as RunRow[]).map((row) => {
          const message = interruptedMessage(row.integration, this.sql.journalCount.get(row.id) as number);
          this.sql.interrupt.run(finished, message, row.id);
          return this.runRecord({ ...row, status: "interrupted", finished_at: finished, message });
        }),
      ).immediate(),
    );
  }

  async runs(options: { integration?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? -1; // -1: no limit, in SQLite's words
    return this.guard(() => {
      const rows = options.integration === undefined ? this.sql.runs.all(limit) : this.sql.runsOf.all(options.integration, limit);
      return (rows as RunRow[]).map((row) => this.runRecord(row));
    });
  }

  async failures(integration?: string): Promise<RecordFailure[]> {
    return this.guard(() => {
      const rows = integration === undefined ? this.sql.failures.all() : this.sql.failuresOf.all(integration);
      return (rows as FailureRow[]).map((r) => ({
        integration: r.integration,
        system: r.system,
        collection: r.collection,
        key: r.record_key,
        action: r.action,
        status: r.status,
        reason: r.reason,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        attempts: r.attempts,
      }));
    });
  }

  async rememberWebhook(connection: string, id: string, at: string): Promise<boolean> {
    return (await this.takeWebhook(connection, id, at, { system: "", type: "", recordId: "" }, [])) !== undefined;
  }

  async takeWebhook(connection: string, id: string, at: string, event: RunEvent, integrations: readonly string[]): Promise<PendingEvent[] | undefined> {
    const received = instant(at);
    return this.guard(() =>
      this.db.transaction(() => {
        this.sql.pruneWebhooks.run(new Date(Date.parse(received) - WEBHOOK_IDS_KEPT_MS).toISOString());
        if (this.sql.rememberWebhook.run(connection, id, received).changes !== 1) return undefined;
        const text = JSON.stringify(event);
        return integrations.map((integration) => ({ seq: Number(this.sql.keepEvent.run(integration, connection, text, received).lastInsertRowid), integration, connection, event }));
      }).immediate(),
    );
  }

  async pendingEvents(): Promise<PendingEvent[]> {
    return this.guard(() =>
      (this.sql.pendingEvents.all() as { seq: number; integration: string; connection: string; event: string }[]).map((row) => ({
        seq: row.seq,
        integration: row.integration,
        connection: row.connection,
        event: this.parseJson(row.event, message("SVC003", "eventNotJson", { seq: row.seq })) as RunEvent,
      })),
    );
  }

  async eventsTaken(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    this.guard(() =>
      this.db.transaction(() => {
        for (const seq of seqs) this.sql.takeEvent.run(seq);
      }).immediate(),
    );
  }

  async noteWrites(integration: string, connection: string, writes: readonly EngineWrite[], at: string): Promise<void> {
    const written = instant(at);
    this.guard(() =>
      this.db.transaction(() => {
        this.sql.pruneEngineWrites.run(new Date(Date.parse(written) - ENGINE_WRITES_KEPT_MS).toISOString());
        for (const w of writes) this.sql.noteWrite.run(integration, connection, w.collection, w.key, written, w.record === null ? null : JSON.stringify(w.record));
      }).immediate(),
    );
  }

  async recentWrite(integration: string, connection: string, collection: string, key: string, since: string): Promise<EngineWrite | undefined> {
    const from = instant(since);
    const row = this.guard(() => this.sql.writtenSince.get(integration, connection, collection, key, from) as { record: string | null } | undefined);
    if (!row) return undefined;
    if (row.record === null) return { collection, key, record: null };
    const record = parseRecord(row.record);
    // A record that is not one (the file changed outside syncspec) cannot show an event is an
    // echo: the event runs, which costs a read, where an error would stop it.
    return record && { collection, key, record };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** SQLite's failures as StateStoreErrors naming the file; the caller's own mistakes pass unchanged. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(this.file, error);
    }
  }

  /** A link's pairs as SQLite joined them: [left, right, values, left, right, values, ...]. */
  private parsePairs(text: string, count: number, integration: string, link: string): unknown[] {
    let flat: unknown[] | undefined;
    try {
      flat = JSON.parse(text) as unknown[];
    } catch {
      // named below
    }
    // Values that are JSON but not one value ("1, 2") would shift every pair after them.
    if (flat && flat.length === count * 3) return flat;
    // Found again row by row, to name the pair a person would look for.
    for (const [left, values] of this.sql.pairValues.all(integration, link) as [string, string][]) {
      let value: unknown;
      try {
        value = JSON.parse(values);
      } catch {
        throw this.changedOutside(message("SVC003", "valuesNotJson", { integration, link, key: JSON.stringify(left) }));
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) throw this.changedOutside(message("SVC003", "valuesNotObject", { integration, link, key: JSON.stringify(left) }));
    }
    throw this.changedOutside(message("SVC003", "pairsUnreadable", { integration, link }));
  }

  private runRecord(row: RunRow): RunRecord {
    return toRunRecord(row, this.parseJson(row.counts, message("SVC003", "countsNotJson", { run: row.id })) as Record<string, number>);
  }

  private changedOutside(what: Message<"SVC003">): StateStoreError {
    return changedOutside(this.file, what);
  }

  private parseJson(text: string, what: Message<"SVC003">): unknown {
    return parseStored(this.file, text, what);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    lastRun: db.prepare("SELECT last_run FROM last_runs WHERE integration = ?").pluck(),
    setLastRun: db.prepare("INSERT INTO last_runs (integration, last_run) VALUES (?, ?) ON CONFLICT (integration) DO UPDATE SET last_run = excluded.last_run"),
    // One string per link, joined by SQLite and split by one JSON.parse: for 200,000 pairs
    // this is several times faster than a row (and four strings) each through better-sqlite3.
    pairsByLink: db.prepare(
      "SELECT link, count(*), '[' || group_concat(json_quote(left_key) || ',' || json_quote(right_key) || ',' || vals, ',') || ']' FROM synced_pairs WHERE integration = ? GROUP BY link",
    ).raw(),
    // The same with the values kept as their stored text, to compare with the new values'.
    storedPairsByLink: db.prepare(
      "SELECT link, count(*), '[' || group_concat(json_quote(left_key) || ',' || json_quote(right_key) || ',' || json_quote(vals), ',') || ']' FROM synced_pairs WHERE integration = ? GROUP BY link",
    ).raw(),
    pairValues: db.prepare("SELECT left_key, vals FROM synced_pairs WHERE integration = ? AND link = ?").raw(),
    pairOf: db.prepare("SELECT right_key, vals FROM synced_pairs WHERE integration = ? AND link = ? AND left_key = ?").raw(),
    writePair: db.prepare(
      "INSERT INTO synced_pairs (integration, link, left_key, right_key, vals) VALUES (?, ?, ?, ?, ?) ON CONFLICT (integration, link, left_key) DO UPDATE SET right_key = excluded.right_key, vals = excluded.vals",
    ),
    removePair: db.prepare("DELETE FROM synced_pairs WHERE integration = ? AND link = ? AND left_key = ?"),
    cursor: db.prepare("SELECT value FROM cursors WHERE integration = ? AND name = ?").pluck(),
    setCursor: db.prepare("INSERT INTO cursors (integration, name, value) VALUES (?, ?, ?) ON CONFLICT (integration, name) DO UPDATE SET value = excluded.value"),
    startRun: db.prepare("INSERT INTO runs (integration, trigger, status, started_at) VALUES (?, ?, 'running', ?)"),
    run: db.prepare("SELECT * FROM runs WHERE id = ?"),
    finishRun: db.prepare("UPDATE runs SET status = ?, finished_at = ?, counts = ?, message = ? WHERE id = ?"),
    running: db.prepare("SELECT * FROM runs WHERE status = 'running' ORDER BY id"),
    interrupt: db.prepare("UPDATE runs SET status = 'interrupted', finished_at = ?, message = ? WHERE id = ?"),
    runs: db.prepare("SELECT * FROM runs ORDER BY id DESC LIMIT ?"),
    runsOf: db.prepare("SELECT * FROM runs WHERE integration = ? ORDER BY id DESC LIMIT ?"),
    journalWrite: db.prepare("INSERT INTO write_journal (run_id, system, collection, record_key, action, fields) VALUES (?, ?, ?, ?, ?, ?)"),
    journal: db.prepare("SELECT * FROM write_journal WHERE run_id = ? ORDER BY id"),
    journalCount: db.prepare("SELECT count(*) FROM write_journal WHERE run_id = ?").pluck(),
    pruneJournal: db.prepare("DELETE FROM write_journal WHERE run_id IN (SELECT id FROM runs WHERE started_at < ? AND status != 'running')"),
    // A record refused again keeps when it was first refused and counts the attempt.
    recordFailure: db.prepare(
      `INSERT INTO record_failures (integration, system, collection, record_key, action, status, reason, first_seen, last_seen, attempts)
       VALUES (@integration, @system, @collection, @key, @action, @status, @reason, @at, @at, 1)
       ON CONFLICT (integration, system, collection, record_key) DO UPDATE SET
         action = excluded.action, status = excluded.status, reason = excluded.reason, last_seen = excluded.last_seen, attempts = attempts + 1`,
    ),
    clearFailure: db.prepare("DELETE FROM record_failures WHERE integration = ? AND system = ? AND collection = ? AND record_key = ?"),
    failures: db.prepare("SELECT * FROM record_failures ORDER BY integration, system, collection, record_key"),
    failuresOf: db.prepare("SELECT * FROM record_failures WHERE integration = ? ORDER BY system, collection, record_key"),
    pruneWebhooks: db.prepare("DELETE FROM webhook_ids WHERE received_at < ?"),
    rememberWebhook: db.prepare("INSERT INTO webhook_ids (connection, id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
    keepEvent: db.prepare("INSERT INTO pending_events (integration, connection, event, received_at) VALUES (?, ?, ?, ?)"),
    pendingEvents: db.prepare("SELECT seq, integration, connection, event FROM pending_events ORDER BY seq"),
    takeEvent: db.prepare("DELETE FROM pending_events WHERE seq = ?"),
    pruneEngineWrites: db.prepare("DELETE FROM engine_writes WHERE written_at < ?"),
    noteWrite: db.prepare(
      "INSERT INTO engine_writes (integration, connection, collection, record_key, written_at, record) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET written_at = excluded.written_at, record = excluded.record",
    ),
    writtenSince: db.prepare("SELECT record FROM engine_writes WHERE integration = ? AND connection = ? AND collection = ? AND record_key = ? AND written_at >= ?"),
  };
}

function toRunRecord(row: RunRow, counts: Record<string, number>): RunRecord {
  return {
    id: row.id,
    integration: row.integration,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    counts,
    ...readMessage(row.message),
  };
}
