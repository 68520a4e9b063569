// The clock of the service: one timer per scheduled trigger, each set for its next firing and
// set again after it fires. A timer that fires late (a sleeping laptop, a busy machine) fires
// once, not once per missed time: the queue coalesces, and the next time is after now.
import type { ScheduledTrigger } from "./schedules.js";
import { nextFire } from "./schedules.js";

/** Node's timers hold at most 2^31-1 ms (24.8 days); a later time is reached in steps. */
const MAX_DELAY = 2_147_483_647;

export interface TimedTrigger {
  readonly integration: string;
  readonly trigger: ScheduledTrigger;
}

export class ScheduleTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly fire: (integration: string, trigger: ScheduledTrigger, at: Date) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(triggers: readonly TimedTrigger[]): void {
    const start = this.now();
    for (const t of triggers) this.arm(t, start, start);
  }

  /** The next time of each trigger, for the progress line at start. */
  /** Each trigger's next time: soonest first, or (`inOrder`) in the order the triggers are given, as each integration declares its schedules. */
  static upcoming(triggers: readonly TimedTrigger[], from: Date, inOrder = false): { integration: string; label: string; at: Date }[] {
    const next = triggers.map((t) => ({ integration: t.integration, label: t.trigger.label, at: nextFire(t.trigger.schedule, from, from) }));
    return inOrder ? next : next.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(t: TimedTrigger, start: Date, after: Date): void {
    if (this.stopped) return;
    const at = nextFire(t.trigger.schedule, after, start);
    const wait = (): void => {
      const delay = Math.min(MAX_DELAY, Math.max(0, at.getTime() - this.now().getTime()));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.now().getTime() < at.getTime()) return wait();
        this.fire(t.integration, t.trigger, at);
        this.arm(t, start, this.now());
      }, delay);
      // The service's server keeps the process alive; a timer alone must not.
      timer.unref();
      this.timers.add(timer);
    };
    wait();
  }
}
