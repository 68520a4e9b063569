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

/** What one answer carries at most: the page is for people, and it is asked for every second. */
export const SHOWN = { integrations: 200, runs: 200, refused: 100 } as const;

export interface ServiceStatus {
  readonly now: string;
  readonly deployment: string;
  /** How many integrations the deployment has; the first SHOWN.integrations are listed. */
  readonly integrationCount: number;
  readonly integrations: readonly {
    readonly name: string;
    readonly lastRun: ShownRun | null;
    readonly running: boolean;
    readonly next: readonly { readonly label: string; readonly at: string }[];
  }[];
  /** Newest first. */
  readonly runs: readonly ShownRun[];
  /** The first SHOWN.refused of refusedCount. */
  readonly refused: readonly RecordFailure[];
  readonly refusedCount: number;
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

export async function serviceStatus(from: StatusSources): Promise<ServiceStatus> {
  const [runs, refused] = await Promise.all([from.store.runs({ limit: SHOWN.runs }), from.store.failures()]);
  const upcoming = from.upcoming();
  const redact = from.redact;
  const shown = (r: RunRecord): ShownRun => ({ ...r, message: r.message === null ? null : redact(r.message), summary: describeCounts(r.counts) });
  const shownRuns = runs.map(shown);
  const listed = from.integrations.slice(0, SHOWN.integrations);
  // An integration whose last run is older than the newest runs of all (a quiet one beside a busy one) is asked for alone.
  const last = await Promise.all(
    listed.map(async (name) => {
      const recent = shownRuns.find((r) => r.integration === name && r.status !== "running");
      if (recent || runs.length < SHOWN.runs) return recent ?? null;
      const own = await from.store.runs({ integration: name, limit: 5 });
      const ended = own.find((r) => r.status !== "running");
      return ended ? shown(ended) : null;
    }),
  );
  return {
    now: (from.now?.() ?? new Date()).toISOString(),
    deployment: from.deployment,
    integrationCount: from.integrations.length,
    integrations: listed.map((name, i) => ({
      name,
      lastRun: last[i]!,
      running: shownRuns.some((r) => r.integration === name && r.status === "running"),
      next: upcoming.filter((u) => u.integration === name).map((u) => ({ label: u.label, at: u.at.toISOString() })),
    })),
    runs: shownRuns,
    refused: refused.slice(0, SHOWN.refused).map((f) => ({ ...f, reason: redact(f.reason) })),
    refusedCount: refused.length,
    waits: { total: from.waits.recent().total, waits: from.waits.recent().waits.map((w) => ({ ...w, call: redact(w.call), why: redact(w.why) })) },
  };
}
