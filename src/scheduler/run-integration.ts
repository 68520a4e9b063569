// One run of an integration in the service: read both systems through their connectors,
// plan with the engine, write its changes record by record, and keep the outcome in the
// store. What can go wrong is contained: a collection read part-way makes the run
// incomplete (no deletes or removals, state kept), a record a system refuses is kept as a
// failure and retried by the next run while the rest applies, and a crash part-way leaves the
// old state, so the next run reads again and redoes only what is missing (creates are upserts
// by deterministic key); the journal of applied writes is the evidence of what was done.
import { WriteFenced, type Connector, type Document, type RecordWrite, type WriteFailure } from "../connectors/connector.js";
import { message as say, type Code, type Message } from "../diagnostics/catalog.js";
import type { Problem } from "../diagnostics/problem.js";
import { RecordRefSet, type RecordRef } from "../input/record-ref.js";
import { withoutRemovals, type RecordChange } from "../engine/changes.js";
import type { DirectionPlan, Plan } from "../plan/types.js";
import { acceptingTriggers, eventTargets } from "../engine/events.js";
import type { RunEvent } from "../input/event.js";
import type { Outcome } from "../engine/outcomes.js";
import { RecordTable } from "../input/record-table.js";
import { runPlan, type RunResult } from "../engine/run.js";
import type { Planner } from "../engine/plan-thread.js";
import { FetchedPairs } from "../state/fetched-pairs.js";
import { passedOver, runReading } from "../engine/read-loop.js";
import { describeRequest, type SystemReadRequest } from "../input/read-request.js";
import type { Snapshot } from "../input/snapshots.js";
import { counterparts, holdBack } from "../state/hold-back.js";
import { StateStoreError, type RunLimit, type RunStatus, type ServiceStore } from "../stores/service-store.js";
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
  /** Its organization's, where it has one: at most maxRuns of the organization's runs under way at once. */
  readonly limit?: RunLimit;
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
  /**
   * "connection.collection" -> how many records it held when last read whole: a run reading
   * in part asks for a collection whole where that is cheaper, and measures limits against it.
   */
  readonly totals?: Map<string, number>;
  /** Where runs that read in part plan: on a thread of their own in the service (plan-thread.ts), else here. */
  readonly planner?: Planner;
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
  /** For a run that read in part: the requests it made, in how many rounds, and what it read whole. */
  readonly reads?: RunReads;
}

export interface RunReads {
  readonly requests: number;
  readonly rounds: number;
  /** "system.collection" read whole. */
  readonly whole: readonly string[];
  /** The first 50 requests, in words ("raisedonors donors 1001"), in the order asked. */
  readonly asked: readonly string[];
}

/** What one run covers. */
export interface RunKind {
  readonly label: string;
  /** Events that waited together: one run over the union of their records. */
  readonly events?: readonly RunEvent[];
  /** Left out: every direction. */
  readonly directions?: readonly DirectionPlan[];
  /** Kept events the run answers (ServiceStore.takeWebhook), forgotten when it ends, in the transaction that ends it. */
  readonly taken?: readonly number[];
}

/** Where no credentials are given, texts are kept as they are. */
const AS_IS: Redact = (text) => text;

/**
 * The runs that answer the triggers that waited together (coalesced while the integration
 * ran). A manual trigger is a full run, which covers everything. Schedules make one run over
 * their directions; the events then make one run over the union of their records, scoped as
 * the spec says, unless their directions were all covered already. Events that write into
 * different systems (a donor's edit, a contact's) make one run per set of systems, so that no
 * event's records are written in a direction its trigger does not allow.
 */
export function runKinds(plan: Plan, triggers: readonly Trigger[]): RunKind[] {
  if (triggers.length === 0 || triggers.some((t) => t.kind === "manual")) return [{ label: "full run" }];
  // A reconciliation reads everything and runs every direction: it covers whatever else waited.
  const reconcile = triggers.find((t) => t.kind === "schedule" && t.full);
  if (reconcile?.kind === "schedule") return [{ label: reconcile.label }];
  const key = (d: DirectionPlan): string => `${d.from}>${d.to}`;
  const schedules = triggers.flatMap((t) => (t.kind === "schedule" ? [t] : []));
  const covered = new Map<string, DirectionPlan>(schedules.flatMap((s) => s.directions.map((d) => [key(d), d] as const)));
  const runs: RunKind[] = schedules.length > 0 ? [{ label: [...new Set(schedules.map((s) => s.label))].join(" + "), directions: [...covered.values()] }] : [];
  const events = triggers.flatMap((t) => (t.kind === "event" ? [t.event] : [])).filter((e) => acceptingTriggers(plan, e).some((t) => t.directions.some((d) => !covered.has(key(d)))));
  const byTargets = new Map<string, RunEvent[]>();
  for (const e of events) {
    const targets = eventTargets(plan, e).join(",");
    const group = byTargets.get(targets);
    if (group) group.push(e);
    else byTargets.set(targets, [e]);
  }
  for (const group of byTargets.values()) runs.push({ label: eventsLabel(group), events: group });
  return runs;
}

/** "raisedonors donor.updated 1001 by donor", or for several "3 events: raisedonors donor.updated (2), virtuous contact.updated". */
function eventsLabel(events: readonly RunEvent[]): string {
  if (events.length === 1) {
    const e = events[0]!;
    return `${e.system} ${e.type} ${e.recordId}${e.actor ? ` by ${e.actor}` : ""}`;
  }
  const kinds = countBy(events.map((e) => `${e.system} ${e.type}`));
  return `${events.length} events: ${Object.entries(kinds).map(([kind, n]) => (n === 1 ? kind : `${kind} (${n})`)).join(", ")}`;
}

export async function runIntegration(integration: LoadedIntegration, kind: RunKind, services: RunServices): Promise<RunSummary> {
  const { store } = services;
  const redact = services.redact ?? AS_IS;
  const started = services.now();
  // Refused, with nothing recorded, when its organization has as many runs under way as it may (OrganizationBusy): the queue runs it later.
  const runId = await store.startRun(integration.name, kind.label, started.toISOString(), integration.limit);
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
  const fail = async (why: Message | Problem, rest: Partial<RunSummary> = {}): Promise<RunSummary> => {
    // A failure without a code (which the types rule out, but a defect could make) is taken for a defect.
    const [code, said] = "text" in why ? [why.code, why.text] : [(why.code as Code | undefined) ?? "RUN005", why.message];
    // Its reason may be a connector's error, which may quote what a system said.
    const message = redact(said);
    await store.finishRun(runId, { status: "failed", at: services.now().toISOString(), counts: {}, message, code, failures: [], cleared: [], ...(kind.taken ? { taken: kind.taken } : {}) });
    return summary("failed", { message, code, ...rest });
  };

  try {
    return await carryOut({ integration, services, kind, runId, started, summary, fail });
  } catch (error) {
    // A run another worker took over keeps nothing: the worker that took it marked it
    // interrupted, and runs it again.
    if (error instanceof WriteFenced || (error instanceof StateStoreError && error.code === "SVC004")) {
      // Its lease freed where it is still this run's (a fence tripped by the clock alone), so the next run may start.
      await store.abandonRun(runId, services.now().toISOString()).catch(() => undefined);
      return summary("interrupted", { message: redact(error.message), ...(error instanceof StateStoreError ? { code: error.code } : {}) });
    }
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
  readonly fail: (why: Message | Problem, rest?: Partial<RunSummary>) => Promise<RunSummary>;
}

async function carryOut({ integration, services, kind, runId, started, summary, fail }: RunUnderWay): Promise<RunSummary> {
  const { plan } = integration;
  const { store, systems } = services;
  const redact = services.redact ?? AS_IS;
  const planSystems = [plan.systems.left, plan.systems.right];
  const connectorOf = (system: string): Connector => services.connectors.get(integration.connections.get(system) ?? system)!;

  const now = started.toISOString();
  // A run that reads in part reads the state a pair at a time too: an event among 200,000
  // linked donors would otherwise spend its time loading and writing back every pair.
  const byKey = new FetchedPairs(await store.pairsByKey(integration.name));
  const inPart = planSystems.every((system) => connectorOf(system).readRequests);
  // A scheduled run after a first one reads what changed since the last (each system's
  // lookback added); a reconciliation or a manual run reads everything.
  const since = kind.directions && !kind.events && byKey.lastRun !== null ? byKey.lastRun : undefined;
  const readsInPart = inPart && (kind.events !== undefined || since !== undefined);
  const before = readsInPart ? byKey : await store.loadState(integration.name);
  const run = { plan, systems, state: before, now, params: integration.params, ...(kind.directions ? { directions: kind.directions } : {}) };
  let result: RunResult;
  const incomplete: string[] = [];
  let reads: RunReads | undefined;
  try {
    if (readsInPart) {
      // Events read what they reach: their records, what those refer to, their counterparts.
      // An incremental run reads the records changed since, and what they reach.
      const totals = services.totals ?? new Map<string, number>();
      const connectionOf = (system: string): string => integration.connections.get(system) ?? system;
      const reading = await runReading({
        ...run,
        ...(services.planner ? { planner: services.planner } : {}),
        ...(kind.events ? { events: kind.events } : {}),
        first: kind.events ? eventRequests(systems, kind.events) : changedSince(plan, since!, await store.failures(integration.name)),
        totals: new Map(planSystems.flatMap((system) => Object.keys(plan.collections[system] ?? {}).flatMap((c) => {
          const total = totals.get(`${connectionOf(system)}.${c}`);
          return total === undefined ? [] : [[`${system}.${c}`, total] as const];
        }))),
        read: async (system, requests) => {
          const hints = new Map([...totals].flatMap(([id, n]) => (id.startsWith(`${connectionOf(system)}.`) ? [[id.slice(connectionOf(system).length + 1), n] as const] : [])));
          const answer = await connectorOf(system).readRequests!(requests, { totals: hints }).catch(readFailed);
          for (const [collection, n] of answer.totals) totals.set(`${connectionOf(system)}.${collection}`, n);
          return answer;
        },
      });
      result = reading.result;
      for (const why of reading.incomplete) incomplete.push(redact(why));
      reads = { requests: reading.asked.length, rounds: reading.rounds, whole: reading.whole, asked: reading.asked.slice(0, 50).map((a) => `${a.system} ${describeRequest(a.request)}`) };
    } else {
      // Read both systems at once; a collection not read whole is left out, so it is unknown.
      const read = await Promise.all(planSystems.map((system) => connectorOf(system).read(Object.keys(plan.collections[system] ?? {})).catch(readFailed)));
      read.forEach((r, i) => {
        for (const [collection, why] of r.incomplete) incomplete.push(redact(`${planSystems[i]}.${collection}: ${why}`));
        for (const [collection, records] of Object.entries(r.document)) services.totals?.set(`${integration.connections.get(planSystems[i]!) ?? planSystems[i]}.${collection}`, Object.keys(records).length);
      });
      const snapshots = new Map<string, Snapshot>();
      planSystems.forEach((system, i) => snapshots.set(system, snapshotOf(read[i]!.document)));
      // Planned here: its records were read on this thread, and sending a million of them to
      // the planning thread costs this thread more than planning them (bench reads, 2026-12-05:
      // /healthz's slowest answer during a full run 1.5 s that way, 1.3 s planning here).
      result = runPlan({ ...run, snapshots, ...(kind.events ? { events: kind.events } : {}) });
    }
  } catch (error) {
    // Reading failed (RUN003); anything else is the engine's, and a defect (RUN005, above).
    if (error instanceof ReadFailed) return fail(say("RUN003", "readFailed", { reason: error.message }));
    throw error;
  }
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
      // Not a record holding an edit the run saw and, for its direction, could not carry back
      // (a donor's event writes Virtuous only): that record's next event is no echo, and runs.
      const noted = result.uncarried ? writes.filter((w) => !result.uncarried!.has(w)) : writes;
      await store.noteWrites(integration.name, connection, noted.map((w) => ({ collection: w.collection, key: w.key, record: w.action === "delete" ? null : w.after })), services.now().toISOString());
      try {
        const written = await connectorOf(system).write(writes, async (w: RecordWrite) => {
          // Journaled as each lands: what a killed process had done.
          await store.journalWrite(runId, system, w);
          counts[w.action] = (counts[w.action] ?? 0) + 1;
          appliedRefs.push({ system, collection: w.collection, key: w.key });
          // The collection's size as a whole read would find it now: a first run that fills an
          // empty collection leaves the next run's hints (a whole read or queries?) true.
          const total = services.totals?.get(`${connection}.${w.collection}`);
          if (total !== undefined && w.action !== "update") services.totals!.set(`${connection}.${w.collection}`, Math.max(0, total + (w.action === "create" ? 1 : -1)));
        }, store.fence(runId));
        for (const f of written.failed) failures.push({ ...f, reason: redact(f.reason), system });
      } catch (error) {
        // A write that throws (not a refused record: the connection itself) stops the run;
        // what landed is journaled, and the state does not advance.
        if (error instanceof WriteFenced) throw error;
        return fail(say("RUN004", "writeFailed", { system, reason: (error as Error).message }), { planned, applied, outcomes });
      }
    }
  }

  const refused = [...failures.map((f) => refOf(f.system, f.write)), ...waiting];
  const coversAll = !kind.events && (!kind.directions || coversEveryDirection(plan, kind.directions));
  // Only a run that read everything re-decided every record: it alone clears old failures it did not hit.
  const decidedAll = coversAll && reads === undefined;
  const status: RunStatus = incomplete.length > 0 ? "incomplete" : failures.length > 0 ? "partial" : "ok";
  // The last successful run is one that saw and did everything: "since the last run" rules count from it.
  const lastRun = status === "ok" && coversAll ? result.state.lastRun : before.lastRun;
  const state = status === "incomplete" ? undefined : { ...holdBack(plan, before, result.state, refused), lastRun };
  const open = await store.failures(integration.name);
  const stillFailing = new RecordRefSet(refused);
  // A full, complete run re-decides every record: an old failure it did not hit again is gone.
  const cleared = status !== "incomplete" && decidedAll ? open.filter((f) => !stillFailing.has(f)) : appliedRefs;
  const counts = { ...planned, ...Object.fromEntries(Object.entries(appliedByAction(applied)).map(([a, n]) => [`applied_${a}`, n])), failed: failures.length, ...(reads ? { read_requests: reads.requests } : {}) };
  const message =
    incomplete.length > 0
      ? `read incompletely, so nothing was deleted or removed and the state was kept: ${incomplete.join("; ")}`
      : failures.length > 0
        ? `${failures.length} record${failures.length === 1 ? "" : "s"} refused${waiting.size > 0 ? `, and ${waiting.size} paired with ${failures.length === 1 ? "it" : "them"} left to wait` : ""}; the next run tries again`
        : undefined;
  await store.finishRun(runId, {
    status,
    at,
    counts,
    ...(message ? { message } : {}),
    ...(state ? { state } : {}),
    failures: failures.map((f) => ({ system: f.system, collection: f.write.collection, key: f.write.key, action: f.write.action, status: f.status ?? null, reason: f.reason })),
    cleared,
    ...(kind.taken ? { taken: kind.taken } : {}),
  });
  return summary(status, { planned, applied, failures, outcomes, ...(message ? { message } : {}), ...(reads ? { reads } : {}) });
}

/** A connector's read that threw: told apart from a defect of the engine, which plans between reads. */
class ReadFailed extends Error {}

function readFailed(error: unknown): never {
  throw new ReadFailed((error as Error).message);
}

/**
 * The first reads of an incremental run: what changed since the last run in each collection
 * the run passes over, and the records systems refused before, so that they are tried again.
 */
function changedSince(plan: Plan, since: string, refused: readonly RecordRef[]): SystemReadRequest[] {
  const requests: SystemReadRequest[] = passedOver(plan).map(({ system, collection }) => ({ system, request: { collection, modifiedSince: since } }));
  const keys = new Map<string, { system: string; collection: string; keys: string[] }>();
  for (const ref of refused) {
    if (!plan.collections[ref.system]?.[ref.collection]) continue;
    const id = JSON.stringify([ref.system, ref.collection]);
    const entry = keys.get(id) ?? { system: ref.system, collection: ref.collection, keys: [] };
    keys.set(id, entry);
    entry.keys.push(ref.key);
  }
  for (const { system, collection, keys: k } of keys.values()) requests.push({ system, request: { collection, keys: k } });
  return requests;
}

/** The first reads of an event run: each event's record, by key, one request per collection. */
function eventRequests(systems: SystemCatalog, events: readonly RunEvent[]): SystemReadRequest[] {
  const keys = new Map<string, { system: string; collection: string; keys: Set<string> }>();
  for (const e of events) {
    const collection = systems.get(e.system)?.events.get(e.type);
    if (collection === undefined) continue;
    const id = `${e.system}.${collection}`;
    let entry = keys.get(id);
    if (!entry) keys.set(id, (entry = { system: e.system, collection, keys: new Set() }));
    entry.keys.add(e.recordId);
  }
  return [...keys.values()].map(({ system, collection, keys: k }) => ({ system, request: { collection, keys: [...k] } }));
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
