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
  private readonly timers: ScheduleTimers;
  /** Each integration's last status: all /healthz needs, where keeping every run would grow without end. */
  private readonly lastStatus = new Map<string, string>();
  /** Lists that gather the runs ending while a runAll waits. */
  private readonly collectors = new Set<RunSummary[]>();
  private readonly services: RunServices;
  private stopping = false;

  constructor(private readonly options: ServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.byName = new Map(options.integrations.map((i) => [i.name, i]));
    this.services = {
      systems: options.systems,
      connectors: new Map([...options.connections].map(([n, c]) => [n, c.connector])),
      store: options.store,
      now: this.now,
      ...(options.redact ? { redact: options.redact } : {}),
      totals: new Map(),
    };
    this.queue = options.queue ?? new InProcessQueue({ onError: (integration, error) => this.report({ kind: "error", integration, ...failureOf(error) }) });
    this.timers = new ScheduleTimers((integration, trigger, at) => this.enqueue(integration, { kind: "schedule", at: at.toISOString(), label: trigger.label, directions: trigger.directions, ...(trigger.full ? { full: true } : {}) }), this.now);
    this.queue.start((integration, triggers) => this.run(integration, triggers));
  }

  /** Every integration once, as a full run; resolves with the runs that ended meanwhile. */
  async runAll(): Promise<RunSummary[]> {
    const ended: RunSummary[] = [];
    this.collectors.add(ended);
    try {
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

  upcoming(): { integration: string; label: string; at: Date }[] {
    return ScheduleTimers.upcoming(this.scheduled(), this.now());
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
    const candidates = this.options.integrations.filter((i) => [...i.connections].some(([system, name]) => system === event.system && name === connection) && acceptingTriggers(i.plan, event).length > 0);
    if (candidates.length === 0) return decide({ ignored: `no integration has a trigger for ${event.system} ${event.type}${event.actor ? ` by ${event.actor}` : ""}` });
    const at = this.now();
    if (!this.options.store.rememberWebhook(connection, id, at.toISOString())) return decide("duplicate");
    const started: string[] = [];
    const echoes: string[] = [];
    for (const integration of candidates) {
      if (await this.isEcho(integration, connection, event, at)) echoes.push(integration.name);
      else if (this.enqueue(integration.name, { kind: "event", event, connection })) started.push(integration.name);
    }
    if (started.length > 0) return decide("accepted", started);
    if (echoes.length > 0) return decide({ ignored: `${echoes.join(" and ")} wrote ${event.system} ${event.recordId} less than ${ECHO_WINDOW_MS / 60_000} minutes ago and the record still holds what was written, in every field the spec reads: this event is its echo` });
    return decide({ retryLater: "the service is stopping" });
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
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
    for (const job of left) this.report({ kind: "error", integration: job.integration, message: `a ${job.trigger.kind} trigger was still waiting when the service stopped; the next start's full run covers it` });
  }

  private scheduled() {
    return this.options.integrations.flatMap((i) => i.schedules.map((trigger) => ({ integration: i.name, trigger })));
  }

  /**
   * Whether an event is the echo of the integration's own write: by the engine's actor (or
   * by none named), about a record the integration wrote in the last few minutes, that the
   * system now holds as it was written in every field the spec reads. Anything else is an
   * edit made since, or may be: no echo. An edit of a field the spec never reads is nothing
   * to sync, so it does not keep an echo from being one.
   */
  private async isEcho(integration: LoadedIntegration, connection: string, event: RunEvent, at: Date): Promise<boolean> {
    const reached = this.options.connections.get(connection);
    const collection = this.options.systems.get(event.system)?.events.get(event.type);
    if (!reached || !collection) return false;
    // The engine's writes come back as its own actor, or as none where the system names none:
    // an event by anyone else is theirs, whatever the record holds. A connection that declares
    // no writesAs (a snapshot file) has no echo that names an actor.
    if (event.actor !== undefined && event.actor !== reached.writesAs) return false;
    const wrote = this.options.store.recentWrite(integration.name, connection, collection, event.recordId, new Date(at.getTime() - ECHO_WINDOW_MS).toISOString());
    if (!wrote) return false;
    // A record that cannot be read leaves the question open, and so the event runs.
    const now = await reached.connector.readRecord(collection, event.recordId).catch(() => undefined);
    if (now === undefined) return false;
    if (wrote.record === null || now === null) return wrote.record === now;
    return sameWhereRead(wrote.record, now, fieldsReadOf(integration.plan, event.system, collection));
  }

  private async run(name: string, triggers: readonly Trigger[]): Promise<void> {
    const integration = this.byName.get(name);
    if (!integration) return;
    for (const kind of runKinds(integration.plan, triggers)) {
      const { metrics } = this.options;
      metrics.runStarted(name);
      const summary = await runIntegration(integration, kind, this.services);
      metrics.runFinished(name, summary.status, summary.seconds);
      for (const [system, counts] of Object.entries(summary.applied)) for (const [action, n] of Object.entries(counts)) metrics.recordsWritten(name, system, action, n);
      for (const f of summary.failures) metrics.recordsWritten(name, f.system, "failed", 1);
      this.lastStatus.set(name, summary.status);
      for (const collector of this.collectors) collector.push(summary);
      this.report({ kind: "run", summary });
    }
  }

  private report(event: ServiceProgress): void {
    // A run's summary comes redacted; an error outside a run may quote a connector's.
    const redact = this.options.redact;
    this.options.progress?.(event.kind === "error" && redact ? { ...event, message: redact(event.message) } : event);
  }
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
