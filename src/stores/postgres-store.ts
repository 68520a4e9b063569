// The service's store in PostgreSQL, for several processes on several machines: what the
// SQLite store keeps (state, runs, refused records, the journal, webhook ids, kept events,
// the engine's writes), behind the same interface and passing the same tests. A run's end is
// one transaction, so a worker killed part-way leaves the previous run's state whole.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { message, type Message } from "../diagnostics/catalog.js";
import type { RecordWrite, WriteFence } from "../engine/changes.js";
import type { RunEvent } from "../input/event.js";
import type { PairValues, StoredPairs, SyncedPair, SyncedValues, SyncState } from "../state/state.js";
import { displayUrl, isStoreSchema, migratePostgres, postgresError, quoteIdent } from "./postgres-schema.js";
import { inTransaction, RUNS_QUEUE, RunQueue, type RunQueueOptions } from "./run-queue.js";
import { changedOutside, instant, interruptedMessage, pairsOfFlat, parseRecord, parseStored, readMessage, storedMessage } from "./stored-values.js";
import { OrganizationBusy, StateStoreError, type ClusterJob, type RunLimit, type ClusterStore, type EngineWrite, type JournaledWrite, type KeptTrigger, type PendingEvent, type PendingTrigger, type PlantedSchedule, type RecordFailure, type RunEnd, type RunRecord, type RunStatus, type StateWriteSummary } from "./service-store.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const WEBHOOK_IDS_KEPT_MS = 7 * DAY_MS;
const ENGINE_WRITES_KEPT_MS = DAY_MS;
const JOURNAL_KEPT_MS = 30 * DAY_MS;
/** Rows sent in one statement (as arrays): large enough to cost a round trip per thousands of pairs, small enough for any server's limits. */
const BATCH = 5000;

type RunRow = { id: string; integration: string; trigger: string; status: RunStatus; started_at: Date; finished_at: Date | null; counts: string; message: string | null; epoch: string | null };
type LeaseRow = { integration: string; epoch: string; holder: string | null; run_id: string | null; lease_until: Date | null };

/** How long a run's lease lasts unless renewed; it is renewed at a third of that. */
const LEASE_SECONDS = 30;

/** A run this process holds the lease of, and until when it may write. */
interface HeldLease {
  readonly integration: string;
  readonly epoch: number;
  /** performance.now() past which the lease may have lapsed: no renewal was seen in time. */
  validUntil: number;
  /** Why this process no longer holds it, once a renewal found another epoch. */
  lost?: string;
  readonly timer: NodeJS.Timeout;
}
type FailureRow = { integration: string; system: string; collection: string; record_key: string; action: string; status: number | null; reason: string; first_seen: Date; last_seen: Date; attempts: number };

export interface PostgresStoreOptions {
  /** The schema the tables live in; by default the URL's ?schema=, else "syncspec". */
  readonly schema?: string;
  /** Connections the store holds at most; 4 by default. */
  readonly max?: number;
  /** A run's lease, in seconds (LEASE_SECONDS by default): a worker that has not renewed it for that long is taken over. */
  readonly leaseSeconds?: number;
  /** The cluster's queue of runs (pg-boss, in the schema NAME_queue beside the store's): for `serve`, `worker` and `run --watch`. */
  readonly queue?: Omit<RunQueueOptions, "schema">;
}

export class PostgresServiceStore implements ClusterStore {
  /** The store as a person may see it named: its URL without the password, and its schema. */
  readonly file: string;
  /** This process, as a lease names its holder. */
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly held = new Map<number, HeldLease>();
  /** The job this worker holds for each integration it runs: completed by the transaction that ends the run. */
  private readonly jobs = new Map<string, string>();

  private constructor(
    private readonly pool: pg.Pool,
    where: string,
    private readonly leaseSeconds: number,
    private readonly queue: RunQueue | undefined,
  ) {
    this.file = where;
  }

  /** Connects, creates or migrates the schema, and returns the store; every failure is a StateStoreError naming the URL. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresServiceStore> {
    const { connectionString, schema: inUrl } = withoutSchema(url);
    const schema = options.schema ?? inUrl ?? "syncspec";
    const where = `${displayUrl(connectionString)} (schema ${schema})`;
    const pool = new pg.Pool({ connectionString, max: options.max ?? 4, options: `-c search_path=${quoteIdent(schema)}` });
    // An idle connection the server drops is the pool's to replace, not the process's end.
    pool.on("error", () => undefined);
    let queue: RunQueue | undefined;
    try {
      // Workers starting together may deadlock in each other's DDL (the queue's schema, its
      // partitions): PostgreSQL then rolls one back, which tries again.
      await retryingConflicts(async () => {
        const client = await pool.connect();
        try {
          await migratePostgres(client, schema, where);
        } finally {
          client.release();
        }
      });
      if (options.queue) {
        const queueOptions = { ...options.queue, schema: `${schema}_queue` };
        queue = await retryingConflicts(() => RunQueue.start(connectionString, queueOptions));
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw postgresError(where, error);
    }
    return new PostgresServiceStore(pool, where, options.leaseSeconds ?? LEASE_SECONDS, queue);
  }

  async loadState(integration: string): Promise<SyncState> {
    return this.guard(async () => {
      const lastRun = await this.lastRun(this.pool, integration);
      const synced: SyncedValues = new Map();
      // One text per link, made by the server from the JSON it keeps: for 200,000 pairs far
      // faster than a row (and three strings) each through the driver.
      const rows = await this.pool.query<{ link: string; n: string; pairs: string }>(
        "SELECT link, count(*) AS n, '[' || string_agg(left_key || ',' || right_key || ',' || vals, ',') || ']' AS pairs FROM synced_pairs WHERE integration = $1 GROUP BY link",
        [integration],
      );
      for (const { link, n, pairs: text } of rows.rows) {
        const flat = this.parseJson(text, message("SVC003", "pairsUnreadable", { integration, link })) as unknown[];
        if (!Array.isArray(flat) || flat.length !== Number(n) * 3) throw this.changedOutside(message("SVC003", "pairsUnreadable", { integration, link }));
        synced.set(link, pairsOfFlat(flat, (key) => this.changedOutside(message("SVC003", "valuesNotObject", { integration, link, key }))));
      }
      return { lastRun, synced };
    });
  }

  async pairsByKey(integration: string): Promise<StoredPairs> {
    const lastRun = await this.guard(() => this.lastRun(this.pool, integration));
    return {
      lastRun,
      pairs: (link, lefts) =>
        this.guard(async () => {
          const found = new Map<string, SyncedPair>();
          for (let i = 0; i < lefts.length; i += BATCH) {
            const keys = lefts.slice(i, i + BATCH).map((left) => JSON.stringify(left));
            const rows = await this.pool.query<{ left_key: string; right_key: string; vals: string }>("SELECT left_key, right_key, vals FROM synced_pairs WHERE integration = $1 AND link = $2 AND left_key = ANY($3::text[])", [integration, link, keys]);
            for (const row of rows.rows) {
              const left = this.parseJson(row.left_key, message("SVC003", "pairsUnreadable", { integration, link })) as string;
              const values = this.parseJson(row.vals, message("SVC003", "valuesNotJson", { integration, link, key: row.left_key }));
              if (!values || typeof values !== "object" || Array.isArray(values)) throw this.changedOutside(message("SVC003", "valuesNotObject", { integration, link, key: row.left_key }));
              found.set(left, { right: this.parseJson(row.right_key, message("SVC003", "pairsUnreadable", { integration, link })) as string, values: values as PairValues });
            }
          }
          return found;
        }),
    };
  }

  async cursor(integration: string, name: string): Promise<string | undefined> {
    return this.guard(async () => (await this.pool.query<{ value: string }>("SELECT value FROM cursors WHERE integration = $1 AND name = $2", [integration, name])).rows[0]?.value);
  }

  /**
   * Takes the integration's lease, with a new epoch, and records the run as started. A lease
   * another worker holds and renews refuses the run (SVC004); one that lapsed (its worker was
   * killed or paused) is taken over, and that worker's run is marked interrupted.
   */
  async startRun(integration: string, trigger: string, at: string, limit?: RunLimit): Promise<number> {
    const started = instant(at);
    const asked = performance.now();
    const { runId, epoch } = await this.transaction(async (client) => {
      if (limit) {
        // Runs of the organization are counted and this one's lease taken under one lock of
        // the organization's, so two workers starting its runs at once cannot both see a free slot.
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ' organization ' || $1, 0))", [limit.organization]);
        if (await this.runsUnderWay(client, limit, integration)) throw new OrganizationBusy(limit);
      }
      await client.query("DELETE FROM write_journal WHERE run_id IN (SELECT id FROM runs WHERE started_at < $1 AND status <> 'running')", [new Date(Date.parse(started) - JOURNAL_KEPT_MS).toISOString()]);
      await client.query("INSERT INTO leases (integration, epoch) VALUES ($1, 0) ON CONFLICT DO NOTHING", [integration]);
      const lease = (await client.query<LeaseRow & { lapsed: boolean }>("SELECT *, lease_until < now() AS lapsed FROM leases WHERE integration = $1 FOR UPDATE", [integration])).rows[0]!;
      if (lease.holder !== null && !lease.lapsed) {
        throw new StateStoreError(this.file, message("SVC004", "runElsewhere", { integration, holder: lease.holder, until: lease.lease_until!.toISOString() }));
      }
      if (lease.run_id !== null) await this.interrupt(client, lease.run_id, integration, started);
      const epoch = Number(lease.epoch) + 1;
      // Never before the last run of the integration ended (or began, where a clock behind ended it "before" its start):
      // workers' clocks differ a little, and the run log refuses runs that overlap.
      const row = await client.query<{ id: string }>(
        "INSERT INTO runs (integration, trigger, status, started_at, epoch) SELECT $1, $2, 'running', greatest($3::timestamptz, (SELECT greatest(started_at, finished_at) FROM runs WHERE integration = $1 ORDER BY id DESC LIMIT 1)), $4 RETURNING id",
        [integration, trigger, started, epoch],
      );
      const runId = Number(row.rows[0]!.id);
      await client.query(`UPDATE leases SET epoch = $2, holder = $3, run_id = $4, lease_until = now() + make_interval(secs => $5), organization = $6 WHERE integration = $1`, [integration, epoch, this.holder, runId, this.leaseSeconds, limit?.organization ?? null]);
      return { runId, epoch };
    });
    const ms = this.leaseSeconds * 1000;
    const timer = setInterval(() => void this.renew(runId), ms / 3);
    timer.unref();
    this.held.set(runId, { integration, epoch, validUntil: asked + ms, timer });
    return runId;
  }

  /** Whether the organization's runs under way elsewhere (leases held and not lapsed, other than this integration's) fill its limit. */
  private async runsUnderWay(client: pg.ClientBase | pg.Pool, limit: RunLimit, integration: string): Promise<boolean> {
    const held = await client.query<{ n: string }>("SELECT count(*) AS n FROM leases WHERE organization = $1 AND holder IS NOT NULL AND lease_until > now() AND integration <> $2", [limit.organization, integration]);
    return Number(held.rows[0]!.n) >= limit.maxRuns;
  }

  async organizationFull(limit: RunLimit, integration: string): Promise<boolean> {
    return this.guard(() => this.runsUnderWay(this.pool, limit, integration));
  }

  async deferJob(job: ClusterJob, seconds: number): Promise<void> {
    const queue = this.clustered();
    await this.transaction(async (client) => {
      await queue.complete(inTransaction(client), job.id);
      await queue.send(inTransaction(client), job.integration, seconds);
    });
    if (this.jobs.get(job.integration) === job.id) this.jobs.delete(job.integration);
  }

  /** Whether the run may still write: not once its lease lapsed or another worker took it. */
  fence(runId: number): WriteFence {
    return {
      stopped: () => {
        const lease = this.held.get(runId);
        if (!lease) return undefined;
        if (lease.lost !== undefined) return lease.lost;
        // Asked of the clock, not left to a timer: a process resumed after a pause may send
        // its next write before any timer fires.
        if (performance.now() > lease.validUntil) return `the lease of ${lease.integration} was not renewed within ${this.leaseSeconds} s (the process was paused, or the database out of reach), so another worker may have taken the run over`;
        return undefined;
      },
    };
  }

  /** Extends a run's lease; a lease found with another epoch is lost, and the run writes no more. */
  private async renew(runId: number): Promise<void> {
    const lease = this.held.get(runId);
    if (!lease || lease.lost !== undefined) return;
    const asked = performance.now();
    try {
      const renewed = await this.pool.query("UPDATE leases SET lease_until = now() + make_interval(secs => $4) WHERE integration = $1 AND epoch = $2 AND holder = $3", [lease.integration, lease.epoch, this.holder, this.leaseSeconds]);
      if (renewed.rowCount === 1) lease.validUntil = asked + this.leaseSeconds * 1000;
      else lease.lost = `another worker took ${lease.integration} over (the lease's epoch is no longer ${lease.epoch})`;
    } catch {
      // Out of reach for now: the lease lapses on its own clock unless a later renewal lands.
    }
  }

  /** Marks a run whose worker lost its lease as interrupted, ended when the next began (or when it began, on a skewed clock). */
  private async interrupt(client: pg.ClientBase, runId: string, integration: string, at: string): Promise<void> {
    const writes = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM write_journal WHERE run_id = $1", [runId])).rows[0]!.n);
    await client.query("UPDATE runs SET status = 'interrupted', finished_at = greatest(started_at, $2::timestamptz), message = $3 WHERE id = $1 AND status = 'running'", [runId, at, interruptedMessage(integration, writes)]);
  }

  async journalWrite(runId: number, system: string, write: RecordWrite): Promise<void> {
    await this.guard(() =>
      this.pool.query("INSERT INTO write_journal (run_id, system, collection, record_key, action, fields) VALUES ($1, $2, $3, $4, $5, $6)", [
        runId,
        system,
        write.collection,
        JSON.stringify(write.key),
        write.action,
        write.fields === undefined ? null : JSON.stringify(write.fields),
      ]),
    );
  }

  async journal(runId: number): Promise<JournaledWrite[]> {
    return this.guard(async () => {
      const rows = await this.pool.query<{ run_id: string; system: string; collection: string; record_key: string; action: RecordWrite["action"]; fields: string | null }>("SELECT * FROM write_journal WHERE run_id = $1 ORDER BY id", [runId]);
      const what = message("SVC003", "journalNotJson", { run: runId });
      return rows.rows.map((row) => ({
        runId: Number(row.run_id),
        system: row.system,
        write: {
          collection: row.collection,
          key: this.parseJson(row.record_key, what) as string,
          action: row.action,
          ...(row.fields === null ? {} : { fields: this.parseJson(row.fields, what) as Record<string, unknown> }),
        },
      }));
    });
  }

  async finishRun(runId: number, end: RunEnd): Promise<StateWriteSummary> {
    const at = instant(end.at);
    this.release(runId);
    let endedJob: string | undefined;
    const summary = await this.transaction(async (client) => {
      // Locks in one order everywhere, the lease before the run, so a commit racing a takeover waits instead of deadlocking.
      const named = (await client.query<{ integration: string }>("SELECT integration FROM runs WHERE id = $1", [runId])).rows[0];
      if (!named) throw new Error(`finishRun: there is no run ${runId} in ${this.file}`);
      const integration = named.integration;
      const lease = (await client.query<LeaseRow>("SELECT * FROM leases WHERE integration = $1 FOR UPDATE", [integration])).rows[0];
      const run = (await client.query<RunRow>("SELECT * FROM runs WHERE id = $1 FOR UPDATE", [runId])).rows[0]!;
      // The fencing check: the run commits only while its epoch is the lease's.
      if (run.epoch !== null && lease && lease.epoch !== run.epoch) throw new StateStoreError(this.file, message("SVC004", "fenced", { run: runId, integration, epoch: Number(run.epoch), now: Number(lease.epoch) }));
      if (run.status !== "running") throw new Error(`finishRun: run ${runId} of ${integration} already ended as ${run.status}`);
      if (run.epoch !== null && lease) await client.query("UPDATE leases SET holder = NULL, run_id = NULL, lease_until = NULL WHERE integration = $1", [integration]);
      await client.query("UPDATE runs SET status = $1, finished_at = $2, counts = $3, message = $4 WHERE id = $5", [end.status, at, JSON.stringify(end.counts), freeText(storedMessage(end)), runId]);
      // A record refused again keeps when it was first refused and counts the attempt.
      for (const f of end.failures) {
        await client.query(
          `INSERT INTO record_failures (integration, system, collection, record_key, action, status, reason, first_seen, last_seen, attempts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)
           ON CONFLICT (integration, system, collection, record_key) DO UPDATE SET
             action = excluded.action, status = excluded.status, reason = excluded.reason, last_seen = excluded.last_seen, attempts = record_failures.attempts + 1`,
          [integration, f.system, f.collection, JSON.stringify(f.key), f.action, f.status, freeText(f.reason), at],
        );
      }
      for (let i = 0; i < end.cleared.length; i += BATCH) {
        const batch = end.cleared.slice(i, i + BATCH);
        await client.query(
          "DELETE FROM record_failures f USING unnest($2::text[], $3::text[], $4::text[]) AS c(system, collection, record_key) WHERE f.integration = $1 AND f.system = c.system AND f.collection = c.collection AND f.record_key = c.record_key",
          [integration, batch.map((c) => c.system), batch.map((c) => c.collection), batch.map((c) => JSON.stringify(c.key))],
        );
      }
      let written: StateWriteSummary = { pairsWritten: 0, pairsRemoved: 0 };
      if (end.state) {
        await client.query("INSERT INTO last_runs (integration, last_run) VALUES ($1, $2) ON CONFLICT (integration) DO UPDATE SET last_run = excluded.last_run", [integration, end.state.lastRun]);
        for (const [name, value] of Object.entries(end.cursors ?? {})) {
          await client.query("INSERT INTO cursors (integration, name, value) VALUES ($1, $2, $3) ON CONFLICT (integration, name) DO UPDATE SET value = excluded.value", [integration, name, value]);
        }
        written = await this.writeSynced(client, integration, end.state.synced, end.state.changedOnly === true);
      }
      if (end.taken && end.taken.length > 0) {
        await client.query("DELETE FROM pending_events WHERE seq = ANY($1::bigint[])", [end.taken]);
        // Last, so the follow-up job holds no lock while the state is written: the job ends
        // with the run that answers its triggers, and another is queued for those that came meanwhile.
        endedJob = await this.endJob(client, integration);
      }
      return written;
    });
    this.forgetJob(endedJob);
    return summary;
  }

  /**
   * Gives up a run that stopped part-way (its fence tripped, or it lost its lease): marked
   * interrupted, and its lease freed where it is still this run's, so the next run may start.
   */
  async abandonRun(runId: number, at: string): Promise<void> {
    const stopped = instant(at);
    const held = this.held.get(runId);
    this.release(runId);
    await this.transaction(async (client) => {
      const named = (await client.query<{ integration: string; epoch: string | null }>("SELECT integration, epoch FROM runs WHERE id = $1", [runId])).rows[0];
      if (!named) return;
      await client.query("SELECT 1 FROM leases WHERE integration = $1 FOR UPDATE", [named.integration]);
      await this.interrupt(client, String(runId), named.integration, stopped);
      if (held) await client.query("UPDATE leases SET holder = NULL, run_id = NULL, lease_until = NULL WHERE integration = $1 AND epoch = $2 AND holder = $3", [named.integration, held.epoch, this.holder]);
    });
  }

  /** Stops renewing a run's lease. */
  private release(runId: number): void {
    const lease = this.held.get(runId);
    if (lease) clearInterval(lease.timer);
    this.held.delete(runId);
  }

  /** Writes the pairs whose right key or values differ from the stored ones, and removes the pairs no longer there. */
  private async writeSynced(client: pg.ClientBase, integration: string, synced: SyncedValues, changedOnly: boolean): Promise<StateWriteSummary> {
    const changed: [link: string, left: string, right: string, values: string][] = [];
    const removed: [link: string, left: string][] = [];
    if (changedOnly) {
      // A run that read in part changed these pairs; every other one stands as stored.
      for (const [link, pairs] of synced) for (const [left, pair] of pairs) changed.push([link, JSON.stringify(left), JSON.stringify(pair.right), JSON.stringify(pair.values)]);
    } else {
      const stored = new Map<string, Map<string, [right: string, values: string]>>();
      const rows = await client.query<{ link: string; left_key: string; right_key: string; vals: string }>("SELECT link, left_key, right_key, vals FROM synced_pairs WHERE integration = $1", [integration]);
      for (const row of rows.rows) {
        let pairs = stored.get(row.link);
        if (!pairs) stored.set(row.link, (pairs = new Map()));
        pairs.set(row.left_key, [row.right_key, row.vals]);
      }
      for (const [link, pairs] of synced) {
        const before = stored.get(link);
        for (const [left, pair] of pairs) {
          const key = JSON.stringify(left);
          const right = JSON.stringify(pair.right);
          const values = JSON.stringify(pair.values);
          const old = before?.get(key);
          before?.delete(key);
          if (!old || old[0] !== right || old[1] !== values) changed.push([link, key, right, values]);
        }
      }
      for (const [link, pairs] of stored) for (const left of pairs.keys()) removed.push([link, left]);
    }
    for (let i = 0; i < removed.length; i += BATCH) {
      const batch = removed.slice(i, i + BATCH);
      await client.query("DELETE FROM synced_pairs p USING unnest($2::text[], $3::text[]) AS r(link, left_key) WHERE p.integration = $1 AND p.link = r.link AND p.left_key = r.left_key", [integration, batch.map((r) => r[0]), batch.map((r) => r[1])]);
    }
    for (let i = 0; i < changed.length; i += BATCH) {
      const batch = changed.slice(i, i + BATCH);
      await client.query(
        `INSERT INTO synced_pairs (integration, link, left_key, right_key, vals)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (integration, link, left_key) DO UPDATE SET right_key = excluded.right_key, vals = excluded.vals`,
        [integration, batch.map((c) => c[0]), batch.map((c) => c[1]), batch.map((c) => c[2]), batch.map((c) => c[3])],
      );
    }
    return { pairsWritten: changed.length, pairsRemoved: removed.length };
  }

  /**
   * Runs left running by a worker that is gone: those whose lease lapsed (or that hold none).
   * A run whose worker still renews its lease is under way, on this machine or another.
   * Each lapsed lease is taken back with a new epoch, so its worker, if only paused, cannot commit.
   */
  async recoverInterrupted(at: string): Promise<RunRecord[]> {
    const finished = instant(at);
    return this.transaction(async (client) => {
      // Leases first, locked with their lapse checked under the lock (the order every
      // transaction takes): a renewal that lands meanwhile keeps its run.
      const lapsed = await client.query<LeaseRow>("SELECT * FROM leases WHERE holder IS NOT NULL AND lease_until < now() ORDER BY integration FOR UPDATE SKIP LOCKED");
      const ids: string[] = [];
      for (const lease of lapsed.rows) {
        await client.query("UPDATE leases SET epoch = epoch + 1, holder = NULL, run_id = NULL, lease_until = NULL WHERE integration = $1", [lease.integration]);
        if (lease.run_id !== null) ids.push(lease.run_id);
      }
      // And runs left running that no lease holds (a lease taken back before this run was marked).
      const unheld = await client.query<{ id: string }>(
        "SELECT r.id FROM runs r WHERE r.status = 'running' AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.run_id = r.id) ORDER BY r.id",
      );
      for (const { id } of unheld.rows) if (!ids.includes(id)) ids.push(id);
      const recovered: RunRecord[] = [];
      for (const id of ids.sort((a, b) => Number(a) - Number(b))) {
        const row = (await client.query<RunRow>("SELECT * FROM runs WHERE id = $1 FOR UPDATE", [id])).rows[0];
        if (row?.status !== "running") continue;
        await this.interrupt(client, id, row.integration, finished);
        recovered.push(this.runRecord((await client.query<RunRow>("SELECT * FROM runs WHERE id = $1", [id])).rows[0]!));
      }
      return recovered;
    });
  }

  async runs(options: { integration?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return this.guard(async () => {
      const limit = options.limit ?? null; // null: no limit, in PostgreSQL's words
      const rows =
        options.integration === undefined
          ? await this.pool.query<RunRow>("SELECT * FROM runs ORDER BY id DESC LIMIT $1", [limit])
          : await this.pool.query<RunRow>("SELECT * FROM runs WHERE integration = $1 ORDER BY id DESC LIMIT $2", [options.integration, limit]);
      return rows.rows.map((row) => this.runRecord(row));
    });
  }

  async failures(integration?: string): Promise<RecordFailure[]> {
    return this.guard(async () => {
      const rows =
        integration === undefined
          ? await this.pool.query<FailureRow>("SELECT * FROM record_failures ORDER BY integration, system, collection, record_key")
          : await this.pool.query<FailureRow>("SELECT * FROM record_failures WHERE integration = $1 ORDER BY system, collection, record_key", [integration]);
      const failures = rows.rows.map((r) => ({
        integration: r.integration,
        system: r.system,
        collection: r.collection,
        key: this.parseJson(r.record_key, message("SVC003", "pairsUnreadable", { integration: r.integration, link: `${r.system}.${r.collection}` })) as string,
        action: r.action,
        status: r.status,
        reason: r.reason,
        firstSeen: r.first_seen.toISOString(),
        lastSeen: r.last_seen.toISOString(),
        attempts: r.attempts,
      }));
      // In the order of the keys themselves, as the SQLite store gives them (the stored JSON sorts otherwise).
      return failures.sort((a, b) => cmp(a.integration, b.integration) || cmp(a.system, b.system) || cmp(a.collection, b.collection) || cmp(a.key, b.key));
    });
  }

  async rememberWebhook(connection: string, id: string, at: string): Promise<boolean> {
    return (await this.takeWebhook(connection, id, at, { system: "", type: "", recordId: "" }, [])) !== undefined;
  }

  async takeWebhook(connection: string, id: string, at: string, event: RunEvent, integrations: readonly string[]): Promise<PendingEvent[] | undefined> {
    const received = instant(at);
    return this.transaction(async (client) => {
      await this.prune(client, received);
      const remembered = await client.query("INSERT INTO webhook_ids (connection, id, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [connection, JSON.stringify(id), received]);
      if (remembered.rowCount !== 1) return undefined;
      if (integrations.length === 0) return [];
      const text = JSON.stringify(event);
      const kept = await client.query<{ seq: string; integration: string }>(
        "INSERT INTO pending_events (integration, connection, event, received_at) SELECT i, $2, $3, $4 FROM unnest($1::text[]) WITH ORDINALITY AS t(i, n) ORDER BY n RETURNING seq, integration",
        [integrations, connection, text, received],
      );
      if (this.queue) await this.queue.sendMany(inTransaction(client), integrations);
      const seqOf = new Map(kept.rows.map((row) => [row.integration, Number(row.seq)]));
      return integrations.map((integration) => ({ seq: seqOf.get(integration)!, integration, connection, event }));
    });
  }

  async pendingEvents(): Promise<PendingEvent[]> {
    return this.guard(async () => {
      const rows = await this.pool.query<{ seq: string; integration: string; connection: string; event: string }>("SELECT seq, integration, connection, event FROM pending_events WHERE kind = 'event' ORDER BY seq");
      return rows.rows.map((row) => ({ seq: Number(row.seq), integration: row.integration, connection: row.connection, event: this.parseJson(row.event, message("SVC003", "eventNotJson", { seq: Number(row.seq) })) as RunEvent }));
    });
  }

  async eventsTaken(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.guard(() => this.pool.query("DELETE FROM pending_events WHERE seq = ANY($1::bigint[])", [seqs]));
  }

  async noteWrites(integration: string, connection: string, writes: readonly EngineWrite[], at: string): Promise<void> {
    const written = instant(at);
    await this.transaction(async (client) => {
      await this.prune(client, written);
      for (let i = 0; i < writes.length; i += BATCH) {
        const batch = writes.slice(i, i + BATCH);
        await client.query(
          `INSERT INTO engine_writes (integration, connection, collection, record_key, written_at, record)
           SELECT $1, $2, c, k, $3, r FROM unnest($4::text[], $5::text[], $6::text[]) AS w(c, k, r)
           ON CONFLICT (integration, connection, collection, record_key) DO UPDATE SET written_at = excluded.written_at, record = excluded.record`,
          [integration, connection, written, batch.map((w) => w.collection), batch.map((w) => JSON.stringify(w.key)), batch.map((w) => (w.record === null ? null : JSON.stringify(w.record)))],
        );
      }
    });
  }

  async recentWrite(integration: string, connection: string, collection: string, key: string, since: string): Promise<EngineWrite | undefined> {
    const from = instant(since);
    const rows = await this.guard(() =>
      this.pool.query<{ record: string | null }>("SELECT record FROM engine_writes WHERE integration = $1 AND connection = $2 AND collection = $3 AND record_key = $4 AND written_at >= $5", [integration, connection, collection, JSON.stringify(key), from]),
    );
    const row = rows.rows[0];
    if (!row) return undefined;
    if (row.record === null) return { collection, key, record: null };
    const record = parseRecord(row.record);
    // A record that is not one (changed outside syncspec) cannot show an event is an echo:
    // the event runs, which costs a read, where an error would stop it.
    return record && { collection, key, record };
  }

  async keepTrigger(integration: string, trigger: KeptTrigger, at: string): Promise<number> {
    const queue = this.clustered();
    const kept = instant(at);
    return this.transaction(async (client) => {
      const row = await client.query<{ seq: string }>(
        "INSERT INTO pending_events (integration, connection, event, received_at, kind, label, full_run) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        [integration, trigger.kind === "event" ? trigger.connection : "", trigger.kind === "event" ? JSON.stringify(trigger.event) : "null", kept, trigger.kind, trigger.kind === "schedule" ? trigger.label : null, trigger.kind === "schedule" && trigger.full === true],
      );
      await queue.send(inTransaction(client), integration);
      return Number(row.rows[0]!.seq);
    });
  }

  async nextJob(): Promise<ClusterJob | undefined> {
    const queue = this.clustered();
    const job = await this.guard(() => queue.next());
    if (!job) return undefined;
    // A follow-up of a run this worker is making: given back, for when that run has ended.
    if (this.jobs.has(job.integration)) {
      await this.guard(() => queue.drop(job.id));
      return undefined;
    }
    this.jobs.set(job.integration, job.id);
    return job;
  }

  async triggersFor(job: ClusterJob, limit: number): Promise<PendingTrigger[] | undefined> {
    return this.guard(async () => {
      const busy = await this.pool.query("SELECT 1 FROM leases WHERE integration = $1 AND holder IS NOT NULL AND lease_until > now()", [job.integration]);
      if (busy.rowCount! > 0) return undefined;
      const rows = await this.pool.query<{ seq: string; integration: string; connection: string; event: string; received_at: Date; kind: string; label: string | null; full_run: boolean }>(
        "SELECT * FROM pending_events WHERE integration = $1 ORDER BY seq LIMIT $2",
        [job.integration, limit],
      );
      return rows.rows.map((row) => {
        const seq = Number(row.seq);
        const trigger: KeptTrigger =
          row.kind === "manual"
            ? { kind: "manual" }
            : row.kind === "schedule"
              ? { kind: "schedule", label: row.label ?? "", at: row.received_at.toISOString(), ...(row.full_run ? { full: true } : {}) }
              : { kind: "event", connection: row.connection, event: this.parseJson(row.event, message("SVC003", "eventNotJson", { seq })) as RunEvent };
        return { seq, integration: row.integration, trigger };
      });
    });
  }

  async settleJob(job: ClusterJob): Promise<void> {
    if (this.jobs.get(job.integration) !== job.id) return;
    this.forgetJob(await this.transaction((client) => this.endJob(client, job.integration)));
  }

  /**
   * Drops a job this worker cannot run now: its integration runs elsewhere (whose run queues
   * another for what waits when it ends), or on no worker here. Failed rather than dropped,
   * pg-boss would keep it beside the next one sent, and jobs would pile up.
   */
  async dropJob(job: ClusterJob): Promise<void> {
    if (this.jobs.get(job.integration) === job.id) this.jobs.delete(job.integration);
    await this.guard(() => this.clustered().drop(job.id));
  }

  async requeueOrphans(integrations: readonly string[]): Promise<number> {
    const queue = this.clustered();
    return this.transaction(async (client) => {
      // Triggers older than a lease with no run holding the integration and no job waiting
      // for it: a dead worker's (its job is still "active" in pg-boss until it expires).
      const orphans = await client.query<{ integration: string }>(
        `SELECT DISTINCT p.integration FROM pending_events p LEFT JOIN leases l ON l.integration = p.integration
         WHERE p.integration = ANY($2::text[]) AND p.received_at < now() - make_interval(secs => $1) AND (l.holder IS NULL OR l.lease_until < now())
           AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(queue.schema)}.job j WHERE j.name = $3 AND j.singleton_key = p.integration AND j.state IN ('created', 'retry'))
         ORDER BY p.integration`,
        [this.leaseSeconds, integrations, RUNS_QUEUE],
      );
      await queue.sendMany(inTransaction(client), orphans.rows.map((r) => r.integration));
      return orphans.rowCount ?? 0;
    });
  }

  async plantSchedules(integrations: readonly string[], schedules: readonly PlantedSchedule[]): Promise<void> {
    await this.transaction(async (client) => {
      const keep = new Set(schedules.map((s) => JSON.stringify([s.integration, s.label, s.full])));
      const planted = await client.query<{ integration: string; label: string; full_run: boolean }>("SELECT integration, label, full_run FROM schedules WHERE integration = ANY($1::text[]) FOR UPDATE", [integrations]);
      const gone = planted.rows.filter((r) => !keep.has(JSON.stringify([r.integration, r.label, r.full_run])));
      if (gone.length > 0) {
        await client.query("DELETE FROM schedules s USING unnest($1::text[], $2::text[], $3::boolean[]) AS g(i, l, f) WHERE s.integration = g.i AND s.label = g.l AND s.full_run = g.f", [gone.map((g) => g.integration), gone.map((g) => g.label), gone.map((g) => g.full_run)]);
      }
      for (let i = 0; i < schedules.length; i += BATCH) {
        const batch = schedules.slice(i, i + BATCH);
        await client.query(
          "INSERT INTO schedules (integration, label, full_run, anchor, next_at) SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[], $5::timestamptz[]) ON CONFLICT DO NOTHING",
          [batch.map((s) => s.integration), batch.map((s) => s.label), batch.map((s) => s.full), batch.map((s) => s.anchor.toISOString()), batch.map((s) => s.next.toISOString())],
        );
      }
    });
  }

  async claimSchedules(integrations: readonly string[], now: Date, next: (schedule: PlantedSchedule) => Date, limit = 1000): Promise<PlantedSchedule[]> {
    const queue = this.clustered();
    return this.transaction(async (client) => {
      // Rows another process is claiming are passed over, not waited for: each due time is one process's.
      const due = await client.query<{ integration: string; label: string; full_run: boolean; anchor: Date; next_at: Date }>(
        "SELECT * FROM schedules WHERE next_at <= $1 AND integration = ANY($3::text[]) ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        [now.toISOString(), limit, integrations],
      );
      const claimed = due.rows.map((r) => ({ integration: r.integration, label: r.label, full: r.full_run, anchor: r.anchor, next: r.next_at }));
      if (claimed.length === 0) return [];
      await client.query(
        `INSERT INTO pending_events (integration, connection, event, received_at, kind, label, full_run)
         SELECT i, '', 'null', at, 'schedule', l, f FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::boolean[]) AS c(i, at, l, f)`,
        [claimed.map((c) => c.integration), claimed.map((c) => c.next.toISOString()), claimed.map((c) => c.label), claimed.map((c) => c.full)],
      );
      await client.query(
        "UPDATE schedules s SET next_at = n.next_at FROM unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[]) AS n(i, l, f, next_at) WHERE s.integration = n.i AND s.label = n.l AND s.full_run = n.f",
        [claimed.map((c) => c.integration), claimed.map((c) => c.label), claimed.map((c) => c.full), claimed.map((c) => next(c).toISOString())],
      );
      await queue.sendMany(inTransaction(client), claimed.map((c) => c.integration));
      return claimed;
    });
  }

  /** Completes this worker's job for the integration, and queues another when triggers still wait: in the caller's transaction. The job completed, to forget once that commits. */
  private async endJob(client: pg.ClientBase, integration: string): Promise<string | undefined> {
    const queue = this.queue;
    const job = this.jobs.get(integration);
    if (!queue || job === undefined) return undefined;
    await queue.complete(inTransaction(client), job);
    const waiting = await client.query("SELECT 1 FROM pending_events WHERE integration = $1 LIMIT 1", [integration]);
    if (waiting.rowCount! > 0) await queue.send(inTransaction(client), integration);
    return job;
  }

  /** Forgets a job whose completion committed. */
  private forgetJob(job: string | undefined): void {
    if (job === undefined) return;
    for (const [integration, id] of this.jobs) if (id === job) this.jobs.delete(integration);
  }

  private clustered(): RunQueue {
    if (!this.queue) throw new Error(`${this.file} was opened without its queue; open it with the queue option to run as a cluster`);
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue?.stop().catch(() => undefined);
    for (const lease of this.held.values()) clearInterval(lease.timer);
    this.held.clear();
    await this.pool.end().catch(() => undefined);
  }

  private async lastRun(client: pg.Pool | pg.ClientBase, integration: string): Promise<string | null> {
    return (await client.query<{ last_run: string | null }>("SELECT last_run FROM last_runs WHERE integration = $1", [integration])).rows[0]?.last_run ?? null;
  }

  /** Webhook ids past a week and engine writes past a day, forgotten: a range scan of their time index, which finds none most times. */
  private async prune(client: pg.ClientBase, at: string): Promise<void> {
    const now = Date.parse(at);
    await client.query("DELETE FROM webhook_ids WHERE received_at < $1", [new Date(now - WEBHOOK_IDS_KEPT_MS).toISOString()]);
    await client.query("DELETE FROM engine_writes WHERE written_at < $1", [new Date(now - ENGINE_WRITES_KEPT_MS).toISOString()]);
  }

  /** One transaction on one connection: committed when `work` resolves, rolled back when it throws. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.guard(async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    });
  }

  /** PostgreSQL's failures as StateStoreErrors naming the store; the caller's own mistakes pass unchanged. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw postgresError(this.file, error);
    }
  }

  private runRecord(row: RunRow): RunRecord {
    const counts = this.parseJson(row.counts, message("SVC003", "countsNotJson", { run: Number(row.id) })) as Record<string, number>;
    return {
      id: Number(row.id),
      integration: row.integration,
      trigger: row.trigger,
      status: row.status,
      startedAt: row.started_at.toISOString(),
      finishedAt: row.finished_at === null ? null : row.finished_at.toISOString(),
      counts,
      ...readMessage(row.message),
    };
  }

  private changedOutside(what: Message<"SVC003">): StateStoreError {
    return changedOutside(this.file, what);
  }

  private parseJson(text: string, what: Message<"SVC003">): unknown {
    return parseStored(this.file, text, what);
  }
}

/** Drops a store's schema, if it is a store's (marked so): the sandbox's, emptied at each start. */
export async function dropPostgresStore(url: string, schema: string): Promise<void> {
  const where = `${displayUrl(url)} (schema ${schema})`;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    if (await isStoreSchema(client, schema)) await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
  } catch (error) {
    throw postgresError(where, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Work PostgreSQL rolled back for a conflict with another transaction (SQLSTATE class 40: deadlock, serialization), tried again a few times. */
async function retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 5 || typeof code !== "string" || !code.startsWith("40")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

/** The URL without a ?schema= parameter (which is syncspec's, not the driver's), and that schema. */
function withoutSchema(url: string): { connectionString: string; schema?: string } {
  try {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema");
    if (schema === null) return { connectionString: url };
    parsed.searchParams.delete("schema");
    return { connectionString: parsed.toString(), schema };
  } catch {
    return { connectionString: url };
  }
}

/** Text PostgreSQL can keep: a system's reason may hold a NUL, which text cannot. */
function freeText(text: string | null): string | null {
  return text === null ? null : text.replace(/\0/g, "\uFFFD");
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
