// `npm run bench -- workers`: runs completed per second by a cluster of `syncspec worker`
// processes over the sandbox, with its state and queue in PostgreSQL (the server
// SYNCSPEC_TEST_DATABASE_URL names, else one started for the bench).
//
//   1, 2 and 4 workers   WORKERS_INTEGRATIONS (60) integrations of mobilecommons-crm, each
//                        over its own pair of sandbox systems with the sample data, a full
//                        run each asked for at once; timed from the asking to the last run's end.
//   latency-bound        the same with every sandbox request answered after 50 ms, with 1
//                        and 4 workers: runs that mostly wait scale with the workers.
//   queue overhead       one run's way through the queue and the store with nothing to do
//                        (keep its trigger and job, take the job, start and end the run,
//                        completing the job), against a bare SELECT 1 round trip.
//
// Each configuration has a schema of its own and fresh systems, so each does the same work.
// Its last line: `workers: 1 -> A runs/s, 2 -> B, 4 -> C (latency-bound 4 -> D, x S), queue overhead Q ms`.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadSystems } from "../src/language/systems/load.js";
import { startSandbox } from "../src/sandbox/sandbox.js";
import { PostgresServiceStore } from "../src/stores/postgres-store.js";
import { dropSchemas, testDatabaseUrl, testSchema } from "../test/stores/postgres-server.js";

const ROOT = process.cwd();
const SYSTEMS = loadSystems(join(ROOT, "integrations")).systems;
const INTEGRATIONS = Number(process.env["WORKERS_INTEGRATIONS"] ?? 60);
const LATENCY_MS = 50;

async function until(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Runs per second of `workers` worker processes over INTEGRATIONS fresh integrations, each request answered after `latency` ms. */
async function configuration(workers: number, latency: number): Promise<number> {
  const url = await testDatabaseUrl();
  const schema = testSchema();
  const connections = Array.from({ length: INTEGRATIONS }, (_, i) => [
    { name: `mc-${i}`, system: "mobilecommons", token: "token" },
    { name: `crm-${i}`, system: "crm", token: "token" },
  ]).flat();
  const sandbox = await startSandbox({ connections, systems: SYSTEMS });
  if (latency > 0) for (const name of sandbox.connections()) sandbox.faults(name).delay(latency);
  const file = join(mkdtempSync(join(tmpdir(), "syncspec-bench-workers-")), "deploy.yaml");
  const lines = ["state: {env: SYNCSPEC_STATE}", "connections:"];
  for (const name of sandbox.connections()) lines.push(`  ${name}: {system: ${name.startsWith("mc-") ? "mobilecommons" : "crm"}, url: "${sandbox.url(name)}", token: {env: SANDBOX_TOKEN}}`);
  lines.push("integrations:");
  for (let i = 0; i < INTEGRATIONS; i++) lines.push(`  run-${i}: {spec: "${join(ROOT, "specs/mobilecommons-crm.sync")}", connections: {mobilecommons: mc-${i}, crm: crm-${i}}}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const env = { ...process.env, SANDBOX_TOKEN: "token", SYNCSPEC_STATE: `${url}${url.includes("?") ? "&" : "?"}schema=${schema}` };

  const children: ChildProcess[] = [];
  try {
    await Promise.all(
      Array.from({ length: workers }, () => {
        const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "worker", file], { env, stdio: ["ignore", "pipe", "inherit"] });
        children.push(child);
        let said = "";
        return new Promise<void>((resolve, reject) => {
          child.stdout!.on("data", (d: Buffer) => {
            said += d.toString();
            if (said.includes("syncspec worker ")) resolve();
          });
          child.on("exit", (code) => reject(new Error(`a worker stopped (exit ${code}): ${said}`)));
        });
      }),
    );
    const store = await PostgresServiceStore.open(url, { schema, queue: {} });
    const start = performance.now();
    try {
      const now = new Date().toISOString();
      for (let i = 0; i < INTEGRATIONS; i++) await store.keepTrigger(`run-${i}`, { kind: "manual" }, now);
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await until(async () => {
        const ended = await client.query<{ n: string; bad: string }>(`SELECT count(*) FILTER (WHERE status <> 'running') AS n, count(*) FILTER (WHERE status NOT IN ('ok', 'running')) AS bad FROM "${schema}".runs`);
        if (Number(ended.rows[0]!.bad) > 0) throw new Error(`a run did not end ok: ${JSON.stringify((await client.query(`SELECT integration, status, message FROM "${schema}".runs WHERE status NOT IN ('ok', 'running')`)).rows[0])}`);
        return Number(ended.rows[0]!.n) >= INTEGRATIONS;
      });
    } finally {
      await client.end();
    }
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(`workers: ${workers} worker${workers === 1 ? "" : "s"}${latency ? `, ${latency} ms a request` : ""}: ${INTEGRATIONS} runs in ${seconds.toFixed(2)} s\n`);
    return INTEGRATIONS / seconds;
  } finally {
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : (child.once("exit", resolve), child.kill("SIGTERM"))))));
    await sandbox.close();
    await dropSchemas(url, [schema, `${schema}_queue`]);
  }
}

/** One run's way through the queue and the store with nothing to do, against SELECT 1: milliseconds each, medians. */
async function queueOverhead(): Promise<{ cycleMs: number; selectMs: number }> {
  const url = await testDatabaseUrl();
  const schema = testSchema();
  const store = await PostgresServiceStore.open(url, { schema, queue: {} });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    const cycles: number[] = [];
    for (let i = 0; i < 220; i++) {
      const start = performance.now();
      await store.keepTrigger("overhead", { kind: "manual" }, new Date().toISOString());
      const job = await store.nextJob();
      if (!job) throw new Error("the queue gave no job");
      const pending = await store.triggersFor(job, 100);
      const run = await store.startRun("overhead", "manual", new Date().toISOString());
      await store.finishRun(run, { status: "ok", at: new Date().toISOString(), counts: {}, failures: [], cleared: [], taken: pending!.map((p) => p.seq) });
      if (i >= 20) cycles.push(performance.now() - start);
    }
    const selects: number[] = [];
    for (let i = 0; i < 220; i++) {
      const start = performance.now();
      await client.query("SELECT 1");
      if (i >= 20) selects.push(performance.now() - start);
    }
    return { cycleMs: median(cycles), selectMs: median(selects) };
  } finally {
    await client.end();
    await store.close();
    await dropSchemas(url, [schema, `${schema}_queue`]);
  }
}

const one = await configuration(1, 0);
const two = await configuration(2, 0);
const four = await configuration(4, 0);
const slowOne = await configuration(1, LATENCY_MS);
const slowFour = await configuration(4, LATENCY_MS);
const overhead = await queueOverhead();
console.log(JSON.stringify({ integrations: INTEGRATIONS, latencyMs: LATENCY_MS, one, two, four, slowOne, slowFour, ...overhead }));
