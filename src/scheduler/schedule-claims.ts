// A cluster's schedules: kept in the store, not in each process's timers, so that a due time
// fires once however many processes run. Every `serve` and `worker` process plants its
// integrations' schedules and claims those due, each claim one transaction that keeps the
// trigger, queues the run and sets the next time (ClusterStore.claimSchedules, FOR UPDATE
// SKIP LOCKED). Next times come from croner in the schedule's zone (schedules.ts), as the
// in-process timers have them: a nightly 02:30 in New York fires once on each day of a
// daylight-saving change. pg-boss's own cron is not used: it fires only when the previous
// cron time fell within the last minute, so a 02:30 on the day that has none would not fire.
import type { ClusterStore, PlantedSchedule } from "../stores/service-store.js";
import type { LoadedIntegration } from "./run-integration.js";
import { nextFire, type ScheduledTrigger } from "./schedules.js";

const key = (integration: string, label: string, full: boolean): string => JSON.stringify([integration, label, full]);

export class ScheduleClaims {
  private readonly byKey = new Map<string, ScheduledTrigger>();
  private readonly names: string[];
  private timer: NodeJS.Timeout | undefined;
  private claiming: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ClusterStore,
    integrations: readonly Pick<LoadedIntegration, "name" | "schedules">[],
    private readonly now: () => Date = () => new Date(),
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.names = integrations.map((i) => i.name);
    for (const i of integrations) for (const s of i.schedules) this.byKey.set(key(i.name, s.label, s.full ?? false), s);
  }

  /** Plants the schedules: new ones fire at their next time from now; those planted before keep theirs. */
  async plant(): Promise<void> {
    const now = this.now();
    const planted: PlantedSchedule[] = [];
    for (const [id, s] of this.byKey) {
      const [integration, label, full] = JSON.parse(id) as [string, string, boolean];
      planted.push({ integration, label, full, anchor: now, next: nextFire(s.schedule, now, now) });
    }
    await this.store.plantSchedules(this.names, planted);
  }

  /** Claims what is due now, in batches until none is left; the claims made. */
  async claimDue(): Promise<PlantedSchedule[]> {
    const claimed: PlantedSchedule[] = [];
    const now = this.now();
    for (;;) {
      const batch = await this.store.claimSchedules(this.names, now, (p) => this.next(p, now));
      claimed.push(...batch);
      if (batch.length < 1000) return claimed;
    }
  }

  /** Claims what is due every `everyMs`, until stopped. */
  start(everyMs = 1000): void {
    this.timer = setInterval(() => {
      this.claiming = this.claiming.then(() => this.claimDue()).catch(this.onError);
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.claiming;
  }

  /** The time after now a schedule fires next; one its spec no longer has fires no more (its row goes at the next plant). */
  private next(p: PlantedSchedule, now: Date): Date {
    const s = this.byKey.get(key(p.integration, p.label, p.full));
    if (!s) return new Date(8_640_000_000_000_000);
    return nextFire(s.schedule, now, p.anchor);
  }
}
