// `syncspec worker` as a cluster runs it: real worker processes against a real PostgreSQL,
// over the sandbox on loopback. Three workers, one killed with kill -9 in the middle of a
// run: another takes the run over once its lease lapses, the systems end as one uninterrupted
// run leaves them, and no record is created twice. No two runs of one integration overlap:
// the run log's exclusion constraint would refuse the second.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Document } from "../../src/connectors/connector.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { sendWebhook } from "../../src/sandbox/webhook-sender.js";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { sample } from "../connectors/support.js";
import { dropSchemas, testDatabaseUrl, testSchema, testRows } from "../stores/postgres-server.js";

const INTEGRATION = "raisedonors-virtuous";
const DONORS = 120;
const schemas: string[] = [];
const children: ChildProcess[] = [];
const sandboxes: Sandbox[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const sandbox of sandboxes.splice(0)) await sandbox.close();
});
afterAll(async () => dropSchemas(await testDatabaseUrl(), schemas));

/** RaiseDonors with DONORS more donors than its sample, none yet in Virtuous. */
function world(): Record<string, Document> {
  const raisedonors = sample("raisedonors");
  const donor = Object.values(raisedonors["donors"]!)[0]!;
  for (let n = 0; n < DONORS; n++) {
    const id = `d${String(n).padStart(4, "0")}`;
    raisedonors["donors"]![id] = { ...donor, id, firstName: `First${n}`, lastName: `Last${n}`, email: `d${n}@example.org`, crmKey: null };
  }
  return { raisedonors, virtuous: sample("virtuous") };
}

/** The sandbox playing both systems, each write a little slow, so that a run lasts long enough to be killed in. */
async function systems(): Promise<Sandbox> {
  const documents = world();
  const sandbox = await startSandbox({ connections: Object.entries(documents).map(([name, document]) => ({ name, system: name, token: `token-${name}`, document })), systems: SYSTEMS });
  sandboxes.push(sandbox);
  sandbox.faults("virtuous").delay(15);
  return sandbox;
}

/** The deployment of the integration over the sandbox; its servers (serve) on any free port. */
function deployment(sandbox: Sandbox, state: string): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-workers-"));
  const file = join(dir, "deploy.yaml");
  const connections = sandbox.connections().map((name) => `  ${name}: {url: "${sandbox.url(name)}", token: {env: ${name.toUpperCase()}_TOKEN}, webhookSecret: {env: ${name.toUpperCase()}_SECRET}}`);
  writeFileSync(file, `state: ${state}\nserver: {host: 127.0.0.1, port: 0}\nconnections:\n${connections.join("\n")}\nintegrations:\n  ${INTEGRATION}: {spec: "${join(ROOT, "specs", `${INTEGRATION}.sync`)}"}\n`);
  return file;
}

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const tokens = { RAISEDONORS_TOKEN: "token-raisedonors", VIRTUOUS_TOKEN: "token-virtuous", RAISEDONORS_SECRET: SECRET, VIRTUOUS_SECRET: SECRET };

/** A `syncspec serve` process, and the URL it takes webhooks at. */
async function server(file: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "serve", file], { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let said = "";
  const url = await new Promise<string>((resolve, reject) => {
    const hear = (d: Buffer): void => {
      said += d.toString();
      const found = /webhooks at (http:\/\/[^/\s]+)\/webhooks/.exec(said);
      if (found) resolve(found[1]!);
    };
    child.stdout!.on("data", hear);
    child.stderr!.on("data", hear);
    child.on("exit", (code) => reject(new Error(`the server stopped (exit ${code}): ${said}`)));
  });
  return { child, url };
}

/** What each worker has printed. */
const printed = new Map<ChildProcess, string>();

/** A worker process, resolved once it says it takes runs. */
function worker(file: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "worker", file], { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let said = "";
  return new Promise((resolve, reject) => {
    const hear = (d: Buffer): void => {
      said += d.toString();
      printed.set(child, said);
      if (/syncspec worker \d+: runs of 1 integration from /.test(said)) resolve(child);
    };
    child.stdout!.on("data", hear);
    child.stderr!.on("data", hear);
    child.on("exit", (code) => reject(new Error(`the worker stopped (exit ${code}): ${said}`)));
  });
}

/** A syncspec command run to its end, with what it printed. */
function command(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}


async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`waited ${seconds} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The records as a comparison sees them: without the times each run stamps. */
function comparable(document: Document): Document {
  return JSON.parse(JSON.stringify(document, (key, value: unknown) => (key === "modifiedDateTimeUtc" ? undefined : value))) as Document;
}

/**
 * Three workers over one store; a run asked for, and the worker making it once it has
 * written some of its records. Also what one uninterrupted run leaves the systems holding.
 */
async function clusterMidRun() {
  const reference = await systems();
  // Spawned, not spawnSync: the sandbox answers from this process.
  const alone = await command(["run", deployment(reference, join(mkdtempSync(join(tmpdir(), "syncspec-ref-")), "state.db"))], { ...process.env, ...tokens });
  expect(alone.stderr).toBe("");
  expect(alone.stdout).toMatch(new RegExp(`ok +${INTEGRATION} \\(full run`));

  const sandbox = await systems();
  const url = await testDatabaseUrl();
  const schema = testSchema();
  schemas.push(schema);
  const stateUrl = `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`;
  const file = deployment(sandbox, "{env: SYNCSPEC_STATE}");
  const env = { ...process.env, ...tokens, SYNCSPEC_STATE: stateUrl, SYNCSPEC_LEASE_SECONDS: "2" };
  const workers = await Promise.all([worker(file, env), worker(file, env), worker(file, env)]);

  // A run asked for, as `serve` or a schedule would keep it.
  const asker = await PostgresServiceStore.open(url, { schema, queue: {} });
  try {
    await asker.keepTrigger(INTEGRATION, { kind: "manual" }, new Date().toISOString());
  } finally {
    await asker.close();
  }

  const holder = await until("a run that has written", async () => {
    const [lease] = await testRows<{ holder: string | null; run_id: string | null }>(`SELECT holder, run_id FROM "${schema}".leases WHERE integration = $1`, [INTEGRATION]);
    if (!lease?.holder || !lease.run_id) return undefined;
    const [{ n }] = (await testRows<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".write_journal WHERE run_id = $1`, [lease.run_id])) as [{ n: string }];
    return Number(n) >= 20 ? lease.holder : undefined;
  });
  const pid = Number(holder.split(":").at(-2));
  const victim = workers.find((w) => w.pid === pid)!;
  expect(victim).toBeDefined();
  return { reference, sandbox, schema, victim };
}

/** The run log once another worker has ended the run: the first interrupted at epoch 1, the second ok at epoch 2. */
async function takenOver(schema: string): Promise<void> {
  const runs = await until("the run taken over to its end", async () => {
    const found = await testRows<{ status: string; epoch: string }>(`SELECT status, epoch FROM "${schema}".runs WHERE integration = $1 ORDER BY id`, [INTEGRATION]);
    return found.some((r) => r.status === "ok") ? found : undefined;
  });
  expect(runs.map((r) => [r.status, Number(r.epoch)])).toEqual([
    ["interrupted", 1],
    ["ok", 2],
  ]);
}

/** The systems as one uninterrupted run leaves them, no record created twice, nothing left waiting. */
async function endedAsOneRun(sandbox: Sandbox, reference: Sandbox, schema: string): Promise<void> {
  expect(comparable(sandbox.document("raisedonors"))).toEqual(comparable(reference.document("raisedonors")));
  expect(comparable(sandbox.document("virtuous"))).toEqual(comparable(reference.document("virtuous")));
  for (const key of Object.keys(sandbox.document("virtuous")["contacts"]!)) expect(sandbox.stats("virtuous").createsOf("contacts", key)).toBeLessThanOrEqual(1);
  // One contact for each donor: no donor was made a contact twice, under two keys.
  const references = Object.values(sandbox.document("virtuous")["contacts"]!).filter((c) => c["referenceSource"] === "RaiseDonors").map((c) => c["referenceId"]);
  expect(references).toHaveLength(DONORS + 4);
  expect(new Set(references).size).toBe(references.length);
  expect(await testRows(`SELECT * FROM "${schema}".pending_events`)).toEqual([]);
}

describe("three workers, one killed with kill -9 in the middle of a run", () => {
  it("have the run taken over elsewhere, end as an uninterrupted run does, and create nothing twice", async () => {
    const { reference, sandbox, schema, victim } = await clusterMidRun();
    victim.kill("SIGKILL");
    await takenOver(schema);
    await endedAsOneRun(sandbox, reference, schema);
  }, 120_000);
});

describe("a worker stopped (SIGSTOP) past its lease, then continued", () => {
  it("has its run taken over, sends nothing more, and has its commit refused", async () => {
    const { reference, sandbox, schema, victim } = await clusterMidRun();
    victim.kill("SIGSTOP");
    await takenOver(schema);
    const writes = sandbox.stats("virtuous").writes.length + sandbox.stats("raisedonors").writes.length;
    victim.kill("SIGCONT");
    // It finds out by its own clock before its next write, and at its commit by the epoch.
    await until("the continued worker to give its run up", async () => (/interrupted/.test(printed.get(victim) ?? "") ? true : undefined));
    expect(printed.get(victim)).toMatch(/interrupted raisedonors-virtuous \(full run, [\d.]+s\): stopped part-way, another worker finishes it\n +(another worker took raisedonors-virtuous over|the lease of raisedonors-virtuous was not renewed within 2 s|SVC004: run \d+ of raisedonors-virtuous was taken over by another worker)/);
    expect(sandbox.stats("virtuous").writes.length + sandbox.stats("raisedonors").writes.length).toBe(writes);
    await takenOver(schema);
    await endedAsOneRun(sandbox, reference, schema);
  }, 120_000);
});

describe("two servers taking a storm of signed webhooks, one killed part-way", () => {
  it("run every event either acknowledged", async () => {
    const sandbox = await systems();
    sandbox.faults("virtuous").delay(0);
    const url = await testDatabaseUrl();
    const schema = testSchema();
    schemas.push(schema);
    const file = deployment(sandbox, "{env: SYNCSPEC_STATE}");
    const env = { ...process.env, ...tokens, SYNCSPEC_STATE: `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`, SYNCSPEC_LEASE_SECONDS: "2" };
    // The first sync, in one process: every donor is linked to a contact.
    const first = await command(["run", file], env);
    expect(first.stderr).toBe("");

    const [a, b] = await Promise.all([server(file, env), server(file, env)]);
    await worker(file, env);
    const donors = Object.keys(sandbox.document("raisedonors")["donors"]!).filter((key) => key.startsWith("d"));
    const acknowledged: string[] = [];
    let next = 0;
    const send = async (): Promise<void> => {
      while (next < donors.length) {
        const i = next++;
        const key = donors[i]!;
        if (i === Math.floor(donors.length / 2)) a.child.kill("SIGKILL");
        await sandbox.change("raisedonors", "donors", key, { phone: `303-555-${String(i).padStart(4, "0")}` }, "donor");
        const target = i % 2 === 0 ? a.url : b.url;
        const answer = await sendWebhook(target, "raisedonors", SECRET, { type: "donor.updated", actor: "donor", recordId: key }).catch(() => undefined);
        if (answer?.status === 202) acknowledged.push(key);
      }
    };
    await Promise.all(Array.from({ length: 6 }, () => send()));
    // The killed server answered some, and none after it died.
    expect(acknowledged.length).toBeGreaterThan(donors.length / 2);
    expect(acknowledged.length).toBeLessThan(donors.length);

    const contacts = () => sandbox.document("virtuous")["contacts"]!;
    const phoneOf = (key: string) => sandbox.document("raisedonors")["donors"]![key]!["phone"];
    await until("every acknowledged event run", async () => (acknowledged.every((key) => contacts()[`rd-${key}`]?.["phone"] === phoneOf(key)) ? true : undefined), 90);
    await until("no event left waiting", async () => ((await testRows(`SELECT * FROM "${schema}".pending_events`)).length === 0 ? true : undefined));
  }, 150_000);
});
