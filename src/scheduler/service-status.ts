// What the service's own page shows (served at `/` by `run --watch` and `serve`): each
// integration with its last and next runs, the runs as a timeline, the records the systems
// refused with their reasons, and the waits the connections made for rate limits. Read from
// the store at each ask, so the page shows what `syncspec runs` would, and from the service.
import type { RecordFailure, RunRecord, ServiceStore } from "../stores/service-store.js";
import type { RetryWait } from "../connectors/http-client.js";
import type { Redact } from "../connectors/redact.js";

export interface WaitRecord extends RetryWait {
  readonly connection: string;
  readonly at: string;
}

/** The last waits the connections made, newest first: a few hundred are enough to see a pattern. */
export class Waits {
  private readonly list: WaitRecord[] = [];
  private total = 0;

  constructor(private readonly keep = 200) {}

  note(connection: string, wait: RetryWait, at = new Date()): void {
    this.total++;
    this.list.unshift({ connection, at: at.toISOString(), ...wait });
    if (this.list.length > this.keep) this.list.length = this.keep;
  }

  recent(): { readonly total: number; readonly waits: readonly WaitRecord[] } {
    return { total: this.total, waits: this.list };
  }
}

/** A run's counts in words: what the systems accepted, then what was skipped, resolved or refused. */
export function describeCounts(counts: Readonly<Record<string, number>>): string {
  const words: [string, string][] = [
    ["applied_create", "created"],
    ["applied_update", "updated"],
    ["applied_delete", "deleted"],
    ["skip", "skipped"],
    ["conflict", "conflicts resolved"],
    ["failed", "refused"],
  ];
  return words.flatMap(([key, word]) => ((counts[key] ?? 0) > 0 ? [`${counts[key]} ${word}`] : [])).join(", ");
}

/** A run as the page shows it: its counts in words beside them. */
export type ShownRun = RunRecord & { readonly summary: string };

export interface ServiceStatus {
  readonly now: string;
  readonly deployment: string;
  readonly integrations: readonly {
    readonly name: string;
    readonly lastRun: ShownRun | null;
    readonly running: boolean;
    readonly next: readonly { readonly label: string; readonly at: string }[];
  }[];
  /** Newest first. */
  readonly runs: readonly ShownRun[];
  readonly refused: readonly RecordFailure[];
  readonly waits: { readonly total: number; readonly waits: readonly WaitRecord[] };
}

export interface StatusSources {
  readonly deployment: string;
  readonly integrations: readonly string[];
  readonly store: ServiceStore;
  readonly waits: Waits;
  /** The service's next runs; none before it watches. */
  readonly upcoming: () => readonly { integration: string; label: string; at: Date }[];
  /** Messages and reasons leave without the deployment's credentials, as the CLI prints them. */
  readonly redact: Redact;
  readonly now?: () => Date;
}

export async function serviceStatus(from: StatusSources, runsShown = 200): Promise<ServiceStatus> {
  const [runs, refused] = await Promise.all([from.store.runs({ limit: runsShown }), from.store.failures()]);
  const upcoming = from.upcoming();
  const redact = from.redact;
  const shownRuns = runs.map((r): ShownRun => ({ ...r, message: r.message === null ? null : redact(r.message), summary: describeCounts(r.counts) }));
  return {
    now: (from.now?.() ?? new Date()).toISOString(),
    deployment: from.deployment,
    integrations: from.integrations.map((name) => ({
      name,
      lastRun: shownRuns.find((r) => r.integration === name && r.status !== "running") ?? null,
      running: shownRuns.some((r) => r.integration === name && r.status === "running"),
      next: upcoming.filter((u) => u.integration === name).map((u) => ({ label: u.label, at: u.at.toISOString() })),
    })),
    runs: shownRuns,
    refused: refused.map((f) => ({ ...f, reason: redact(f.reason) })),
    waits: { total: from.waits.recent().total, waits: from.waits.recent().waits.map((w) => ({ ...w, call: redact(w.call), why: redact(w.why) })) },
  };
}
