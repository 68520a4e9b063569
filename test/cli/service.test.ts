// `syncspec run` and `syncspec runs` as a user meets them: the main job against the sandbox,
// the service staying up with --watch, and a bad deployment refused with the place named.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import { dropSchemas, testDatabaseUrl, testSchema } from "../stores/postgres-server.js";

/** A copy of the specs and systems, so the sandbox's state file is the test's own. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-service-cli-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  cpSync(join(ROOT, "specs"), join(dir, "specs"), { recursive: true });
  return dir;
}

function syncspec(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8", env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("syncspec run --sandbox", () => {
  it("runs all seven integrations against the sandbox and ends with a table of what each did", () => {
    const dir = checkout();
    const r = syncspec(["run", "specs/sandbox.deploy.yaml", "--sandbox"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const name of ["raisedonors-virtuous", "vomo-virtuous", "momentum-raisersedge", "momentum-salesforce", "momentum-virtuous", "volunteerhub-altru", "mobilecommons-crm"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ok +${name} \\(full run, [\\d.]+s\\): `, "m"));
      expect(r.stdout).toMatch(new RegExp(`^${name} +ok +1 +\\d+`, "m"));
    }
    expect(r.stdout).toMatch(/^integration +last run +runs +created +updated +deleted +skipped +conflicts +refused$/m);
    expect(r.stdout).toMatch(/the sandbox answered \d+ requests; \d+ were rate-limited/);

    const runs = syncspec(["runs", "specs/sandbox.deploy.yaml", "--sandbox", "--json"], dir);
    expect(runs.status).toBe(0);
    const history = JSON.parse(runs.stdout) as { runs: { status: string }[]; failures: unknown[] };
    expect(history.runs.map((run) => run.status)).toEqual(Array(7).fill("ok"));
    expect(history.failures).toEqual([]);
  });

  it("with --watch stays up, serves /healthz and /metrics, and stops cleanly on SIGTERM", async () => {
    const dir = checkout();
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "run", "specs/sandbox.deploy.yaml", "--sandbox", "--watch"], { cwd: dir });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const found = /watching: the service.s page at (http:\/\/[^/]+)\//.exec(stdout);
        if (found) resolve(found[1]!);
      });
      child.on("exit", () => reject(new Error(`the service stopped: ${stdout}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", integrations: { "raisedonors-virtuous": "ok", "mobilecommons-crm": "ok" } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^syncspec_runs_total\{integration="raisedonors-virtuous",status="ok"\} 1$/m);
    expect(metrics).toMatch(/^syncspec_records_total\{integration="raisedonors-virtuous",system="virtuous",action="create"\} 4$/m);
    expect(stdout).toMatch(/next +mobilecommons-crm \(nightly at 02:00 in America\/New_York\) at \S+T0[67]:00:00.000Z/);
    const unsigned = await fetch(`${url}/webhooks/raisedonors`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    const code = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await code).toBe(0);
    expect(existsSync(join(dir, ".syncspec/state.sandbox.db.lock"))).toBe(false);
  });
});

describe("syncspec run over snapshot files", () => {
  it("applies each run to the files, and a second run finds nothing to do", () => {
    const dir = checkout();
    cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
    cpSync(join(dir, "integrations/crm/sample.json"), join(dir, "crm.json"));
    writeFileSync(
      join(dir, "specs/files.deploy.yaml"),
      "state: ../state.db\nconnections:\n  mobilecommons: {file: ../mc.json}\n  crm: {file: ../crm.json}\nintegrations:\n  mobilecommons-crm: {spec: mobilecommons-crm.sync}\n",
    );
    const first = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 created, 5 updated, 2 skipped$/m);
    const crm = JSON.parse(readFileSync(join(dir, "crm.json"), "utf8")) as { constituents: Record<string, unknown> };
    expect(Object.keys(crm.constituents)).toContain("mc-p-new");
    const second = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(second.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 skipped$/m);
  });
});

describe("syncspec run with its state in PostgreSQL", () => {
  it("keeps the state and the runs there, named by a variable: a second run finds nothing to do, and `syncspec runs` reads them", async () => {
    const dir = checkout();
    cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
    cpSync(join(dir, "integrations/crm/sample.json"), join(dir, "crm.json"));
    writeFileSync(
      join(dir, "specs/pg.deploy.yaml"),
      "state: {env: SYNCSPEC_STATE}\nconnections:\n  mobilecommons: {file: ../mc.json}\n  crm: {file: ../crm.json}\nintegrations:\n  mobilecommons-crm: {spec: mobilecommons-crm.sync}\n",
    );
    const url = await testDatabaseUrl();
    const schema = testSchema();
    const env = { ...process.env, SYNCSPEC_STATE: `${url}${url.includes("?") ? "&" : "?"}schema=${schema}` };
    try {
      const unset = syncspec(["run", "specs/pg.deploy.yaml"], dir, { ...process.env, SYNCSPEC_STATE: "" });
      expect(unset.status).toBe(1);
      expect(unset.stderr).toBe("specs/pg.deploy.yaml:1:1: error DEP004 at /state: the PostgreSQL URL of the state comes from the environment variable SYNCSPEC_STATE, which is not set\nnothing was run\n");

      const first = syncspec(["run", "specs/pg.deploy.yaml"], dir, env);
      expect(first.stderr).toBe("");
      expect(first.stdout).toContain(`(schema ${schema})`);
      expect(first.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 created, 5 updated, 2 skipped$/m);
      const second = syncspec(["run", "specs/pg.deploy.yaml"], dir, env);
      expect(second.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 skipped$/m);
      expect(existsSync(join(dir, "specs/.syncspec"))).toBe(false);

      const runs = syncspec(["runs", "specs/pg.deploy.yaml", "--json"], dir, env);
      expect(runs.stderr).toBe("");
      const history = JSON.parse(runs.stdout) as { runs: { status: string; counts: Record<string, number> }[] };
      expect(history.runs.map((run) => [run.status, run.counts["applied_create"] ?? 0])).toEqual([
        ["ok", 0],
        ["ok", 2],
      ]);
    } finally {
      await dropSchemas(url, [schema]);
    }
  });
});

describe("syncspec run --watch with its state in PostgreSQL", () => {
  it("after its first run takes runs from the cluster's queue, as a worker would, and stops cleanly", async () => {
    const dir = checkout();
    cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
    cpSync(join(dir, "integrations/crm/sample.json"), join(dir, "crm.json"));
    writeFileSync(
      join(dir, "specs/pg.deploy.yaml"),
      "state: {env: SYNCSPEC_STATE}\nserver: {port: 0}\nconnections:\n  mobilecommons: {file: ../mc.json}\n  crm: {file: ../crm.json}\nintegrations:\n  mobilecommons-crm: {spec: mobilecommons-crm.sync}\n",
    );
    const url = await testDatabaseUrl();
    const schema = testSchema();
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "run", "specs/pg.deploy.yaml", "--watch"], { cwd: dir, env: { ...process.env, SYNCSPEC_STATE: `${url}${url.includes("?") ? "&" : "?"}schema=${schema}` } });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const seen = async (pattern: RegExp): Promise<string> => {
      for (;;) {
        const found = pattern.exec(stdout);
        if (found) return found[1] ?? found[0];
        const ended = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 50))]);
        if (ended) throw new Error(`the service stopped: ${stdout}${stderr}`);
      }
    };
    const store = await PostgresServiceStore.open(url, { schema, queue: {} });
    try {
      const health = await seen(/watching: the service.s page at (http:\/\/[^/]+)\//);
      expect(stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 created, 5 updated, 2 skipped$/m);
      expect(stdout).toContain("runs are taken from the cluster's queue");
      expect(await (await fetch(`${health}/healthz`)).json()).toMatchObject({ integrations: { "mobilecommons-crm": "ok" } });
      // A run asked for by another process of the cluster (a schedule claimed elsewhere, a person) is made here.
      await store.keepTrigger("mobilecommons-crm", { kind: "manual" }, new Date().toISOString());
      await seen(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 skipped$/m);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toBe("");
      expect((await store.runs({ integration: "mobilecommons-crm" })).map((r) => [r.trigger, r.status, r.counts["applied_create"] ?? 0])).toEqual([
        ["full run", "ok", 0],
        ["full run", "ok", 2],
      ]);
    } finally {
      child.kill("SIGKILL");
      await store.close();
      await dropSchemas(url, [schema, `${schema}_queue`]);
    }
  });
});

describe("a deployment that cannot run", () => {
  it("names the file, the line and the place, runs nothing and exits 1", () => {
    const dir = checkout();
    writeFileSync(join(dir, "specs/bad.deploy.yaml"), "connections:\n  crm: {url: https://crm.example.org, token: abc}\nintegrations:\n  mobilecommons-crm: {spec: mobilecommons-crm.sync}\n");
    const r = syncspec(["run", "specs/bad.deploy.yaml"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "specs/bad.deploy.yaml:2:39: error DEP002 at /connections/crm/token: credentials are not written in the deployment file: write token: {env: CRM_TOKEN} and set that variable, or token: {file: PATH} for a file that holds it\nnothing was run\n",
    );
  });

  it("names a credential's variable when it is not set, never a value", () => {
    const dir = checkout();
    const env = { ...process.env };
    delete env["RAISEDONORS_TOKEN"];
    const r = syncspec(["run", "specs/sandbox.deploy.yaml"], dir, env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("specs/sandbox.deploy.yaml:11:5: error DEP004 at /connections/raisedonors/token: the token of raisedonors comes from the environment variable RAISEDONORS_TOKEN, which is not set");
    expect(r.stderr).toMatch(/nothing was run\n$/);
  });

  it("`syncspec runs` before any run says so", () => {
    const dir = checkout();
    const r = syncspec(["runs", "specs/sandbox.deploy.yaml", "--sandbox"], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("no runs yet: .syncspec/state.sandbox.db does not exist (`syncspec run specs/sandbox.deploy.yaml --sandbox` makes it)\n");
  });

  it("`syncspec runs` without --sandbox after `npm start` says where the sandbox's runs are", () => {
    const dir = checkout();
    mkdirSync(join(dir, ".syncspec"));
    writeFileSync(join(dir, ".syncspec/state.sandbox.db"), "");
    const r = syncspec(["runs", "specs/sandbox.deploy.yaml"], dir);
    expect(r.stdout).toBe(
      "no runs yet: .syncspec/state.db does not exist (`syncspec run specs/sandbox.deploy.yaml` makes it)\nthe sandbox's runs (`npm start`, `syncspec run --sandbox`) are kept apart: `syncspec runs specs/sandbox.deploy.yaml --sandbox` shows them\n",
    );
  });

  it("will not share a state file with a service that is running", () => {
    const dir = checkout();
    mkdirSync(join(dir, ".syncspec"));
    writeFileSync(join(dir, ".syncspec/state.sandbox.db.lock"), String(process.pid));
    const r = syncspec(["run", "specs/sandbox.deploy.yaml", "--sandbox"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`.syncspec/state.sandbox.db: error SVC004: another syncspec run (process ${process.pid}) is using this state; stop it first, or give this deployment its own state file\n`);
  });

  it("takes over the lock of a process that is gone", () => {
    const dir = checkout();
    mkdirSync(join(dir, ".syncspec"));
    writeFileSync(join(dir, ".syncspec/state.sandbox.db.lock"), "2147483646");
    const r = syncspec(["run", "specs/sandbox.deploy.yaml", "--sandbox"], dir);
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, ".syncspec/state.sandbox.db.lock"))).toBe(false);
  });
});
