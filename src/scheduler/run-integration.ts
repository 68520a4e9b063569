// One run of an integration in the service: read both systems through their connectors,
// plan with the engine, write its changes record by record, and keep the outcome in the
// store. What can go wrong is contained: a collection read part-way makes the run
// incomplete (no deletes or removals, state kept), a record a system refuses is kept as a
// failure and retried by the next run while the rest applies, and a crash part-way leaves the
// old state, so the next run reads again and redoes only what is missing (creates are upserts
// by deterministic key); the journal of applied writes is the evidence of what was done.
import type { Connector, Document, RecordWrite, WriteFailure } from "../connectors/connector.js";
import { message as say, type Code, type Message } from "../diagnostics/catalog.js";
import type { Problem } from "../diagnostics/problem.js";
import { RecordRefSet, type RecordRef } from "../input/record-ref.js";
import { withoutRemovals, type RecordChange } from "../engine/changes.js";
import type { DirectionPlan, Plan } from "../plan/types.js";
import { acceptingTriggers } from "../engine/events.js";
import type { RunEvent } from "../input/event.js";
import type { Outcome } from "../engine/outcomes.js";
import { RecordTable } from "../input/record-table.js";
import { runPlan } from "../engine/run.js";
import type { Snapshot } from "../input/snapshots.js";
import { counterparts, holdBack } from "../state/hold-back.js";
import { StateStoreError, type RunStatus, type ServiceStore } from "../stores/service-store.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { Redact } from "../connectors/redact.js";
import type { Trigger } from "./queue.js";
import type { ScheduledTrigger } from "./schedules.js";

/** An integration as the service runs it: its plan, params, schedules and connections. */
export interface LoadedIntegration {
  readonly name: string;
  readonly plan: Plan;
  readonly params: ReadonlyMap<string, unknown>;
  /** System -> connection name. */
  readonly connections: ReadonlyMap<string, string>;
  readonly schedules: readonly ScheduledTrigger[];
}

export interface RunServices {
  readonly systems: SystemCatalog;
  /** Connection name -> connector. */
  readonly connectors: ReadonlyMap<string, Connector>;
  readonly store: ServiceStore;
  readonly now: () => Date;
  /**
   * The deployment's credentials out of a text (see connectors/redact.ts). What a system says
   * (why a record was refused, why a read failed, an error a connector threw) passes through
   * it as it enters the run, before the run is kept or told: a system may echo the token.
   */
  readonly redact?: Redact;
}

export interface SystemFailure extends WriteFailure {
  readonly system: string;
}

export interface RunSummary {
  readonly integration: string;
  readonly runId: number;
  /** What started the run, in words: "every 10 minutes", "raisedonors donor.updated 1001". */
  readonly trigger: string;
  readonly status: RunStatus;
  /** Outcomes of the plan by action (create, update, delete, skip, conflict). */
  readonly planned: Readonly<Record<string, number>>;
  /** Writes the systems accepted, by system and action. */
  readonly applied: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly failures: readonly SystemFailure[];
  readonly outcomes: readonly Outcome[];
  readonly message?: string;
  /**
   * Why a failed run stopped, from the catalog: RUN001 the spec never settles, RUN002 a safety
   * limit, RUN003 reading a system failed, RUN004 writing to one failed, RUN005 a defect in
   * syncspec, SVC001-SVC004 the store. Only failed runs have one.
   */
  readonly code?: Code;
  readonly seconds: number;
}

/** What one run covers. */
export interface RunKind {
  readonly label: string;
  readonly event?: RunEvent;
  /** Left out: every direction. */
  readonly directions?: readonly DirectionPlan[];
}

/** Where no credentials are given, texts are kept as they are. */
const AS_IS: Redact = (text) => text;

/** Events that wait together beyond this many make one run over their directions instead of one run each. */
export const MAX_EVENT_RUNS = 5;

/**
 * The runs that answer the triggers that waited together (coalesced while the integration
 * ran). A manual trigger is a full run, which covers everything. Schedules make one run over
 * their directions; each event then gets its own run, scoped as the spec says, unless its
 * directions were all covered already. A burst of events past MAX_EVENT_RUNS becomes one run
 * over their directions: a reconciliation, which is what those events would have done, and
 * more, without a read per event.
 */
export function runKinds(plan: Plan, triggers: readonly Trigger[]): RunKind[] {
  if (triggers.length === 0 || triggers.some((t) => t.kind === "manual")) return [{ label: "full run" }];
  const key = (d: DirectionPlan): string => `${d.from}>${d.to}`;
  const schedules = triggers.flatMap((t) => (t.kind === "schedule" ? [t] : []));
  const covered = new Map<string, DirectionPlan>(schedules.flatMap((s) => s.directions.map((d) => [key(d), d] as const)));
  const runs: RunKind[] = schedules.length > 0 ? [{ label: [...new Set(schedules.map((s) => s.label))].join(" + "), directions: [...covered.values()] }] : [];
  const events = triggers.flatMap((t) => (t.kind === "event" ? [t.event] : [])).filter((e) => acceptingTriggers(plan, e).some((t) => t.directions.some((d) => !covered.has(key(d)))));
  if (events.length > MAX_EVENT_RUNS) {
    const directions = new Map(events.flatMap((e) => acceptingTriggers(plan, e).flatMap((t) => t.directions.map((d) => [key(d), d] as const))));
    runs.push({ label: `${events.length} events`, directions: [...directions.values()] });
  } else {
    for (const e of events) runs.push({ label: `${e.system} ${e.type} ${e.recordId}${e.actor ? ` by ${e.actor}` : ""}`, event: e });
  }
  return runs;
}

export async function runIntegration(integration: LoadedIntegration, kind: RunKind, services: RunServices): Promise<RunSummary> {
  const { store } = services;
  const redact = services.redact ?? AS_IS;
  const started = services.now();
  const runId = store.startRun(integration.name, kind.label, started.toISOString());
  const summary = (status: RunStatus, rest: Partial<RunSummary>): RunSummary => ({
    integration: integration.name,
    runId,
    trigger: kind.label,
    status,
    planned: {},
    applied: {},
    failures: [],
    outcomes: [],
    seconds: (services.now().getTime() - started.getTime()) / 1000,
    ...rest,
  });
  // Why a run failed: a catalog message, or a problem already made from one (the engine's, the store's).
  const fail = (why: Message | Problem, rest: Partial<RunSummary> = {}): RunSummary => {
    // A failure without a code (which the types rule out, but a defect could make) is taken for a defect.
    const [code, said] = "text" in why ? [why.code, why.text] : [(why.code as Code | undefined) ?? "RUN005", why.message];
    // Its reason may be a connector's error, which may quote what a system said.
    const message = redact(said);
    store.finishRun(runId, { status: "failed", at: services.now().toISOString(), counts: {}, message, code, failures: [], cleared: [] });
    return summary("failed", { message, code, ...rest });
  };

  try {
    return await carryOut({ integration, services, kind, runId, started, summary, fail });
  } catch (error) {
    // The store's own problem says what to do; anything else is a defect in syncspec. Either
    // way the run is recorded as failed, not left running.
    if (error instanceof StateStoreError) return fail(error.problem);
    return fail(say("RUN005", "internal", { reason: (error as Error).message }));
  }
}

interface RunUnderWay {
  readonly integration: LoadedIntegration;
  readonly services: RunServices;
  readonly kind: RunKind;
  readonly runId: number;
  readonly started: Date;
  readonly summary: (status: RunStatus, rest: Partial<RunSummary>) => RunSummary;
  readonly fail: (why: Message | Problem, rest?: Partial<RunSummary>) => RunSummary;
}

async function carryOut({ integration, services, kind, runId, started, summary, fail }: RunUnderWay): Promise<RunSummary> {
  const { plan } = integration;
  const { store, systems } = services;
  const redact = services.redact ?? AS_IS;
  const planSystems = [plan.systems.left, plan.systems.right];
  const connectorOf = (system: string): Connector => services.connectors.get(integration.connections.get(system) ?? system)!;

  // Read both systems at once; a collection not read whole is left out, so it is unknown.
  let documents: Document[];
  const incomplete: string[] = [];
  try {
    const reads = await Promise.all(planSystems.map((system) => connectorOf(system).read(Object.keys(plan.collections[system] ?? {}))));
    documents = reads.map((r) => r.document);
    reads.forEach((r, i) => {
      for (const [collection, why] of r.incomplete) incomplete.push(redact(`${planSystems[i]}.${collection}: ${why}`));
    });
  } catch (error) {
    return fail(say("RUN003", "readFailed", { reason: (error as Error).message }));
  }
  const snapshots = new Map<string, Snapshot>();
  planSystems.forEach((system, i) => snapshots.set(system, snapshotOf(documents[i]!)));

  const before = store.loadState(integration.name);
  const now = started.toISOString();
  const result = runPlan({
    plan,
    systems,
    snapshots,
    state: before,
    now,
    params: integration.params,
    ...(kind.event ? { event: kind.event } : {}),
    ...(kind.directions ? { directions: kind.directions } : {}),
  });
  const planned = countBy(result.outcomes.map((o) => o.action));
  if (result.failure) return fail(result.failure, { planned, outcomes: result.outcomes });

  // A run that could not read everything deletes and removes nothing: what it did not see
  // may well be there.
  const outcomes = incomplete.length > 0 ? withholdDeleteOutcomes(result.outcomes, incomplete) : result.outcomes;
  const at = services.now().toISOString();
  const applied: Record<string, Record<string, number>> = {};
  const failures: SystemFailure[] = [];
  const appliedRefs: RecordRef[] = [];
  // A run that could not read everything removes nothing: what it did not see may need it.
  const changes = incomplete.length > 0 ? result.changes.flatMap((c) => withoutRemovals(c, systems) ?? []) : result.changes;
  // Creates first, in both systems, then updates, then deletes: a record exists before a
  // write elsewhere refers to it, and nothing is deleted before what replaces it is made.
  let waiting = new RecordRefSet();
  for (const action of ["create", "update", "delete"] as const) {
    if (action === "update" && failures.length > 0) {
      // A record whose counterpart could not be created waits for it (no write-back may name
      // a record that is not there); the next run writes both.
      const refusedCreates = failures.filter((f) => f.write.action === "create").map((f) => refOf(f.system, f.write));
      waiting = new RecordRefSet(counterparts(plan, result.state, refusedCreates));
    }
    for (const system of planSystems) {
      const writes: RecordChange[] = changes.filter((c) => c.system === system && c.action === action && !waiting.has(c));
      if (writes.length === 0) continue;
      const connection = integration.connections.get(system) ?? system;
      const counts: Record<string, number> = (applied[system] ??= {});
      // Noted before they are sent: a system may send a write's event before it answers. Each
      // with the record as it will stand, whole: its echo holds that, an edit since does not.
      store.noteWrites(integration.name, connection, writes.map((w) => ({ collection: w.collection, key: w.key, record: w.action === "delete" ? null : w.after })), services.now().toISOString());
      try {
        const written = await connectorOf(system).write(writes, (w: RecordWrite) => {
          // Journaled as each lands: what a killed process had done.
          store.journalWrite(runId, system, w);
          counts[w.action] = (counts[w.action] ?? 0) + 1;
          appliedRefs.push({ system, collection: w.collection, key: w.key });
        });
        for (const f of written.failed) failures.push({ ...f, reason: redact(f.reason), system });
      } catch (error) {
        // A write that throws (not a refused record: the connection itself) stops the run;
        // what landed is journaled, and the state does not advance.
        return fail(say("RUN004", "writeFailed", { system, reason: (error as Error).message }), { planned, applied, outcomes });
      }
    }
  }

  const refused = [...failures.map((f) => refOf(f.system, f.write)), ...waiting];
  const coversAll = !kind.event && (!kind.directions || coversEveryDirection(plan, kind.directions));
  const status: RunStatus = incomplete.length > 0 ? "incomplete" : failures.length > 0 ? "partial" : "ok";
  // The last successful run is one that saw and did everything: "since the last run" rules count from it.
  const lastRun = status === "ok" && coversAll ? result.state.lastRun : before.lastRun;
  const state = status === "incomplete" ? undefined : { ...holdBack(plan, before, result.state, refused), lastRun };
  const open = store.failures(integration.name);
  const stillFailing = new RecordRefSet(refused);
  // A full, complete run re-decides every record: an old failure it did not hit again is gone.
  const cleared = status !== "incomplete" && coversAll ? open.filter((f) => !stillFailing.has(f)) : appliedRefs;
  const counts = { ...planned, ...Object.fromEntries(Object.entries(appliedByAction(applied)).map(([a, n]) => [`applied_${a}`, n])), failed: failures.length };
  const message =
    incomplete.length > 0
      ? `read incompletely, so nothing was deleted or removed and the state was kept: ${incomplete.join("; ")}`
      : failures.length > 0
        ? `${failures.length} record${failures.length === 1 ? "" : "s"} refused${waiting.size > 0 ? `, and ${waiting.size} paired with ${failures.length === 1 ? "it" : "them"} left to wait` : ""}; the next run tries again`
        : undefined;
  store.finishRun(runId, {
    status,
    at,
    counts,
    ...(message ? { message } : {}),
    ...(state ? { state } : {}),
    failures: failures.map((f) => ({ system: f.system, collection: f.write.collection, key: f.write.key, action: f.write.action, status: f.status ?? null, reason: f.reason })),
    cleared,
  });
  return summary(status, { planned, applied, failures, outcomes, ...(message ? { message } : {}) });
}

function snapshotOf(document: Document): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const [collection, records] of Object.entries(document)) snapshot.set(collection, RecordTable.of(records));
  return snapshot;
}

function withholdDeleteOutcomes(outcomes: readonly Outcome[], incomplete: readonly string[]): Outcome[] {
  const why = `not deleted: this run read ${incomplete.map((i) => i.split(":")[0]).join(", ")} incompletely`;
  return outcomes.map((o) => (o.action === "delete" ? { ...o, action: "skip", reason: why } : o));
}

function coversEveryDirection(plan: Plan, directions: readonly DirectionPlan[]): boolean {
  const { left, right, direction } = plan.systems;
  const needed = direction === "<->" ? [`${left}>${right}`, `${right}>${left}`] : direction === "->" ? [`${left}>${right}`] : [`${right}>${left}`];
  const given = new Set(directions.map((d) => `${d.from}>${d.to}`));
  return needed.every((d) => given.has(d));
}

function refOf(system: string, write: RecordWrite): RecordRef {
  return { system, collection: write.collection, key: write.key };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** Writes the systems accepted, by action, over all systems of a run. */
export function appliedByAction(applied: Readonly<Record<string, Readonly<Record<string, number>>>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const counts of Object.values(applied)) for (const [action, n] of Object.entries(counts)) total[action] = (total[action] ?? 0) + n;
  return total;
}
