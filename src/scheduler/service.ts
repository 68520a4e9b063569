// The service `syncspec run` starts: integrations run through one queue (at most one run of
// an integration at a time, triggers that arrive meanwhile coalesced), from their schedules,
// from the systems' webhooks, or all at once on request. Webhook events are deduplicated by
// id, and an event that is the echo of the engine's own write (by the engine's actor, and the
// record still holds what the integration wrote, in every field its spec reads) starts
// nothing, so nothing runs twice and nothing echoes.
import type { Connector } from "../connectors/connector.js";
import type { Redact } from "../connectors/redact.js";
import { message, type Code } from "../diagnostics/catalog.js";
import { ProblemError } from "../diagnostics/problem.js";
import type { RunEvent } from "../input/event.js";
import { acceptingTriggers } from "../engine/events.js";
import { PlanThread, type Planner } from "../engine/plan-thread.js";
import { equal, field, type Rec } from "../json/values.js";
import { fieldsReadOf } from "../plan/fields-read.js";
import type { Metrics } from "./metrics.js";
import type { EventDecision } from "../connectors/webhook-event.js";
import type { ServiceStore } from "../stores/service-store.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { InProcessQueue, type Trigger, type WorkQueue } from "./queue.js";
import { runIntegration, runKinds, type LoadedIntegration, type RunServices, type RunSummary } from "./run-integration.js";
import { ScheduleTimers } from "./timers.js";

/** How long after the engine wrote a record an event about it may be the write's echo. */
export const ECHO_WINDOW_MS = 5 * 60_000;

export interface ServiceOptions {
  readonly integrations: readonly LoadedIntegration[];
  readonly systems: SystemCatalog;
  /** Connection name -> its connector, and the actor the engine's writes show as there (for echoes). */
  readonly connections: ReadonlyMap<string, { readonly connector: Connector; readonly system: string; readonly writesAs?: string }>;
  readonly store: ServiceStore;
  readonly metrics: Metrics;
  readonly queue?: WorkQueue;
  readonly now?: () => Date;
  /** Told of each run as it ends, and of each event decision. */
  readonly progress?: (event: ServiceProgress) => void;
  /**
   * The deployment's credentials out of every message the service keeps or tells (the runs'
   * and the errors'): assemble() gives it. Without it, messages are kept as they are.
   */
  readonly redact?: Redact;
  /**
   * Where runs that read in part plan. Left out: on a thread of the service's own where its
   * script is built (dist/plan-worker.js), so that webhooks and /healthz are answered while a
   * batch of events plans; otherwise on this thread.
   */
  readonly planner?: Planner;
  /** Each integration's last status as another service of this process left it (`run --watch` after its first run): for /healthz. */
  readonly statuses?: readonly (readonly [string, string])[];
}

export type ServiceProgress =
  | { readonly kind: "run"; readonly summary: RunSummary }
  | { readonly kind: "event"; readonly connection: string; readonly event: RunEvent; readonly decision: EventDecision; readonly integrations: readonly string[] }
  /** A run that could not even be recorded (the store, with its SVC code), a defect (RUN005), or a trigger left when stopping (no code). */
  | { readonly kind: "error"; readonly integration: string; readonly message: string; readonly code?: Code };

export class Service {
  private readonly queue: WorkQueue;
  private readonly now: () => Date;
  private readonly byName: ReadonlyMap<string, LoadedIntegration>;
  /** Connection -> the integrations that reach a system through it: where a webhook's event may start runs. */
  private readonly byConnection: Map<string, LoadedIntegration[]>;
  private readonly timers: ScheduleTimers;
  /** Each integration's last status: all /healthz needs, where keeping every run would grow without end. */
  private readonly lastStatus = new Map<string, string>();
  /** Lists that gather the runs ending while a runAll waits. */
  private readonly collectors = new Set<RunSummary[]>();
  private readonly services: RunServices;
  /** The planning thread the service started, ended when it stops. */
  private readonly planThread: PlanThread | undefined;
  /** The events an earlier start kept, queued again (resume). */
  private readonly resumed: Promise<void>;
  private stopping = false;

  constructor(private readonly options: ServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.byName = new Map(options.integrations.map((i) => [i.name, i]));
    for (const [name, status] of options.statuses ?? []) this.lastStatus.set(name, status);
    this.planThread = options.planner ? undefined : PlanThread.start();
    const planner = options.planner ?? this.planThread?.plan;
    this.services = {
      systems: options.systems,
      connectors: new Map([...options.connections].map(([n, c]) => [n, c.connector])),
      store: options.store,
      now: this.now,
      ...(options.redact ? { redact: options.redact } : {}),
      totals: new Map(),
      ...(planner ? { planner } : {}),
    };
    this.byConnection = new Map();
    for (const i of options.integrations) {
      for (const connection of new Set(i.connections.values())) {
        const reached = this.byConnection.get(connection);
        if (reached) reached.push(i);
        else this.byConnection.set(connection, [i]);
      }
    }
    this.queue =
      options.queue ??
      new InProcessQueue({
        limitOf: (name) => this.byName.get(name)?.limit,
        onError: (integration, error) => this.report({ kind: "error", integration, ...failureOf(error) }),
      });
    this.timers = new ScheduleTimers((integration, trigger, at) => this.enqueue(integration, { kind: "schedule", at: at.toISOString(), label: trigger.label, directions: trigger.directions, ...(trigger.full ? { full: true } : {}) }), this.now);
    this.queue.start((integration, triggers) => this.run(integration, triggers));
    this.resumed = this.resume().catch((error: unknown) => this.report({ kind: "error", integration: "", message: `the events kept by an earlier start could not be read: ${error instanceof Error ? error.message : String(error)}` }));
  }

  /**
   * Events a process answered and did not run before it stopped: they run now. Those of an
   * integration this deployment does not hold wait for one that does.
   */
  private async resume(): Promise<void> {
    const at = this.now();
    for (const { seq, integration, connection, event } of await this.options.store.pendingEvents()) {
      const loaded = this.byName.get(integration);
      if (loaded) this.enqueue(integration, { kind: "event", event, connection, stored: [seq], ...((await this.mayBeEcho(loaded, connection, event, at)) ? { maybeEcho: true } : {}) });
    }
  }

  /** Every integration once, as a full run; resolves with the runs that ended meanwhile. */
  async runAll(): Promise<RunSummary[]> {
    const ended: RunSummary[] = [];
    this.collectors.add(ended);
    try {
      await this.resumed;
      for (const integration of this.options.integrations) this.enqueue(integration.name, { kind: "manual" });
      await this.queue.idle();
    } finally {
      this.collectors.delete(ended);
    }
    return ended;
  }

  /** Asks for a run; false when the service is stopping or has no such integration. */
  enqueue(integration: string, trigger: Trigger): boolean {
    return !this.stopping && this.byName.has(integration) && this.queue.push({ integration, trigger });
  }

  /** Starts the schedules' timers; runs then come as they fire. */
  watch(): void {
    this.timers.start(this.scheduled());
  }

  upcoming(inOrder = false): { integration: string; label: string; at: Date }[] {
    return ScheduleTimers.upcoming(this.scheduled(), this.now(), inOrder);
  }

  /**
   * A verified webhook event. A replayed id starts nothing; so does an event about a record an
   * integration wrote in the last few minutes that still holds what it wrote in every field
   * the spec reads (its echo), for that integration only. When that cannot be told (the record
   * cannot be read), the run goes ahead: an echo's run finds nothing to do, a dropped change
   * would be lost.
   */
  async onEvent(connection: string, event: RunEvent, id: string): Promise<EventDecision> {
    const decide = (decision: EventDecision, integrations: string[] = []): EventDecision => {
      this.report({ kind: "event", connection, event, decision, integrations });
      return decision;
    };
    if (this.stopping) return decide({ retryLater: "the service is stopping" });
    const candidates = (this.byConnection.get(connection) ?? []).filter((i) => i.connections.get(event.system) === connection && acceptingTriggers(i.plan, event).length > 0);
    if (candidates.length === 0) return decide({ ignored: `no integration has a trigger for ${event.system} ${event.type}${event.actor ? ` by ${event.actor}` : ""}` });
    const at = this.now();
    // Kept with its id in one transaction before it is answered: an event answered is run,
    // even by the next start when this process stops first.
    const kept = await this.options.store.takeWebhook(connection, id, at.toISOString(), event, candidates.map((i) => i.name));
    if (!kept) return decide("duplicate");
    const started: string[] = [];
    for (const { seq, integration } of kept) {
      // Whether it may be an echo is a lookup in the store; the record is read by the run,
      // with the others of its batch, rather than a request per webhook before answering.
      const maybeEcho = await this.mayBeEcho(this.byName.get(integration)!, connection, event, at);
      if (this.enqueue(integration, { kind: "event", event, connection, stored: [seq], ...(maybeEcho ? { maybeEcho } : {}) }) && !maybeEcho) started.push(integration);
    }
    // An event that may be an echo is told of once its run has read the record.
    if (started.length > 0) decide("accepted", started);
    return "accepted";
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    await this.resumed;
    return this.queue.idle();
  }

  /** Each integration's last run status ("never" before its first), for /healthz. */
  lastStatuses(): [string, string][] {
    return this.options.integrations.map((i) => [i.name, this.lastStatus.get(i.name) ?? "never"]);
  }

  /** Takes no more work, lets the runs under way finish, and says which triggers never ran. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timers.stop();
    const left = await this.queue.stop();
    await this.planThread?.close();
    for (const job of left) this.report({ kind: "error", integration: job.integration, message: `a ${job.trigger.kind} trigger was still waiting when the service stopped; the next start's full run covers it` });
  }

  private scheduled() {
    return this.options.integrations.flatMap((i) => i.schedules.map((trigger) => ({ integration: i.name, trigger })));
  }

  /**
   * Whether an event may be the echo of the integration's own write: by the engine's actor
   * (or by none named), about a record the integration wrote in the last few minutes.
   * Anything else is an edit made since: no echo.
   */
  private async mayBeEcho(integration: LoadedIntegration, connection: string, event: RunEvent, at: Date): Promise<boolean> {
    const reached = this.options.connections.get(connection);
    const collection = this.options.systems.get(event.system)?.events.get(event.type);
    if (!reached || !collection) return false;
    // The engine's writes come back as its own actor, or as none where the system names none:
    // an event by anyone else is theirs, whatever the record holds. A connection that declares
    // no writesAs (a snapshot file) has no echo that names an actor.
    if (event.actor !== undefined && event.actor !== reached.writesAs) return false;
    return (await this.options.store.recentWrite(integration.name, connection, collection, event.recordId, new Date(at.getTime() - ECHO_WINDOW_MS).toISOString())) !== undefined;
  }

  /**
   * The triggers less the events that are echoes of the integration's own writes: the system
   * holds the record as the integration wrote it, in every field the spec reads. Their records
   * are read together, a request for many. When a record cannot be read, its event runs: an
   * echo's run finds nothing to do, a dropped change would be lost.
   */
  private async withoutEchoes(integration: LoadedIntegration, triggers: readonly Trigger[]): Promise<Trigger[]> {
    const maybe = triggers.filter((t): t is Extract<Trigger, { kind: "event" }> => t.kind === "event" && t.maybeEcho === true);
    if (maybe.length === 0) return [...triggers];
    const at = this.now();
    const groups = new Map<string, (typeof maybe)[number][]>();
    for (const t of maybe) {
      const id = JSON.stringify([t.connection, t.event.system, t.event.type]);
      const group = groups.get(id);
      if (group) group.push(t);
      else groups.set(id, [t]);
    }
    const echoes = new Set<Trigger>();
    for (const group of groups.values()) {
      const { connection, event } = group[0]!;
      const reached = this.options.connections.get(connection);
      const collection = this.options.systems.get(event.system)?.events.get(event.type);
      if (!reached || !collection) continue;
      const records = await recordsNow(reached.connector, collection, [...new Set(group.map((t) => t.event.recordId))]);
      const read = fieldsReadOf(integration.plan, event.system, collection);
      for (const t of group) {
        const wrote = await this.options.store.recentWrite(integration.name, connection, collection, t.event.recordId, new Date(at.getTime() - ECHO_WINDOW_MS).toISOString());
        const now = records.get(t.event.recordId);
        const echo = wrote !== undefined && now !== undefined && (wrote.record === null || now === null ? wrote.record === now : sameWhereRead(wrote.record, now, read));
        if (echo) echoes.add(t);
        this.report({
          kind: "event",
          connection,
          event: t.event,
          decision: echo ? { ignored: `${integration.name} wrote ${t.event.system} ${t.event.recordId} less than ${ECHO_WINDOW_MS / 60_000} minutes ago and the record still holds what was written, in every field the spec reads: this event is its echo` } : "accepted",
          integrations: echo ? [] : [integration.name],
        });
      }
    }
    return triggers.filter((t) => !echoes.has(t));
  }

  private async run(name: string, triggers: readonly Trigger[]): Promise<void> {
    const integration = this.byName.get(name);
    if (!integration) return;
    const runs = await this.withoutEchoes(integration, triggers);
    const taken = triggers.flatMap((t) => t.stored ?? []);
    const kinds = runs.length > 0 ? runKinds(integration.plan, runs) : [];
    // The last run forgets the kept events in the transaction that ends it: whatever its
    // status (the runs' history keeps that), none is run twice, and none is lost.
    if (kinds.length > 0 && taken.length > 0) kinds[kinds.length - 1] = { ...kinds.at(-1)!, taken };
    for (const [i, kind] of kinds.entries()) {
      const { metrics } = this.options;
      metrics.runStarted(name);
      let summary: RunSummary;
      try {
        // Only the batch's first run waits for its organization's limit: the runs after it
        // carry on in its place, so a run made is never made again because the next was refused.
        summary = await runIntegration(i === 0 ? integration : withoutLimit(integration), kind, this.services);
      } catch (error) {
        // Not started (its organization at its limit, the store out of reach): nothing ended.
        metrics.runNotStarted(name);
        throw error;
      }
      metrics.runFinished(name, summary.status, summary.seconds);
      for (const [system, counts] of Object.entries(summary.applied)) for (const [action, n] of Object.entries(counts)) metrics.recordsWritten(name, system, action, n);
      for (const f of summary.failures) metrics.recordsWritten(name, f.system, "failed", 1);
      this.lastStatus.set(name, summary.status);
      for (const collector of this.collectors) collector.push(summary);
      this.report({ kind: "run", summary });
      // Taken over by another worker: what is left of the batch, and its kept triggers, wait for the run that follows.
      if (summary.status === "interrupted") break;
    }
    // Events that started no run (echoes, all of them) are forgotten here.
    if (kinds.length === 0) await this.options.store.eventsTaken(taken);
  }

  private report(event: ServiceProgress): void {
    // A run's summary comes redacted; an error outside a run may quote a connector's.
    const redact = this.options.redact;
    this.options.progress?.(event.kind === "error" && redact ? { ...event, message: redact(event.message) } : event);
  }
}

/** An integration as the runs after a batch's first make it: in the first's place in its organization's limit. */
function withoutLimit(integration: LoadedIntegration): LoadedIntegration {
  if (!integration.limit) return integration;
  const { limit: _limit, ...rest } = integration;
  return rest;
}

/** Records as the system holds them now, by key: null when it holds none, absent when that cannot be told. A request for many where the connector can ask. */
async function recordsNow(connector: Connector, collection: string, keys: readonly string[]): Promise<Map<string, Rec | null>> {
  const found = new Map<string, Rec | null>();
  if (connector.readRequests) {
    const read = await connector.readRequests([{ collection, keys }]).catch(() => undefined);
    const answer = read?.answers[0];
    if (read && answer && !("problem" in answer)) {
      const records = Object.hasOwn(read.document, collection) ? read.document[collection]! : {};
      const absent = new Set(answer.absent);
      for (const key of keys) {
        if (Object.hasOwn(records, key)) found.set(key, records[key]!);
        // Proven absent, or not among a whole read's records: not there.
        else if (answer.as === "whole" || absent.has(key)) found.set(key, null);
      }
    }
    return found;
  }
  for (const key of keys) {
    const record = await connector.readRecord(collection, key).catch(() => undefined);
    if (record !== undefined) found.set(key, record);
  }
  return found;
}

/** Whether two records agree in the fields given, or in every field either has when which are read is not known. */
function sameWhereRead(wrote: Rec, now: Rec, read: ReadonlySet<string> | undefined): boolean {
  const fields = read ?? new Set([...Object.keys(wrote), ...Object.keys(now)]);
  for (const name of fields) if (!equal(field(wrote, name), field(now, name))) return false;
  return true;
}

/** A failure outside any run's own handling: a problem keeps its code and words; anything else is a defect. */
function failureOf(error: unknown): { message: string; code: Code } {
  if (error instanceof ProblemError) return { message: error.problem.message, code: error.problem.code };
  const why = message("RUN005", "internal", { reason: (error as Error).message });
  return { message: why.text, code: why.code };
}
