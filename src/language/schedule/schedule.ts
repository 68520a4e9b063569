// Schedules as data, from the spec's words (`every 10 minutes`, `nightly at 02:00 in ...`,
// `cron "..."`) or from a param's text ("every 10 minutes", "nightly"). Cron expressions
// and time zones are checked by croner and Intl, the same parts that will run them.
import { Cron } from "croner";
import { message, type Message } from "../../diagnostics/catalog.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type { Schedule } from "../../plan/types.js";
export type { Schedule };


/** `nightly` without a time runs at 02:00, in UTC unless a zone is given. */
export const DEFAULT_NIGHTLY_TIME = "02:00";
export const DEFAULT_ZONE = "UTC";

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A zone only a slip away (two edits): a city three letters off is another city. */
export function nearZone(zone: string): string | undefined {
  return didYouMean(zone, timeZones(), 2);
}

export function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
}

/** Why a time of day is invalid, or undefined when it is a valid HH:MM. */
export function timeProblem(time: string): Message<"SYN005"> | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) return message("SYN005", "notTimeOfDay", { time });
  return undefined;
}

const NEVER_FROM = new Date("2000-01-01T00:00:00Z");

/** Why a cron expression is invalid or never fires, or undefined when croner accepts it. */
export function cronProblem(expression: string): Message<"SYN005"> | undefined {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) return message("SYN005", "cronFields", { count: fields.length });
  try {
    // croner looks years ahead and gives null when no date fits: a day that no month it
    // names has (February 30). From a fixed date, as a five-field pattern has no year.
    const never = new Cron(expression, { paused: true, timezone: "UTC" }).nextRun(NEVER_FROM) === null;
    return never ? message("SYN005", "cronNever", { expression: JSON.stringify(expression) }) : undefined;
  } catch (error) {
    // croner's words ("CronPattern: Invalid value for hour: 25") in the author's.
    const raw = (error as Error).message.replace(/^CronPattern:\s*/, "");
    const range = /Invalid value for ([a-z-]+): (.*)$/i.exec(raw);
    const reason = range ? message("SYN005", "cronValue", { value: range[2]!, field: range[1]! }).text : raw.charAt(0).toLowerCase() + raw.slice(1);
    return message("SYN005", "cronInvalid", { expression: JSON.stringify(expression), reason });
  }
}

/** Reads a schedule written as text, as a param's value is: "every 10 minutes", "every hour", "nightly", "nightly at 02:30 in America/New_York", "cron 0 2 * * * in UTC". */
export function parseSchedule(text: string): { schedule: Schedule } | { error: string } {
  const read = readSchedule(text);
  return "error" in read ? { error: read.error.text } : read;
}

/** parseSchedule, with why a text is not a schedule as a SYN005 message, for a spec's diagnostic. */
export function readSchedule(text: string): { schedule: Schedule } | { error: Message<"SYN005"> } {
  const words = text.trim().split(/\s+/);
  const [first, ...rest] = words;
  const zoneAt = rest.indexOf("in");
  const zone = zoneAt >= 0 ? rest.slice(zoneAt + 1).join(" ") : DEFAULT_ZONE;
  const body = zoneAt >= 0 ? rest.slice(0, zoneAt) : rest;
  if (zoneAt >= 0 && !isTimeZone(zone)) {
    const near = nearZone(zone);
    const quoted = JSON.stringify(zone);
    return { error: near ? message("SYN005", "notZoneNear", { zone: quoted, near: JSON.stringify(near) }) : message("SYN005", "notZone", { zone: quoted }) };
  }
  if (first === "every") {
    const unitOnly = body.length === 1 ? body[0] : undefined;
    if (unitOnly === "minute" || unitOnly === "hour") return { schedule: { kind: "every", minutes: unitOnly === "hour" ? 60 : 1 } };
    if (body.length === 2 && /^\d+$/.test(body[0]!) && Number(body[0]) >= 1) {
      const count = Number(body[0]);
      if (body[1] === "minutes" || body[1] === "minute") return { schedule: { kind: "every", minutes: count } };
      if (body[1] === "hours" || body[1] === "hour") return { schedule: { kind: "every", minutes: count * 60 } };
    }
  } else if (first === "nightly") {
    if (body.length === 0) return { schedule: { kind: "daily", at: DEFAULT_NIGHTLY_TIME, zone } };
    if (body.length === 2 && body[0] === "at") {
      const problem = timeProblem(body[1]!);
      if (problem) return { error: problem };
      return { schedule: { kind: "daily", at: body[1]!.padStart(5, "0"), zone } };
    }
  } else if (first === "cron") {
    const expression = body.join(" ");
    const problem = cronProblem(expression);
    if (problem) return { error: problem };
    return { schedule: { kind: "cron", expression, zone } };
  }
  return { error: message("SYN005", "notSchedule", { text: JSON.stringify(text) }) };
}
