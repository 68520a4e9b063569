// A cluster's schedules, claimed from the store: 2,000 organizations with seven integrations
// each, three processes claiming at once on a fake clock, across both of New York's
// daylight-saving changes of 2026/2027. Every due time fires exactly once: one kept trigger
// for each, none twice, none missed, each claimed by one process in the transaction that
// queues its run.
import { afterAll, describe, expect, it } from "vitest";
import type { Schedule } from "../../src/language/schedule/schedule.js";
import { ScheduleClaims } from "../../src/scheduler/schedule-claims.js";
import { nextFire, type ScheduledTrigger } from "../../src/scheduler/schedules.js";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import { dropSchemas, testDatabaseUrl, testRows, testSchema } from "../stores/postgres-server.js";

const ORGANIZATIONS = 2000;
const NY = "America/New_York";
/** One schedule for each of an organization's seven integrations: nightly times on either side of the changes, a cron, an interval, another zone. */
const SCHEDULES: readonly [string, Schedule][] = [
  ["raisedonors-virtuous", { kind: "daily", at: "02:30", zone: NY }],
  ["vomo-virtuous", { kind: "daily", at: "01:30", zone: NY }],
  ["momentum-raisersedge", { kind: "daily", at: "03:00", zone: NY }],
  ["momentum-salesforce", { kind: "cron", expression: "30 2 * * *", zone: NY }],
  ["momentum-virtuous", { kind: "daily", at: "00:00", zone: NY }],
  ["volunteerhub-altru", { kind: "every", minutes: 240 }],
  ["mobilecommons-crm", { kind: "daily", at: "02:00", zone: "America/Los_Angeles" }],
];
const STEP_MS = 10 * 60_000;
const schemas: string[] = [];
afterAll(async () => dropSchemas(await testDatabaseUrl(), schemas));

const integrations = Array.from({ length: ORGANIZATIONS }, (_, org) =>
  SCHEDULES.map(([name, schedule]) => ({ name: `org${org}/${name}`, schedules: [{ schedule, directions: [], label: JSON.stringify(schedule) } satisfies ScheduledTrigger] })),
).flat();

/** The local date and time of an instant in a zone, as "2027-03-14 03:30". */
function local(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

/** Three processes claim what is due at each step of a fake clock from `from` to `to`; the times each schedule fired. */
async function claimThrough(from: string, to: string): Promise<Map<string, string[]>> {
  const url = await testDatabaseUrl();
  const schema = testSchema();
  schemas.push(schema);
  let now = new Date(from);
  const stores = await Promise.all([0, 1, 2].map(() => PostgresServiceStore.open(url, { schema, queue: {} })));
  try {
    const claimers = stores.map((store) => new ScheduleClaims(store, integrations, () => now));
    await Promise.all(claimers.map((c) => c.plant()));
    const claims: number[] = [0, 0, 0];
    for (let at = Date.parse(from) + STEP_MS; at <= Date.parse(to); at += STEP_MS) {
      now = new Date(at);
      const made = await Promise.all(claimers.map((c) => c.claimDue()));
      made.forEach((m, i) => (claims[i]! += m.length));
    }
    // The work was shared, not done three times.
    expect(claims.filter((n) => n > 0).length).toBeGreaterThan(1);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
  const fired = new Map<string, string[]>();
  for (const row of await testRows<{ integration: string; received_at: Date; kind: string }>(`SELECT integration, received_at, kind FROM "${schema}".pending_events ORDER BY seq`)) {
    expect(row.kind).toBe("schedule");
    fired.set(row.integration, [...(fired.get(row.integration) ?? []), row.received_at.toISOString()]);
  }
  // Every integration with a trigger waiting has its run queued, once.
  const jobs = await testRows<{ n: string }>(`SELECT count(DISTINCT singleton_key) AS n FROM "${schema}_queue".job WHERE state = 'created'`);
  expect(Number(jobs[0]!.n)).toBe(fired.size);
  return fired;
}

/** The due times of a schedule planted at `from`, up to `to`. */
function dueTimes(schedule: Schedule, from: string, to: string): string[] {
  const start = new Date(from);
  const times: string[] = [];
  for (let at = nextFire(schedule, start, start); at.getTime() <= Date.parse(to); at = nextFire(schedule, at, start)) times.push(at.toISOString());
  return times;
}

describe("schedules claimed by several processes", () => {
  it.each([
    ["the clocks fall back", "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z"],
    ["the clocks spring forward", "2027-03-13T12:00:00Z", "2027-03-15T12:00:00Z"],
  ])("fire every due time exactly once when %s", async (_when, from, to) => {
    const fired = await claimThrough(from, to);
    for (const integration of integrations) {
      const schedule = integration.schedules[0]!.schedule;
      expect(fired.get(integration.name) ?? []).toEqual(dueTimes(schedule, from, to));
    }
    // New York's nightly 02:30 on each day of the window: once, on the day with no 02:30 as on the day with two 01:00s.
    const nightly = fired.get("org0/raisedonors-virtuous")!.map((at) => local(new Date(at), NY));
    expect(nightly).toEqual(from.startsWith("2026") ? ["2026-11-01 02:30", "2026-11-02 02:30"] : ["2027-03-14 03:00", "2027-03-15 02:30"]);
    const repeated = fired.get("org1999/vomo-virtuous")!.map((at) => local(new Date(at), NY));
    expect(new Set(repeated).size).toBe(repeated.length);
  }, 300_000);
});
