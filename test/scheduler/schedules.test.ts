// When scheduled triggers fire: across daylight-saving changes, a nightly run happens exactly
// once on each day; intervals count from the start; params hold schedules as text.
import { describe, expect, it } from "vitest";
import { nextFire, scheduledTriggers, describeSchedule } from "../../src/scheduler/schedules.js";
import type { Schedule } from "../../src/language/schedule/schedule.js";
import { seedPlan } from "../engine/support.js";

function firesBetween(schedule: Schedule, from: string, to: string): string[] {
  const start = new Date(from);
  const end = new Date(to).getTime();
  const times: string[] = [];
  for (let at = nextFire(schedule, start, start); at.getTime() < end; at = nextFire(schedule, at, start)) times.push(at.toISOString());
  return times;
}

/** The local date and time of an instant in a zone, as "2026-03-08 03:00". */
function local(iso: string, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

describe("nightly schedules across daylight-saving changes", () => {
  const nightly: Schedule = { kind: "daily", at: "02:30", zone: "America/New_York" };

  it("runs once on the day the clocks spring forward, though 02:30 does not exist that night", () => {
    const fires = firesBetween(nightly, "2026-03-06T12:00:00Z", "2026-03-11T12:00:00Z");
    expect(fires.map((f) => local(f, "America/New_York"))).toEqual(["2026-03-07 02:30", "2026-03-08 03:00", "2026-03-09 02:30", "2026-03-10 02:30", "2026-03-11 02:30"]);
  });

  it("runs once on the day the clocks fall back", () => {
    const fires = firesBetween(nightly, "2026-10-30T12:00:00Z", "2026-11-03T12:00:00Z");
    expect(fires.map((f) => local(f, "America/New_York"))).toEqual(["2026-10-31 02:30", "2026-11-01 02:30", "2026-11-02 02:30", "2026-11-03 02:30"]);
  });

  it("runs a time inside the repeated hour once, not twice", () => {
    const fires = firesBetween({ kind: "daily", at: "01:30", zone: "America/New_York" }, "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z");
    expect(fires).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  it("a year of nightly runs is one a day, every day", () => {
    const fires = firesBetween(nightly, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    const days = new Set(fires.map((f) => local(f, "America/New_York").slice(0, 10)));
    expect(fires.length).toBe(days.size);
    expect(days.size).toBe(365);
  });
});

describe("intervals and cron", () => {
  it("every 10 minutes counts from the start, not from the hour", () => {
    const start = new Date("2026-11-01T14:03:00Z");
    expect(nextFire({ kind: "every", minutes: 10 }, start, start).toISOString()).toBe("2026-11-01T14:13:00.000Z");
    expect(nextFire({ kind: "every", minutes: 10 }, new Date("2026-11-01T14:13:00Z"), start).toISOString()).toBe("2026-11-01T14:23:00.000Z");
  });

  it("a late check fires once and goes on from now", () => {
    const start = new Date("2026-11-01T14:00:00Z");
    expect(nextFire({ kind: "every", minutes: 60 }, new Date("2026-11-01T17:25:00Z"), start).toISOString()).toBe("2026-11-01T18:00:00.000Z");
  });

  it("cron expressions run in their zone", () => {
    const at = nextFire({ kind: "cron", expression: "0 9 * * 1", zone: "Europe/London" }, new Date("2026-11-22T00:00:00Z"), new Date());
    expect(at.toISOString()).toBe("2026-11-23T09:00:00.000Z");
  });
});

describe("the seed specs' schedules", () => {
  it("reads a schedule held in a param, and each trigger keeps its directions", () => {
    const plan = seedPlan("momentum-raisersedge");
    const found = scheduledTriggers(plan, new Map([["schedule", "nightly at 03:00 in America/Chicago"]]));
    expect("triggers" in found && found.triggers.map((t) => t.label)).toEqual(["nightly at 03:00 in America/Chicago"]);
    const mc = scheduledTriggers(seedPlan("mobilecommons-crm"), new Map());
    expect("triggers" in mc && mc.triggers.map((t) => [t.label, t.directions.map((d) => `${d.from}->${d.to}`)])).toEqual([
      ["every 5 minutes", ["mobilecommons->crm"]],
      ["nightly at 02:00 in America/New_York", ["crm->mobilecommons"]],
    ]);
  });

  it("says which param holds a schedule it cannot read", () => {
    const found = scheduledTriggers(seedPlan("momentum-raisersedge"), new Map([["schedule", "sometimes"]]));
    expect(found).toEqual({ problem: expect.objectContaining({ code: "PAR002", text: expect.stringContaining("the schedule in param schedule is not valid") }) });
  });

  it("describes schedules in the spec's words", () => {
    expect(describeSchedule({ kind: "every", minutes: 60 })).toBe("every hour");
    expect(describeSchedule({ kind: "every", minutes: 120 })).toBe("every 2 hours");
    expect(describeSchedule({ kind: "every", minutes: 1 })).toBe("every minute");
  });
});
