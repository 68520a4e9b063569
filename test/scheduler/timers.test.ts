// The service's clock: each scheduled trigger fires at its times, once each, and a timer
// that wakes late fires once and goes on from now. Driven by vitest's fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ScheduledTrigger } from "../../src/scheduler/schedules.js";
import { ScheduleTimers } from "../../src/scheduler/timers.js";

const every10: ScheduledTrigger = { schedule: { kind: "every", minutes: 10 }, directions: [], label: "every 10 minutes" };
const nightly: ScheduledTrigger = { schedule: { kind: "daily", at: "02:30", zone: "America/New_York" }, directions: [], label: "nightly at 02:30 in America/New_York" };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("schedule timers", () => {
  it("fire at each time of each trigger, and stop when told", () => {
    vi.setSystemTime(new Date("2026-03-07T12:00:00Z"));
    const fired: string[] = [];
    const timers = new ScheduleTimers((integration, trigger, at) => fired.push(`${integration} ${trigger.label} ${at.toISOString()}`));
    timers.start([
      { integration: "a", trigger: every10 },
      { integration: "b", trigger: nightly },
    ]);
    vi.advanceTimersByTime(35 * 60_000);
    expect(fired).toEqual(["a every 10 minutes 2026-03-07T12:10:00.000Z", "a every 10 minutes 2026-03-07T12:20:00.000Z", "a every 10 minutes 2026-03-07T12:30:00.000Z"]);
    fired.length = 0;
    // Across the night the clocks spring forward: the nightly run happens once, at 03:00 EDT.
    vi.advanceTimersByTime(2 * 24 * 60 * 60_000);
    const nights = fired.filter((f) => f.startsWith("b "));
    expect(nights).toEqual(["b nightly at 02:30 in America/New_York 2026-03-08T07:00:00.000Z", "b nightly at 02:30 in America/New_York 2026-03-09T06:30:00.000Z"]);
    timers.stop();
    fired.length = 0;
    vi.advanceTimersByTime(60 * 60_000);
    expect(fired).toEqual([]);
  });

  it("a trigger whose next time is months away is reached in steps and fires once", () => {
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const fired: string[] = [];
    const yearly: ScheduledTrigger = { schedule: { kind: "cron", expression: "0 9 1 7 *", zone: "UTC" }, directions: [], label: "cron" };
    const timers = new ScheduleTimers((_i, _t, at) => fired.push(at.toISOString()));
    timers.start([{ integration: "a", trigger: yearly }]);
    vi.advanceTimersByTime(200 * 24 * 60 * 60_000);
    expect(fired).toEqual(["2026-07-01T09:00:00.000Z"]);
    timers.stop();
  });

  it("lists what comes next, soonest first", () => {
    const from = new Date("2026-11-22T12:00:00Z");
    const next = ScheduleTimers.upcoming([{ integration: "b", trigger: nightly }, { integration: "a", trigger: every10 }], from);
    expect(next.map((n) => [n.integration, n.at.toISOString()])).toEqual([
      ["a", "2026-11-22T12:10:00.000Z"],
      ["b", "2026-11-23T07:30:00.000Z"],
    ]);
  });
});
