// What the service remembers between runs: each integration's synced state, the run
// history, the records a system refused, and the webhook ids and engine writes that keep
// events from running twice or echoing. An interface, so that a shared store (PostgreSQL,
// for several machines) can stand in for the embedded SQLite file without engine changes;
// asynchronous for that reason, though SQLite answers at once.
import type { Code, Message } from "../diagnostics/catalog.js";
import { problem, ProblemError } from "../diagnostics/problem.js";
import type { RecordRef, RecordWrite, WriteFence } from "../engine/changes.js";
export type { RecordRef };
import type { StoredPairs, SyncState } from "../state/state.js";
import type { RunEvent } from "../input/event.js";

export type RunStatus = "running" | "ok" | "partial" | "incomplete" | "failed" | "interrupted";

export interface RunRecord {
  id: number;
  integration: string;
  trigger: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, number>;
  message: string | null;
  /** The catalog code of a failed run's problem (RUN, SVC); absent for other runs. */
  code?: Code;
}

/** A record a system refused; retried by later runs until one applies it. */
export interface RecordFailure {
  integration: string;
  system: string;
  collection: string;
  key: string;
  action: string;
  status: number | null;
  reason: string;
  firstSeen: string;
  lastSeen: string;
  attempts: number;
}


/**
 * A write the engine made: the record, and what it holds once the write is made, whole (null
 * for a delete). Whole, not only the fields the write set: an edit since then of any other
 * field the spec reads is a change to sync, not the write's echo.
 */
export interface EngineWrite {
  collection: string;
  key: string;
  record: Record<string, unknown> | null;
}

/** A webhook's event kept for one integration until a run takes it. */
export interface PendingEvent {
  readonly seq: number;
  readonly integration: string;
  readonly connection: string;
  readonly event: RunEvent;
}

/** A trigger a cluster keeps until the run that answers it ends: a webhook's event, a run asked by hand, a schedule that fired. */
export type KeptTrigger =
  | { readonly kind: "event"; readonly connection: string; readonly event: RunEvent }
  | { readonly kind: "manual" }
  | { readonly kind: "schedule"; readonly label: string; readonly at: string; readonly full?: boolean };

export interface PendingTrigger {
  readonly seq: number;
  readonly integration: string;
  readonly trigger: KeptTrigger;
}

/** A schedule of a cluster: an integration's, by its label; when it fires next. */
export interface PlantedSchedule {
  readonly integration: string;
  readonly label: string;
  readonly full: boolean;
  /** When it was first planted: the start "every N minutes" counts from. */
  readonly anchor: Date;
  readonly next: Date;
}

/** A job of the cluster's queue: the integration to run, its triggers waiting in the store. */
export interface ClusterJob {
  readonly id: string;
  readonly integration: string;
}

/**
 * A store several processes share (PostgreSQL): its triggers wait in it, and a queue in the
 * same database says which integration to run next. A job is sent in the transaction that
 * keeps its trigger, and completed in the one that ends its run.
 */
/** Runs of one organization under way at once, across the cluster: one organization's storm cannot take every worker. */
export interface RunLimit {
  readonly organization: string;
  readonly maxRuns: number;
}

/** A run that may not start yet: its organization has as many under way as it may. Nothing of it was recorded; its triggers wait. */
export class OrganizationBusy extends Error {
  override readonly name = "OrganizationBusy";
  constructor(readonly limit: RunLimit) {
    super(`${limit.organization} has ${limit.maxRuns} run${limit.maxRuns === 1 ? "" : "s"} under way, as many as its maxRuns allows; this one waits for one of them to end`);
  }
}

export interface ClusterStore extends ServiceStore {
  /** Keeps a run asked by hand or by a schedule, and queues it, in one transaction. */
  keepTrigger(integration: string, trigger: KeptTrigger, at: string): Promise<number>;
  /** The next job for this worker, held until its run ends; undefined when none waits. */
  nextJob(): Promise<ClusterJob | undefined>;
  /**
   * The triggers kept for the job's integration, oldest first, at most `limit`; undefined
   * when another worker is running it now (the job is then given back, to be taken later).
   */
  triggersFor(job: ClusterJob, limit: number): Promise<PendingTrigger[] | undefined>;
  /** Ends a job whose run did not complete it (no run was needed, or it failed early), queueing another when triggers still wait. */
  settleJob(job: ClusterJob): Promise<void>;
  /** Drops a job this worker cannot run now (its integration runs elsewhere, or on no worker here); its triggers stay kept. */
  dropJob(job: ClusterJob): Promise<void>;
  /** Whether the organization has as many runs under way across the cluster as its limit allows (another integration of it may not start now). */
  organizationFull(limit: RunLimit, integration: string): Promise<boolean>;
  /** Ends a job whose run must wait (its organization is at its limit), and queues it again to be taken after `seconds`, in one transaction. */
  deferJob(job: ClusterJob, seconds: number): Promise<void>;
  /**
   * Plants the integrations' schedules: those new are added (firing at `next`), those planted
   * before keep their next time, and those their specs no longer have are removed.
   */
  plantSchedules(integrations: readonly string[], schedules: readonly PlantedSchedule[]): Promise<void>;
  /**
   * Claims the integrations' schedules due at `now` (at most `limit`), each by one process across the cluster:
   * keeps its trigger, queues its run and sets its next time (`next`, after `now`), in one
   * transaction. The claims made.
   */
  claimSchedules(integrations: readonly string[], now: Date, next: (schedule: PlantedSchedule) => Date, limit?: number): Promise<PlantedSchedule[]>;
  /** Queues runs of these integrations whose triggers were left waiting by a worker that died: those older than a lease, with no run under way and no job waiting. */
  requeueOrphans(integrations: readonly string[]): Promise<number>;
}

/** A write the system accepted during a run, in the order it was applied. */
export interface JournaledWrite {
  runId: number;
  system: string;
  write: RecordWrite;
}

export interface RunEnd {
  status: RunStatus;
  at: string;
  counts: Record<string, number>;
  message?: string;
  /** A failed run's code (RUN, SVC), kept with its message. */
  code?: Code;
  /** The new state; absent when the run must not advance it (failed, incomplete). */
  state?: SyncState;
  /** Read positions to keep with the state (name -> value), advanced only with it. */
  cursors?: Record<string, string>;
  failures: Omit<RecordFailure, "firstSeen" | "lastSeen" | "attempts" | "integration">[];
  cleared: RecordRef[];
  /** Kept events this run answers (PendingEvent.seq): forgotten in the same transaction, so a crash before it runs them again and one after never does. */
  taken?: readonly number[];
}

/** What finishRun wrote of the state: the pairs that differ from what was stored. */
export interface StateWriteSummary {
  pairsWritten: number;
  pairsRemoved: number;
}

export interface ServiceStore {
  /** The state after the last successful run; empty before the first. */
  loadState(integration: string): Promise<SyncState>;
  /** The same state read a pair at a time, as a run that reads a few records asks for them (state/fetched-pairs.ts); its changes alone are then kept (SyncState.changedOnly). */
  pairsByKey(integration: string): Promise<StoredPairs>;
  /** A read position kept by finishRun, or undefined before the first. */
  cursor(integration: string, name: string): Promise<string | undefined>;
  /**
   * Records a run as started (status running) and returns its id. With a limit, a shared
   * store refuses a run whose organization already has that many under way across the
   * cluster (OrganizationBusy); one process's store leaves the limit to its queue.
   */
  startRun(integration: string, trigger: string, at: string, limit?: RunLimit): Promise<number>;
  /**
   * Whether the run may still write. SQLite's file is one process's (its lock), so always;
   * on PostgreSQL, while the run holds its integration's lease: a worker paused past it is
   * taken over, and must send nothing more.
   */
  fence(runId: number): WriteFence;
  /** Gives up a run that stopped part-way without ending (another worker took it over): marked interrupted, its hold on the integration freed. */
  abandonRun(runId: number, at: string): Promise<void>;
  /** Notes a write the system accepted, at once, so a crash leaves evidence of what was applied. */
  journalWrite(runId: number, system: string, write: RecordWrite): Promise<void>;
  journal(runId: number): Promise<JournaledWrite[]>;
  /**
   * One transaction: the run's end and counts, the new state and cursors (when given), the
   * failures seen (attempts counted), the failures cleared. A run another worker took over is
   * refused (SVC004, fenced) and nothing of it is kept.
   */
  finishRun(runId: number, end: RunEnd): Promise<StateWriteSummary>;
  /** Runs left "running" by a process that died: marked interrupted, returned. Called at start. */
  recoverInterrupted(at: string): Promise<RunRecord[]>;
  /** Newest first. */
  runs(options?: { integration?: string; limit?: number }): Promise<RunRecord[]>;
  failures(integration?: string): Promise<RecordFailure[]>;
  /** true when the id is new (and now remembered), false for a replay. Ids older than 7 days may be forgotten. */
  rememberWebhook(connection: string, id: string, at: string): Promise<boolean>;
  /**
   * One transaction: remembers a webhook's id and keeps its event for each integration it
   * starts, until a run takes it (eventsTaken). The events kept; undefined for a replayed id,
   * which keeps nothing.
   */
  takeWebhook(connection: string, id: string, at: string, event: RunEvent, integrations: readonly string[]): Promise<PendingEvent[] | undefined>;
  /** The events kept and not yet taken, oldest first: what a process that stopped left to run. */
  pendingEvents(): Promise<PendingEvent[]>;
  /** Forgets events a run has taken. */
  eventsTaken(seqs: readonly number[]): Promise<void>;
  /**
   * The engine's own writes, for echo detection, kept a day: noted before each is sent (its
   * event may arrive before its answer), with the record as it will stand (null for a delete).
   */
  noteWrites(integration: string, connection: string, writes: readonly EngineWrite[], at: string): Promise<void>;
  /** The integration's latest write of a record since a time, or undefined. */
  recentWrite(integration: string, connection: string, collection: string, key: string, since: string): Promise<EngineWrite | undefined>;
  close(): Promise<void>;
}

/**
 * What went wrong with a store, from the catalog: SVC001 it cannot be opened, created or
 * written; SVC002 it is not a syncspec store (another program's database, a JSON state file,
 * a newer syncspec's store); SVC003 it is corrupt or was changed outside syncspec; SVC004
 * another process holds it.
 */
export type StoreProblemCode = Extract<Code, "SVC001" | "SVC002" | "SVC003" | "SVC004">;

/**
 * A store that cannot be used as it is (corrupt, from a newer syncspec, not a store at all).
 * It carries a problem with its code, the store's file and a message that says what to do;
 * the CLI renders it without a stack.
 */
export class StateStoreError extends ProblemError {
  override readonly name = "StateStoreError";
  constructor(
    readonly file: string,
    message: Message<StoreProblemCode>,
  ) {
    super(problem({ file }, message));
  }

  get code(): StoreProblemCode {
    return this.problem.code as StoreProblemCode;
  }
}
