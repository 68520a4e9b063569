// The cluster's queue of runs to make: pg-boss, in the store's database, so that a job is
// sent in the transaction that keeps its trigger (a webhook's id and event) and completed in
// the one that ends its run. The triggers themselves wait in the store (pending_events): a
// job only says "run this integration". Jobs are sent with the integration as singletonKey on
// a `short` queue, so at most one waits per integration: triggers arriving meanwhile join the
// run it starts. At most one run per integration at a time is the store's lease (with its
// fencing epoch), not the queue's: pg-boss's `stately` and `singleton` queues stop handing
// out jobs of every key once one key has a job waiting behind an active one (pg-boss issue
// #535), which would let one organization's storm stall all the others.
import PgBoss from "pg-boss";
import type pg from "pg";

export const RUNS_QUEUE = "syncspec_runs";

/**
 * Four hours: longer than any run. A run's liveness is its lease, not its job: a job that
 * expired while its run went on would be offered again mid-run, taken and dropped for
 * nothing (pg-boss's own default is 15 minutes; a full run over a large CRM can pass that).
 */
export const JOB_EXPIRY_SECONDS = 4 * 60 * 60;

/** A job taken from the queue: the integration to run. */
export interface RunJob {
  readonly id: string;
  readonly integration: string;
}

export interface RunQueueOptions {
  /** pg-boss's schema: by default the store's, with "_queue" after it. */
  readonly schema: string;
  /**
   * Seconds after which a job taken by a worker that went silent is offered again;
   * JOB_EXPIRY_SECONDS by default. The store's lease (30 s) recovers a dead worker's triggers
   * far sooner (requeueOrphans); this only bounds how long its job looks active.
   */
  readonly expireInSeconds?: number;
  /** How often pg-boss's maintenance (expiry, retention) runs; 60 s by default. */
  readonly maintenanceIntervalSeconds?: number;
}

/** A pg client in a transaction, as pg-boss takes it to send or complete a job in that transaction. */
export function inTransaction(client: pg.ClientBase): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}

export class RunQueue {
  private constructor(
    private readonly boss: PgBoss,
    /** pg-boss's schema, where its job table is. */
    readonly schema: string,
  ) {}

  static async start(connectionString: string, options: RunQueueOptions): Promise<RunQueue> {
    const boss = new PgBoss({
      connectionString,
      schema: options.schema,
      max: 2,
      application_name: "syncspec",
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      // Runs are kept by the store; completed jobs need not be.
      deleteAfterHours: 24,
    });
    // pg-boss reports its own failures as events; unheard, an 'error' event ends the process.
    boss.on("error", () => undefined);
    try {
      await boss.start();
      const queue = { name: RUNS_QUEUE, policy: "short", expireInSeconds: options.expireInSeconds ?? JOB_EXPIRY_SECONDS, retryLimit: 1_000_000, retryDelay: 1 } as const;
      await boss.createQueue(RUNS_QUEUE, queue);
      // A queue made by an earlier version keeps its settings unless told: these are the ones this version counts on.
      await boss.updateQueue(RUNS_QUEUE, queue);
    } catch (error) {
      // Its pool and timers would keep the process up.
      await boss.stop({ graceful: false, wait: true, close: true, timeout: 1000 }).catch(() => undefined);
      throw error;
    }
    return new RunQueue(boss, options.schema);
  }

  /** Queues a run of the integration, unless one waits already, to be taken at once or after `startAfter` seconds: in the caller's transaction. */
  async send(db: PgBoss.Db, integration: string, startAfter?: number): Promise<void> {
    await this.boss.send(RUNS_QUEUE, { integration }, { singletonKey: integration, db, ...(startAfter !== undefined ? { startAfter } : {}) });
  }

  /** Queues runs of several integrations, each unless one waits already, in one statement: in the caller's transaction. */
  async sendMany(db: PgBoss.Db, integrations: readonly string[]): Promise<void> {
    // In one order everywhere: two transactions queueing the same integrations lock their singleton keys in the same order, and cannot deadlock.
    const unique = [...new Set(integrations)].sort();
    if (unique.length === 0) return;
    await this.boss.insert(unique.map((integration) => ({ name: RUNS_QUEUE, data: { integration }, singletonKey: integration })), { db });
  }

  /** The next job, or undefined when none waits. */
  async next(): Promise<RunJob | undefined> {
    const [job] = await this.boss.fetch<{ integration: string }>(RUNS_QUEUE, { batchSize: 1 });
    return job ? { id: job.id, integration: job.data.integration } : undefined;
  }

  /** Completes a job in the caller's transaction (the one that ends its run). */
  async complete(db: PgBoss.Db, id: string): Promise<void> {
    // Data given as null: pg-boss takes a third argument for data, even one that looks like options.
    await this.boss.complete(RUNS_QUEUE, id, null as unknown as object, { db });
  }

  /** Ends a job without its run (its triggers stay in the store, and are queued again by the run that holds them or by the sweep for orphans). */
  async drop(id: string): Promise<void> {
    await this.boss.complete(RUNS_QUEUE, id, null as unknown as object);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true, timeout: 1000 });
  }
}
