// The service `syncspec run` starts: integrations run through one queue (at most one run of
// an integration at a time, triggers that arrive meanwhile coalesced), from their schedules,
// from the systems' webhooks, or all at once on request. Webhook events are deduplicated by
// id and the engine's own writes coming back as events are dropped, so nothing runs twice and
// nothing echoes.
import type { Connector } from "../connectors/connector.js";
import type { RunEvent } from "../runtime/events.js";
import { acceptingTriggers } from "../runtime/events.js";
import type { Metrics } from "../server/metrics.js";
import type { EventDecision } from "../server/webhook-route.js";
import type { ServiceStore } from "../state/service-store.js";
import type { SystemCatalog } from "../systems/load.js";
import { InProcessQueue, type Trigger, type WorkQueue } from "./queue.js";
import { runIntegration, type LoadedIntegration, type RunSummary } from "./run-integration.js";
import { ScheduleTimers } from "./timers.js";

/** How long after the engine wrote a record an event about it counts as the write's echo. */
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
}

export type ServiceProgress =
  | { readonly kind: "run"; readonly summary: RunSummary }
  | { readonly kind: "event"; readonly connection: string; readonly event: RunEvent; readonly decision: EventDecision; readonly integrations: readonly string[] }
  | { readonly kind: "error"; readonly integration: string; readonly message: string };

export class Service {
  private readonly queue: WorkQueue;
  private readonly now: () => Date;
  private readonly byName: ReadonlyMap<string, LoadedIntegration>;
  private readonly timers: ScheduleTimers;
  private readonly finished: RunSummary[] = [];

  constructor(private readonly options: ServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.byName = new Map(options.integrations.map((i) => [i.name, i]));
    this.queue = options.queue ?? new InProcessQueue({ onError: (integration, error) => this.report({ kind: "error", integration, message: (error as Error).message }) });
    this.timers = new ScheduleTimers((integration, trigger, at) => this.enqueue(integration, { kind: "schedule", at: at.toISOString(), label: trigger.label, directions: trigger.directions }), this.now);
    this.queue.start((integration, triggers) => this.run(integration, triggers));
  }

  /** Every integration once, as a full run; resolves with their summaries when all are done. */
  async runAll(): Promise<RunSummary[]> {
    const from = this.finished.length;
    for (const integration of this.options.integrations) this.enqueue(integration.name, { kind: "manual" });
    await this.queue.idle();
    return this.finished.slice(from);
  }

  /** Asks for a run; false when the service is stopping or has no such integration. */
  enqueue(integration: string, trigger: Trigger): boolean {
    return this.byName.has(integration) && this.queue.push({ integration, trigger });
  }

  /** Starts the schedules' timers; runs then come as they fire. */
  watch(): void {
    this.timers.start(this.options.integrations.flatMap((i) => i.schedules.map((trigger) => ({ integration: i.name, trigger }))));
  }

  upcoming(): { integration: string; label: string; at: Date }[] {
    return ScheduleTimers.upcoming(
      this.options.integrations.flatMap((i) => i.schedules.map((trigger) => ({ integration: i.name, trigger }))),
      this.now(),
    );
  }

  /** A verified webhook event: a replayed id or an echo of the engine's own write starts nothing. */
  onEvent(connection: string, event: RunEvent, id: string): EventDecision {
    const { store } = this.options;
    const at = this.now();
    const decide = (decision: EventDecision, integrations: string[] = []): EventDecision => {
      this.report({ kind: "event", connection, event, decision, integrations });
      return decision;
    };
    if (!store.rememberWebhook(connection, id, at.toISOString())) return decide("duplicate");
    const reached = this.options.connections.get(connection);
    const collection = this.options.systems.get(event.system)?.events.get(event.type);
    if (reached && collection && this.isEcho(connection, collection, event, reached.writesAs, at)) {
      return decide({ ignored: `the engine wrote ${event.system}.${collection} ${event.recordId} less than ${ECHO_WINDOW_MS / 60_000} minutes ago; this event is its echo` });
    }
    const started: string[] = [];
    for (const integration of this.options.integrations) {
      const routed = [...integration.connections].some(([system, name]) => system === event.system && name === connection);
      if (!routed || acceptingTriggers(integration.plan, event).length === 0) continue;
      this.enqueue(integration.name, { kind: "event", event, connection });
      started.push(integration.name);
    }
    if (started.length === 0) return decide({ ignored: `no integration has a trigger for ${event.system} ${event.type}${event.actor ? ` by ${event.actor}` : ""}` });
    return decide("accepted", started);
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Each integration's last run status ("never" before its first), for /healthz. */
  lastStatuses(): [string, string][] {
    const last = new Map<string, string>();
    for (const s of this.finished) last.set(s.integration, s.status);
    return this.options.integrations.map((i) => [i.name, last.get(i.name) ?? "never"]);
  }

  /** All runs this service finished, oldest first. */
  summaries(): readonly RunSummary[] {
    return this.finished;
  }

  async stop(): Promise<void> {
    this.timers.stop();
    await this.queue.stop();
  }

  private isEcho(connection: string, collection: string, event: RunEvent, writesAs: string | undefined, at: Date): boolean {
    // Where events name their actor, only the engine's own actor can be its echo; a person's
    // edit right after a sync is real work. Where they do not, the time window alone decides.
    if (writesAs !== undefined && event.actor !== undefined && event.actor !== writesAs) return false;
    return this.options.store.wroteRecently(connection, collection, event.recordId, new Date(at.getTime() - ECHO_WINDOW_MS).toISOString());
  }

  private async run(name: string, triggers: readonly Trigger[]): Promise<void> {
    const integration = this.byName.get(name);
    if (!integration) return;
    const { metrics } = this.options;
    metrics.runStarted(name);
    const started = this.now().getTime();
    let summary: RunSummary;
    try {
      summary = await runIntegration(integration, triggers, {
        systems: this.options.systems,
        connectors: new Map([...this.options.connections].map(([n, c]) => [n, c.connector])),
        store: this.options.store,
        now: this.now,
      });
    } catch (error) {
      metrics.runFinished(name, "failed", (this.now().getTime() - started) / 1000);
      throw error;
    }
    metrics.runFinished(name, summary.status, summary.seconds);
    for (const [system, counts] of Object.entries(summary.applied)) for (const [action, n] of Object.entries(counts)) metrics.recordsWritten(name, system, action, n);
    for (const f of summary.failures) metrics.recordsWritten(name, f.system, "failed", 1);
    this.finished.push(summary);
    this.report({ kind: "run", summary });
  }

  private report(event: ServiceProgress): void {
    this.options.progress?.(event);
  }
}
