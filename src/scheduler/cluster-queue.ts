// The work queue of a cluster: triggers wait in the shared store (PostgreSQL), and a job in
// the same database says which integration to run next (stores/run-queue.ts). Any number of
// processes on any number of machines take jobs; the store's lease keeps each integration to
// one run at a time across all of them, and its fencing epoch keeps a worker that lost the
// lease from writing or committing. A process that only takes webhooks (`syncspec serve`)
// keeps triggers and runs nothing.
import { OrganizationBusy, type ClusterJob, type ClusterStore, type KeptTrigger, type PendingTrigger } from "../stores/service-store.js";
import { MAX_BATCH, type Job, type JobHandler, type Trigger, type WorkQueue } from "./queue.js";
import type { LoadedIntegration } from "./run-integration.js";

export interface ClusterQueueOptions {
  /** Whether this process runs jobs (a worker), or only keeps triggers (a server). */
  readonly runs: boolean;
  /** Jobs run at once by this process; 2 by default. */
  readonly concurrency?: number;
  /** How long an idle worker waits before asking for a job again; 500 ms by default. */
  readonly pollMs?: number;
  /** Triggers one run takes at the most (MAX_BATCH by default). */
  readonly maxBatch?: number;
  readonly now?: () => Date;
  /** How often an idle worker looks for triggers a dead worker left waiting; 10 s by default, about a third of a lease. */
  readonly orphanCheckMs?: number;
  readonly onError?: (integration: string, error: unknown) => void;
  /** How long a job waits when its organization is at its limit; BUSY_RETRY_SECONDS by default. */
  readonly busyRetrySeconds?: number;
}

/**
 * A job of an organization at its limit is taken again after this long: a run of an
 * integration takes seconds, so a slot is seldom free much sooner, and the look costs a query.
 */
export const BUSY_RETRY_SECONDS = 2;


export class ClusterQueue implements WorkQueue {
  private readonly byName: ReadonlyMap<string, LoadedIntegration>;
  private readonly loops: Promise<void>[] = [];
  private readonly inHand = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly keeping = new Set<Promise<unknown>>();
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: ClusterStore,
    integrations: readonly LoadedIntegration[],
    private readonly options: ClusterQueueOptions,
  ) {
    this.byName = new Map(integrations.map((i) => [i.name, i]));
  }

  /**
   * Keeps a trigger for the cluster. A webhook's event was kept, with its job, when it was
   * taken in (ClusterStore.takeWebhook); a manual run or a schedule is kept here.
   */
  push(job: Job): boolean {
    if (this.stopping) return false;
    const { trigger } = job;
    if (trigger.stored !== undefined) return true;
    const kept: KeptTrigger =
      trigger.kind === "event"
        ? { kind: "event", connection: trigger.connection, event: trigger.event }
        : trigger.kind === "schedule"
          ? { kind: "schedule", label: trigger.label, at: trigger.at, ...(trigger.full ? { full: true } : {}) }
          : { kind: "manual" };
    const keeping = this.store
      .keepTrigger(job.integration, kept, (this.options.now ?? (() => new Date()))().toISOString())
      .catch((error: unknown) => this.report(job.integration, error))
      .finally(() => this.keeping.delete(keeping));
    this.keeping.add(keeping);
    return true;
  }

  start(handler: JobHandler): void {
    if (!this.options.runs) return;
    for (let i = 0; i < (this.options.concurrency ?? 2); i++) this.loops.push(this.loop(handler));
  }

  /** Resolves when this process holds no job and keeps no trigger (the cluster may still be busy). */
  async idle(): Promise<void> {
    await Promise.all(this.keeping);
    if (this.inHand.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<Job[]> {
    this.stopping = true;
    this.wake?.();
    await Promise.all([...this.loops, ...this.keeping]);
    // What waited stays in the store, for another worker or the next start.
    return [];
  }

  private async loop(handler: JobHandler): Promise<void> {
    let checked = performance.now();
    while (!this.stopping) {
      let job: ClusterJob | undefined;
      try {
        if (performance.now() - checked > (this.options.orphanCheckMs ?? 10_000)) {
          checked = performance.now();
          await this.store.requeueOrphans([...this.byName.keys()]);
        }
        job = await this.store.nextJob();
      } catch (error) {
        this.report("", error);
      }
      if (!job) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs ?? 500);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      this.inHand.add(job.id);
      try {
        await this.runJob(handler, job);
      } catch (error) {
        this.report(job.integration, error);
      } finally {
        this.inHand.delete(job.id);
        if (this.inHand.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  private async runJob(handler: JobHandler, job: ClusterJob): Promise<void> {
    try {
      await this.takeJob(handler, job);
    } catch (error) {
      // Whatever failed (the database out of reach, a run's defect), the job is let go, so
      // this worker does not take the integration's next jobs for follow-ups of one it still
      // holds. Its triggers stay kept: the sweep for orphans queues them again after a lease.
      await this.store.dropJob(job).catch(() => undefined);
      throw error;
    }
  }

  private async takeJob(handler: JobHandler, job: ClusterJob): Promise<void> {
    const integration = this.byName.get(job.integration);
    // Another deployment's, or one running elsewhere: dropped. Its triggers stay kept; the run
    // that holds them queues another job when it ends, and the sweep for orphans is the backstop.
    if (!integration) return this.store.dropJob(job);
    // Its organization has as many runs under way as it may: the job comes back in a moment,
    // and the worker takes another organization's meanwhile, so one organization's storm
    // cannot hold every worker.
    const retry = this.options.busyRetrySeconds ?? BUSY_RETRY_SECONDS;
    if (integration.limit && (await this.store.organizationFull(integration.limit, job.integration))) return this.store.deferJob(job, retry);
    const pending = await this.store.triggersFor(job, this.options.maxBatch ?? MAX_BATCH);
    if (pending === undefined) return this.store.dropJob(job);
    try {
      if (pending.length > 0) await handler(job.integration, pending.map((p) => triggerOf(integration, p)));
    } catch (error) {
      // Its organization filled its limit between the look above and the run's start: it waits, as above.
      if (error instanceof OrganizationBusy) return this.store.deferJob(job, retry);
      await this.store.settleJob(job);
      throw error;
    }
    await this.store.settleJob(job);
  }

  private report(integration: string, error: unknown): void {
    const onError = this.options.onError ?? ((name, e) => process.stderr.write(`syncspec: ${name || "the queue"}: ${e instanceof Error ? e.message : String(e)}\n`));
    try {
      onError(integration, error);
    } catch {
      // A reporter that fails must not stop the worker.
    }
  }
}

/** A kept trigger as the service runs it. An event is checked for being the engine's own echo by its run: a read of its record, where a missed edit would be lost. */
function triggerOf(integration: LoadedIntegration, { seq, trigger }: PendingTrigger): Trigger {
  const stored = [seq];
  switch (trigger.kind) {
    case "event":
      return { kind: "event", event: trigger.event, connection: trigger.connection, stored, maybeEcho: true };
    case "manual":
      return { kind: "manual", stored };
    case "schedule": {
      const schedule = integration.schedules.find((s) => s.label === trigger.label && (s.full ?? false) === (trigger.full ?? false));
      // A schedule the spec no longer has: a full run answers it, as a manual one would.
      if (!schedule) return { kind: "manual", stored };
      return { kind: "schedule", at: trigger.at, label: trigger.label, directions: schedule.directions, ...(schedule.full ? { full: true } : {}), stored };
    }
  }
}
