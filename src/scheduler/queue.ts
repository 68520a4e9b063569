// The queue between triggers (timers, webhooks, a person) and runs. An interface, so that a
// shared queue (Redis, for several machines) can replace the in-process one; triggers are
// plain data for that reason. At most one run per integration at a time: what arrives
// meanwhile waits, coalesced, for the run after it.
import type { DirectionPlan } from "../plan/types.js";
import type { RunEvent } from "../input/event.js";
import { OrganizationBusy, type RunLimit } from "../stores/service-store.js";

export type Trigger =
  /**
   * at: when it was due (ISO 8601); label: the schedule in the spec's words; directions: the
   * ones it runs; full: a reconciliation, which reads everything (else a run reads what changed).
   */
  | { readonly kind: "schedule"; readonly at: string; readonly label: string; readonly directions: readonly DirectionPlan[]; readonly full?: boolean; readonly stored?: readonly number[] }
  /**
   * stored: the store's numbers for the event kept (ServiceStore.takeWebhook), one for each
   * time it came: forgotten once a run has taken it. maybeEcho: the engine wrote the record
   * lately, so the run first reads it to tell whether the event is the write's echo.
   */
  | { readonly kind: "event"; readonly event: RunEvent; readonly connection: string; readonly stored?: readonly number[]; readonly maybeEcho?: boolean }
  /** stored: as for an event, where a cluster keeps the trigger (ClusterStore.keepTrigger). */
  | { readonly kind: "manual"; readonly stored?: readonly number[] };

export interface Job {
  readonly integration: string;
  readonly trigger: Trigger;
}

export type JobHandler = (integration: string, triggers: Trigger[]) => Promise<void>;

export interface WorkQueue {
  /**
   * Adds work. While the integration runs or waits, its triggers are coalesced into the one
   * run that follows: each schedule and the manual trigger kept once, each distinct event
   * kept; none lost. false when the queue is stopping and did not take the job.
   */
  push(job: Job): boolean;
  /** Runs jobs with handler, at most one per integration at a time, up to `concurrency` integrations at once, and up to its organization's limit of each organization's. */
  start(handler: JobHandler): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Takes no more work, waits for the runs under way, and returns the jobs that never started. */
  stop(): Promise<Job[]>;
}

export interface QueueOptions {
  /** Integrations run at once; 2 by default. */
  readonly concurrency?: number;
  /**
   * Triggers one run takes at the most (MAX_BATCH by default); the rest wait, in order, for
   * the runs after it. What a run does on the service's thread (its pairs read from the
   * store, its state written in one transaction) grows with its batch, and webhooks and
   * /healthz wait behind it.
   */
  readonly maxBatch?: number;
  /** An integration's organization and how many of its runs may be under way at once; none by default. */
  readonly limitOf?: (integration: string) => RunLimit | undefined;
  /** How long an integration waits after its run was refused because its organization was at its limit across the cluster (OrganizationBusy); 2 s by default. */
  readonly busyRetryMs?: number;
  /** A handler that threw; the queue goes on. By default a line on stderr. */
  readonly onError?: (integration: string, error: unknown, triggers: readonly Trigger[]) => void;
}

/**
 * Triggers that ask for the same work: a schedule that fired again, a second manual run,
 * an event sent twice. Events are not folded into a pending schedule: a schedule covers
 * only its own directions and which directions an event allows is the plan's to say, so
 * the handler gets both and decides (a manual run, every direction, covers all of them).
 */
function coalesceKey(trigger: Trigger): string {
  switch (trigger.kind) {
    case "manual":
      return "manual";
    case "schedule":
      return `schedule\0${trigger.label}\0${trigger.directions.map((d) => `${d.from}>${d.to}`).join(",")}`;
    case "event": {
      const e = trigger.event;
      return `event\0${trigger.connection}\0${e.system}\0${e.type}\0${e.actor ?? ""}\0${e.recordId}`;
    }
  }
}

/**
 * Adds a trigger to an integration's waiting ones: the same event again is one trigger that
 * both deliveries' stored numbers go with (forgotten together after the run), and may be an
 * echo only if both may; any other trigger asked for again is the one already waiting.
 */
function coalesce(waiting: Map<string, Trigger>, trigger: Trigger): void {
  const key = coalesceKey(trigger);
  const earlier = waiting.get(key);
  if (!earlier) waiting.set(key, trigger);
  else if (earlier.kind === "event" && trigger.kind === "event") {
    const stored = [...(earlier.stored ?? []), ...(trigger.stored ?? [])];
    const { kind, event, connection } = earlier;
    waiting.set(key, { kind, event, connection, ...(stored.length > 0 ? { stored } : {}), ...(earlier.maybeEcho && trigger.maybeEcho ? { maybeEcho: true } : {}) });
  }
}

/**
 * A run's batch at the most. bench reads (2026-12-05): a storm's runs of about 12,000 events
 * kept /healthz under 0.2 s, runs of 40,000 and more held it for seconds; 2,000 keeps a storm
 * of 200,000 events to a hundred runs or so, far under the 1% the issue allows.
 */
export const MAX_BATCH = 2000;

export class InProcessQueue implements WorkQueue {
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly onError: NonNullable<QueueOptions["onError"]>;
  private readonly limitOf: QueueOptions["limitOf"];
  private readonly busyRetryMs: number;
  /** integration -> coalesce key -> trigger, in the order they arrived. */
  private readonly pending = new Map<string, Map<string, Trigger>>();
  /** Integrations with pending work that are not running, first come first served. */
  private readonly ready: string[] = [];
  private readonly running = new Map<string, Promise<void>>();
  /** Runs under way by organization, against its limit. */
  private readonly runningIn = new Map<string, number>();
  /** Integrations whose run the store refused for their organization's limit, until they may try again. */
  private readonly holding = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private handler: JobHandler | undefined;
  private stopping = false;

  constructor(options: QueueOptions = {}) {
    this.concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`concurrency must be a whole number of 1 or more, not ${this.concurrency}`);
    this.maxBatch = options.maxBatch ?? MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError(`maxBatch must be a whole number of 1 or more, not ${this.maxBatch}`);
    this.limitOf = options.limitOf;
    this.busyRetryMs = options.busyRetryMs ?? 2000;
    this.onError = options.onError ?? ((integration, error) => process.stderr.write(`syncspec: the run of ${integration} failed: ${error instanceof Error ? error.message : String(error)}\n`));
  }

  push(job: Job): boolean {
    if (this.stopping) return false;
    let triggers = this.pending.get(job.integration);
    if (!triggers) {
      this.pending.set(job.integration, (triggers = new Map()));
      if (!this.running.has(job.integration) && !this.holding.has(job.integration)) this.ready.push(job.integration);
    }
    coalesce(triggers, job.trigger);
    this.pump();
    return true;
  }

  start(handler: JobHandler): void {
    if (this.handler) throw new Error("the queue is already started");
    this.handler = handler;
    this.pump();
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<Job[]> {
    this.stopping = true;
    for (const timer of this.holding.values()) clearTimeout(timer);
    this.holding.clear();
    while (this.running.size > 0) await Promise.all(this.running.values());
    const left: Job[] = [];
    for (const [integration, triggers] of this.pending) for (const trigger of triggers.values()) left.push({ integration, trigger });
    this.pending.clear();
    this.ready.length = 0;
    this.settle();
    return left;
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.stopping && this.running.size < this.concurrency && this.ready.length > 0) {
      // The first ready whose organization may start another run; the others keep their place.
      const next = this.ready.findIndex((name) => this.mayStart(name));
      if (next < 0) break;
      const integration = this.ready.splice(next, 1)[0]!;
      const waiting = this.pending.get(integration)!;
      // The oldest first; what is left waits for the run after this one.
      const triggers: Trigger[] = [];
      for (const [key, trigger] of waiting) {
        if (triggers.length === this.maxBatch) break;
        triggers.push(trigger);
        waiting.delete(key);
      }
      if (waiting.size === 0) this.pending.delete(integration);
      const organization = this.limitOf?.(integration)?.organization;
      if (organization !== undefined) this.runningIn.set(organization, (this.runningIn.get(organization) ?? 0) + 1);
      this.running.set(integration, this.run(handler, integration, triggers, organization));
    }
  }

  private mayStart(integration: string): boolean {
    const limit = this.limitOf?.(integration);
    return !limit || (this.runningIn.get(limit.organization) ?? 0) < limit.maxRuns;
  }

  private run(handler: JobHandler, integration: string, triggers: Trigger[], organization: string | undefined): Promise<void> {
    let busy = false;
    // Started on the next microtask, so a handler that throws at once still finds itself in `running`.
    return Promise.resolve()
      .then(() => handler(integration, triggers))
      .catch((error: unknown) => {
        // Refused by a shared store: its organization's runs elsewhere fill its limit. Nothing
        // of it was recorded; its triggers wait, ahead of those that came since, and it tries again in a moment.
        if (error instanceof OrganizationBusy) {
          busy = true;
          const back = new Map<string, Trigger>();
          for (const trigger of [...triggers, ...(this.pending.get(integration)?.values() ?? [])]) coalesce(back, trigger);
          this.pending.set(integration, back);
          return;
        }
        try {
          this.onError(integration, error, triggers);
        } catch {
          // A reporter that fails must not stop the queue either; the run's failure stands.
        }
      })
      .then(() => {
        this.running.delete(integration);
        if (organization !== undefined) this.runningIn.set(organization, this.runningIn.get(organization)! - 1);
        // Stopping: what was put back is among the jobs stop() returns.
        if (busy && !this.stopping) {
          const timer = setTimeout(() => {
            this.holding.delete(integration);
            if (this.pending.has(integration)) this.ready.push(integration);
            this.pump();
          }, this.busyRetryMs);
          this.holding.set(integration, timer);
        } else if (this.pending.has(integration)) {
          // Behind the others that waited meanwhile, so a busy integration cannot starve them.
          this.ready.push(integration);
        }
        this.pump();
        this.settle();
      });
  }

  private isIdle(): boolean {
    return this.running.size === 0 && this.pending.size === 0;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
