// `npm run bench -- reads`: what a run reads over HTTP, in one process, against the sandbox
// on loopback (bundled by bench/run.js, run with a large heap).
//
//   event        RaiseDonors <-> Virtuous over 200,000 donors and 1,000,000 contacts: one
//                donor.updated webhook, from the edit to the service idle again, against a
//                full run (a reconciliation) of the same deployment: its requests, its time.
//   incremental  VolunteerHub -> Altru over 10,000 volunteers: the hourly run after 1% of
//                them changed, against a full read of the same deployment: read requests
//                (its writes, one per changed volunteer whatever was read, are told apart).
//   storm        over the event's world: 200,000 contact.updated webhooks by ncoa (READS_STORM
//                sets how many), each a new address, at READS_STORM_RATE a second (2,000) by a
//                client that keeps 32 unanswered: runs, requests, acknowledgement times beside
//                /healthz's when idle, and every address found in RaiseDonors at the end.
//
// READS_ONLY=event|storm|incremental measures one part (storm: with the event it follows).
// READS_PLAN_HERE=1 plans on the service's own thread, as from its sources (to compare).
//
// Requests are the sandbox's own counts (every request it answered, reads and writes); times
// are wall clock, so only their ratio, measured in the same run, is reported.
import { randomBytes } from "node:crypto";
import { get } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Document } from "../src/connectors/connector.js";
import { loadSystems } from "../src/language/systems/load.js";
import { planHere } from "../src/engine/plan-thread.js";
import { startSandbox, type Sandbox } from "../src/sandbox/sandbox.js";
import { assemble } from "../src/scheduler/assemble.js";
import { parseDeployment } from "../src/scheduler/deployment.js";
import { Metrics } from "../src/scheduler/metrics.js";
import type { RunSummary } from "../src/scheduler/run-integration.js";
import { Service } from "../src/scheduler/service.js";
import { createServiceServer, type ServiceServer } from "../src/server/http-server.js";
import type { WebhookConnection } from "../src/server/webhook-route.js";
import { SqliteServiceStore } from "../src/stores/sqlite-store.js";

const ROOT = process.cwd();
const SYSTEMS = loadSystems(join(ROOT, "integrations")).systems;
const HOUR = 3_600_000;

/** The clock the service and the sandbox share: an hour passes when the bench says so. */
let offset = 0;
const now = (): Date => new Date(Date.now() + offset);

interface World {
  readonly sandbox: Sandbox;
  readonly service: Service;
  /** The service's server: webhooks and /healthz. */
  readonly url: string;
  readonly runs: RunSummary[];
  /** Requests the sandbox answered, over every connection, since the last call: all of them, and the reads among them. */
  requests(): { all: number; reads: number };
  close(): Promise<void>;
}

/** The sandbox playing each system from the documents given, the service over it as `syncspec run` makes it, its state in a SQLite file. */
async function world(spec: string, systems: Record<string, { document: Document; webhooks?: boolean }>): Promise<World> {
  const env: Record<string, string> = {};
  const yaml = ["connections:"];
  const connections = Object.entries(systems).map(([name, s]) => {
    const token = randomBytes(8).toString("hex");
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    env[`${name.toUpperCase()}_TOKEN`] = token;
    // A million contacts is past the default bounds of one read (readLimits): this deployment raises them.
    yaml.push(`  ${name}:`, `    url: http://placeholder.invalid`, `    token: {env: ${name.toUpperCase()}_TOKEN}`, `    readLimits: {records: 2000000, pages: 100000, seconds: 1800}`);
    if (s.webhooks) {
      env[`${name.toUpperCase()}_SECRET`] = secret;
      yaml.push(`    webhookSecret: {env: ${name.toUpperCase()}_SECRET}`);
    }
    return { name, system: name, token, document: s.document, ...(s.webhooks ? { webhookSecret: secret } : {}) };
  });
  yaml.push("integrations:", `  ${spec}:`, `    spec: ${join(ROOT, "specs", `${spec}.sync`)}`);
  const deployment = parseDeployment(`${yaml.join("\n")}\n`, join(ROOT, "specs", "bench.deploy.yaml"));
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));

  const metrics = new Metrics();
  const webhooks = new Map<string, WebhookConnection>();
  let service: Service | undefined;
  const server: ServiceServer = createServiceServer({ connections: webhooks, onEvent: (c, e, id) => service!.onEvent(c, e, id), health: () => ({ ok: true, detail: {} }), metrics });
  const url = (await server.listen(0, "127.0.0.1")).url;
  const sandbox = await startSandbox({ connections, systems: SYSTEMS, webhookTarget: url, now });
  const assembled = assemble(deployment, { systems: SYSTEMS, env, http: { retry: { baseDelayMs: 1, maxDelayMs: 5 } }, urls: new Map(sandbox.connections().map((n) => [n, sandbox.url(n)])) });
  if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
  for (const [name, w] of assembled.webhooks) webhooks.set(name, w);
  const store = new SqliteServiceStore(join(mkdtempSync(join(tmpdir(), "syncspec-bench-reads-")), "state.db"));
  const runs: RunSummary[] = [];
  service = new Service({ ...(process.env["READS_PLAN_HERE"] ? { planner: planHere } : {}), integrations: assembled.integrations, systems: SYSTEMS, connections: assembled.connections, store, metrics, now, progress: (p) => p.kind === "run" && runs.push(p.summary) });
  const running = service;
  const counted = (): { all: number; reads: number } => {
    const stats = sandbox.connections().map((c) => sandbox.stats(c));
    return { all: stats.reduce((n, s) => n + s.requests, 0), reads: stats.reduce((n, s) => n + [...s.readsBy.values()].reduce((a, b) => a + b, 0), 0) };
  };
  let last = { all: 0, reads: 0 };
  return {
    sandbox,
    service: running,
    url,
    runs,
    requests() {
      const total = counted();
      const made = { all: total.all - last.all, reads: total.reads - last.reads };
      last = total;
      return made;
    },
    async close() {
      await running.stop();
      await sandbox.close();
      await server.close();
      for (const c of assembled.connections.values()) await c.connector.close();
      store.close();
    },
  };
}

async function settle(w: World): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await w.service.idle();
    await w.sandbox.settled();
  }
  await w.service.idle();
}

/** With READS_PROFILE=FILE (the event's run, from the edit to idle) or READS_STORM_PROFILE=FILE (the storm), a CPU profile: a debugging aid. */
async function profiler(variable = "READS_PROFILE"): Promise<(() => Promise<void>) | undefined> {
  const file = process.env[variable];
  if (!file) return undefined;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One donor.updated against a full run, over the runtime benchmark's data; then the storm over the same world. */
async function eventAndStorm(rdFile: string, vFile: string): Promise<{ event: EventFigures; storm: StormFigures | undefined }> {
  const w = await world("raisedonors-virtuous", {
    raisedonors: { document: JSON.parse(readFileSync(rdFile, "utf8")) as Document, webhooks: true },
    virtuous: { document: JSON.parse(readFileSync(vFile, "utf8")) as Document, webhooks: true },
  });
  try {
    const e = await event(w);
    return { event: e, storm: process.env["READS_ONLY"] === "event" ? undefined : await storm(w) };
  } finally {
    await w.close();
  }
}

interface EventFigures {
  requests: number;
  full: number;
  ratio: number;
  eventMs: number;
  fullMs: number;
  /** The slowest /healthz while the full run ran. */
  fullHealthMax: number;
}

async function event(w: World): Promise<EventFigures> {
  {
    let start = Date.now();
    await w.service.runAll();
    await settle(w);
    process.stderr.write(`reads: first sync of the contacts ${seconds(Date.now() - start)}\n`);
    w.requests();
    start = Date.now();
    // /healthz is asked every 100 ms through the full run: what a run of a million records leaves the service's thread.
    const health: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        health.push(await healthz(w.url));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const [full] = await w.service.runAll();
    await settle(w);
    const fullMs = Date.now() - start;
    probing = false;
    await prober;
    process.stderr.write(`reads: /healthz during the full run: slowest ${largest(health).toFixed(0)} ms, p99 ${p99(health).toFixed(1)} ms of ${health.length}\n`);
    const fullRequests = w.requests().all;
    if (full?.status !== "ok") throw new Error(`the full run ended ${full?.status}: ${full?.message}`);

    // A vendor answers a query from an index it keeps; the sandbox builds its index at the
    // first query by a field. An event for another donor builds it before the one measured.
    await w.sandbox.change("raisedonors", "donors", "d100001", { phone: "404-555-0100" }, "donor");
    await settle(w);
    w.requests();

    const profile = await profiler();
    start = Date.now();
    const answer = await w.sandbox.change("raisedonors", "donors", "d123457", { phone: "404-555-0199" }, "donor");
    if (answer?.status !== 202) throw new Error(`the webhook was answered ${answer?.status}`);
    await settle(w);
    const eventMs = Date.now() - start;
    await profile?.();
    const eventRequests = w.requests().all;
    const run = w.runs.at(-1)!;
    if (!run.trigger.includes("donor.updated") || run.status !== "ok") throw new Error(`the event's run: ${run.trigger} ${run.status} ${run.message ?? ""}`);
    const contact = w.sandbox.document("virtuous")["contacts"]!["c123457"]!;
    if (contact["phone"] !== "404-555-0199") throw new Error("the donor's phone did not reach its contact");
    process.stderr.write(`reads: full run ${fullRequests} requests in ${seconds(fullMs)}; the event ${eventRequests} requests in ${eventMs} ms (${run.reads?.requests} reads in ${run.reads?.rounds} rounds)\n`);
    return { requests: eventRequests, full: fullRequests, ratio: eventMs / fullMs, eventMs, fullMs, fullHealthMax: largest(health) };
  }
}

interface StormFigures {
  events: number;
  runs: number;
  requests: number;
  ackP99: number;
  ackMax: number;
  idleP99: number;
  healthMax: number;
  lost: number;
  refused: number;
}

/** The STORM_RATE events a second the client keeps to, at most STORM_IN_FLIGHT waiting for their answer. */
const STORM_RATE = Number(process.env["READS_STORM_RATE"] ?? 2000);
const STORM_IN_FLIGHT = 32;

/** The largest of many numbers (a spread of 200,000 arguments is past the stack). */
const largest = (ms: readonly number[]): number => ms.reduce((a, b) => Math.max(a, b), 0);

/** Milliseconds at the 99th percentile of `ms`. */
function p99(ms: number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

/** The time /healthz takes to answer, on a connection of its own, as a probe that keeps the service up asks it. */
function healthz(url: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`/healthz answered ${res.statusCode}`))));
    }).on("error", reject);
  });
}

/**
 * An NCOA update: a contact.updated by ncoa for each of the first STORM contacts (linked to
 * donors), each with a new address, sent at a steady rate by a client that keeps at most
 * STORM_IN_FLIGHT unanswered. Every acknowledgement is timed; /healthz is asked every 100 ms
 * meanwhile; at the end every donor must hold its contact's new address.
 */
async function storm(w: World): Promise<StormFigures> {
  const events = Number(process.env["READS_STORM"] ?? 200_000);
  const idle: number[] = [];
  for (let i = 0; i < 200; i++) idle.push(await healthz(w.url));
  w.requests();
  const runsBefore = w.runs.length;
  const profile = await profiler("READS_STORM_PROFILE");
  const acks: number[] = [];
  let refused = 0;
  const health: number[] = [];
  let storming = true;
  const prober = (async () => {
    while (storming) {
      health.push(await healthz(w.url));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const start = performance.now();
  let next = 0;
  const send = async (): Promise<void> => {
    while (next < events) {
      const i = next++;
      // The steady rate: event i is sent no sooner than i / rate seconds in.
      const due = start + (i * 1000) / STORM_RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sent = performance.now();
      const answer = await w.sandbox.change("virtuous", "contacts", `c${i}`, { address: { address1: `${i} NCOA Ave`, address2: null, city: "Denver", state: "CO", postal: "80202", country: "US" } }, "ncoa");
      acks.push(performance.now() - sent);
      if (answer?.status !== 202) refused++;
    }
  };
  await Promise.all(Array.from({ length: STORM_IN_FLIGHT }, () => send()));
  const sentIn = performance.now() - start;
  await settle(w);
  storming = false;
  await prober;
  await profile?.();
  const requests = w.requests().all;
  const donors = w.sandbox.document("raisedonors")["donors"]!;
  let lost = 0;
  for (let i = 0; i < events; i++) if ((donors[`d${i}`]?.["address"] as Record<string, unknown> | undefined)?.["line1"] !== `${i} NCOA Ave`) lost++;
  const runs = w.runs.length - runsBefore;
  process.stderr.write(
    `reads: storm of ${events} events sent in ${seconds(sentIn)} (${Math.round((events * 1000) / sentIn)}/s), all written in ${seconds(performance.now() - start)}: ${runs} runs, ${requests} requests; ack p99 ${p99(acks).toFixed(1)} ms, max ${largest(acks).toFixed(0)} ms; /healthz idle p99 ${p99(idle).toFixed(1)} ms, during the storm max ${largest(health).toFixed(0)} ms; ${refused} not acknowledged, ${lost} addresses missing\n`,
  );
  return { events, runs, requests, ackP99: p99(acks), ackMax: largest(acks), idleP99: p99(idle), healthMax: largest(health), lost, refused };
}

const USERS = 10_000;
const EVENTS = 100;
const GROUPS = 20;

/** VolunteerHub with 10,000 volunteers, a registration each, in 20 groups (half of them Altru organizations); Altru with its jobs and organizations. */
function volunteers(at: string): Record<string, Document> {
  const users: Record<string, Record<string, unknown>> = {};
  const registrations: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < USERS; i++) {
    const uid = `u${i}`;
    users[uid] = { UserUid: uid, Username: `volunteer${i}`, FirstName: "Sam", LastName: `Lee${i % 97}`, EmailAddress: `v${i}@example.org`, EmailAllowed: i % 3 !== 0, UserGroupUids: [`g${i % GROUPS}`], LastUpdate: at };
    registrations[`r${i}`] = { RegistrationUid: `r${i}`, EventUid: `e${i % EVENTS}`, UserUid: uid, Hours: 2, Deleted: false, LastUpdate: at };
  }
  const events: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < EVENTS; i++) events[`e${i}`] = { EventUid: `e${i}`, Name: `Shift ${i}`, StartTime: "2026-10-01T09:00:00Z", EndTime: "2026-10-01T12:00:00Z", AltruJobId: `job${i % 5}` };
  const userGroups: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < GROUPS; i++) userGroups[`g${i}`] = { UserGroupUid: `g${i}`, Name: `Group ${i}`, AltruOrganizationId: i % 2 === 0 ? `org${i}` : null };
  const jobs: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < 5; i++) jobs[`job${i}`] = { id: `job${i}`, name: `Job ${i}` };
  const organizations: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < GROUPS; i += 2) organizations[`org${i}`] = { id: `org${i}`, name: `Org ${i}` };
  return {
    volunteerhub: { users, registrations, events, userGroups },
    altru: { constituents: {}, timesheets: {}, relationships: {}, jobs, organizations },
  };
}

/** The hourly run after 1% of the volunteers changed, against a full read. */
async function incremental(): Promise<{ requests: number; writes: number; full: number; ratio: number }> {
  const docs = volunteers(now().toISOString());
  const w = await world("volunteerhub-altru", { volunteerhub: { document: docs["volunteerhub"]! }, altru: { document: docs["altru"]! } });
  const hourly = async (): Promise<RunSummary> => {
    offset += HOUR;
    w.service.enqueue("volunteerhub-altru", { kind: "schedule", at: now().toISOString(), label: "every hour", directions: [{ from: "volunteerhub", to: "altru" }] });
    await w.service.idle();
    return w.runs.at(-1)!;
  };
  try {
    const start = Date.now();
    await w.service.runAll();
    process.stderr.write(`reads: first sync of the volunteers ${seconds(Date.now() - start)}\n`);
    // An hour on, a quiet hourly run; an hour after it, 1% of the volunteers have changed.
    const quiet = await hourly();
    process.stderr.write(`reads: the quiet hourly run wrote ${JSON.stringify(quiet.applied)}\n`);
    offset += HOUR;
    for (let i = 0; i < USERS; i += 100) await w.sandbox.change("volunteerhub", "users", `u${i}`, { LastName: `Okafor${i}`, LastUpdate: now().toISOString() });
    w.requests();
    offset -= HOUR;
    const run = await hourly();
    const requests = w.requests();
    if (run.status !== "ok" || !run.reads) throw new Error(`the hourly run: ${run.status} ${run.message ?? ""} (${run.reads ? "in part" : "read whole"})`);
    const constituents = Object.values(w.sandbox.document("altru")["constituents"]!).filter((c) => String(c["last_name"]).startsWith("Okafor"));
    if (constituents.length !== USERS / 100) throw new Error(`${constituents.length} of ${USERS / 100} changed volunteers reached Altru`);
    w.service.enqueue("volunteerhub-altru", { kind: "schedule", at: now().toISOString(), label: "reconciliation nightly at 03:00", directions: [{ from: "volunteerhub", to: "altru" }], full: true });
    await w.service.idle();
    const full = w.requests();
    if (full.all !== full.reads) throw new Error(`the reconciliation after the hourly run wrote ${full.all - full.reads} times`);
    process.stderr.write(`reads: hourly run asked ${run.reads.asked.join("; ")}\n`);
    process.stderr.write(`reads: hourly run ${requests.reads} read requests and ${requests.all - requests.reads} writes (${run.reads.rounds} rounds; read whole: ${run.reads.whole.join(", ") || "nothing"}); full read ${full.reads} requests\n`);
    // Reads against reads: the 100 changed volunteers' writes are the same whatever was read.
    return { requests: requests.reads, writes: requests.all - requests.reads, full: full.reads, ratio: requests.reads / full.reads };
  } finally {
    await w.close();
  }
}

const [rdFile, vFile] = process.argv.slice(2).map((f) => resolve(f));
const { event: e, storm: st } = process.env["READS_ONLY"] === "incremental" ? { event: { requests: 0, full: 1, ratio: 1, eventMs: 0, fullMs: 1, fullHealthMax: 0 }, storm: undefined } : await eventAndStorm(rdFile!, vFile!);
const inc = process.env["READS_ONLY"] === "event" || process.env["READS_ONLY"] === "storm" ? { requests: 0, writes: 0, full: 1, ratio: 1 } : await incremental();
// One line of figures, for bench/run.js's table and for the eye.
console.log(JSON.stringify({ event: e, incremental: inc, storm: st ?? null }));
