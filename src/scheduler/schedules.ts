// When an integration's scheduled triggers fire. Calendar schedules (nightly at a time in a
// zone, cron) are computed by croner in the zone, which runs a time that a daylight-saving
// change skips at the first moment after the gap and a time it repeats once, so a nightly run
// happens exactly once on each day. `every N minutes` counts from the service's start: an
// interval is not a time of day.
import { Cron } from "croner";
import { message, type Message } from "../diagnostics/catalog.js";
import type { DirectionPlan, Plan } from "../plan/types.js";
import { parseSchedule, type Schedule } from "../language/schedule/schedule.js";

export interface ScheduledTrigger {
  readonly schedule: Schedule;
  readonly directions: readonly DirectionPlan[];
  /** The schedule in the spec's words, for progress and history: "every 10 minutes". */
  readonly label: string;
  /** A reconciliation (the deployment's `reconcile:`): a run that reads everything, so that drift is caught. */
  readonly full?: boolean;
}

/**
 * The reconciliation of an integration: on the deployment's `reconcile:` schedule, a run over
 * every direction that reads both systems whole. Between them, scheduled runs read what
 * changed since the last run, and events what they reach.
 */
export function reconciliation(plan: Plan, schedule: Schedule): ScheduledTrigger {
  const { left, right, direction } = plan.systems;
  const directions: DirectionPlan[] = [];
  if (direction !== "<-") directions.push({ from: left, to: right });
  if (direction !== "->") directions.push({ from: right, to: left });
  return { schedule, directions, label: `reconciliation ${describeSchedule(schedule)}`, full: true };
}

/** The scheduled triggers of a plan, params resolved (a param holds a schedule's text). */
export function scheduledTriggers(plan: Plan, params: ReadonlyMap<string, unknown>): { triggers: ScheduledTrigger[] } | { problem: Message<"PAR002"> } {
  const triggers: ScheduledTrigger[] = [];
  for (const trigger of plan.triggers) {
    if (trigger.kind !== "schedule") continue;
    let schedule: Schedule;
    if (trigger.schedule.kind === "param") {
      const text = params.get(trigger.schedule.name);
      const parsed = typeof text === "string" ? parseSchedule(text) : { error: message("PAR002", "noSchedule", { param: trigger.schedule.name }).text };
      if ("error" in parsed) return { problem: message("PAR002", "badSchedule", { integration: plan.integration, param: trigger.schedule.name, reason: parsed.error }) };
      schedule = parsed.schedule;
    } else {
      schedule = trigger.schedule;
    }
    triggers.push({ schedule, directions: trigger.directions, label: describeSchedule(schedule) });
  }
  return { triggers };
}

export function describeSchedule(schedule: Schedule): string {
  switch (schedule.kind) {
    case "every":
      return schedule.minutes % 60 === 0 ? `every ${schedule.minutes / 60 === 1 ? "hour" : `${schedule.minutes / 60} hours`}` : `every ${schedule.minutes === 1 ? "minute" : `${schedule.minutes} minutes`}`;
    case "daily":
      return `nightly at ${schedule.at} in ${schedule.zone}`;
    case "cron":
      return `cron "${schedule.expression}" in ${schedule.zone}`;
  }
}

/**
 * The first time after `after` that a schedule fires. `start` anchors intervals: every 10
 * minutes fires at start + 10, start + 20, ...
 */
export function nextFire(schedule: Schedule, after: Date, start: Date): Date {
  if (schedule.kind === "every") {
    const step = schedule.minutes * 60_000;
    const elapsed = after.getTime() - start.getTime();
    const count = elapsed < 0 ? 1 : Math.floor(elapsed / step) + 1;
    return new Date(start.getTime() + count * step);
  }
  const next = calendar(schedule).nextRun(after);
  // croner finds a run within its search limit for every valid pattern; one that never fires (Feb 30) gives none.
  return next ?? new Date(8_640_000_000_000_000);
}

const calendars = new Map<string, Cron>();

function calendar(schedule: Exclude<Schedule, { kind: "every" }>): Cron {
  const pattern = schedule.kind === "daily" ? dailyPattern(schedule.at) : schedule.expression;
  const id = `${pattern}\u0000${schedule.zone}`;
  let cron = calendars.get(id);
  if (!cron) {
    cron = new Cron(pattern, { timezone: schedule.zone, paused: true });
    calendars.set(id, cron);
  }
  return cron;
}

function dailyPattern(at: string): string {
  const [hour, minute] = at.split(":").map(Number);
  return `${minute} ${hour} * * *`;
}
