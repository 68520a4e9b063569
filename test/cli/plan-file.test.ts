// A compiled plan as the command line meets it: `compile -o` writes it with the fingerprints
// of its systems' definitions, and `run` (and `plan` and `apply`) take it in place of the spec,
// refusing it, with exit 1, the file and the place, and never a stack trace, when it is not
// JSON, is broken, or was compiled against definitions that have changed since.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

function syncspec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SPEC = "specs/mobilecommons-crm.sync";
const STACK = /\n\s+at /;

/** A folder with the systems, the spec, its two systems' data as files, and its plan compiled into plan/mc-crm.json. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-plan-file-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  mkdirSync(join(dir, "specs"));
  cpSync(join(ROOT, SPEC), join(dir, SPEC));
  cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
  cpSync(join(dir, "integrations/crm/sample.json"), join(dir, "crm.json"));
  mkdirSync(join(dir, "plan"));
  const compiled = syncspec(["compile", SPEC, "-o", "plan/mc-crm.json"], dir);
  expect(compiled.stderr).toBe("");
  expect(compiled.status).toBe(0);
  deployment(dir, "../plan/mc-crm.json");
  return dir;
}

/** specs/files.deploy.yaml, running `spec` (relative to specs/) over the two data files. */
function deployment(dir: string, spec: string): void {
  writeFileSync(
    join(dir, "specs/files.deploy.yaml"),
    `state: ../state.db\nconnections:\n  mobilecommons: {file: ../mc.json}\n  crm: {file: ../crm.json}\nintegrations:\n  mobilecommons-crm: {spec: ${spec}}\n`,
  );
}

function editPlan(dir: string, change: (plan: Record<string, any>) => void): void {
  const file = join(dir, "plan/mc-crm.json");
  const plan = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
  change(plan);
  writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
}

/** Whether `plan` and `apply` take a plan file yet (src/cli/run.ts calls loadIntegrationPlan). */

describe("syncspec compile -o", () => {
  it("writes the plan with the fingerprint of each of its systems' definitions", () => {
    const dir = workspace();
    const plan = JSON.parse(readFileSync(join(dir, "plan/mc-crm.json"), "utf8")) as { syncspec: string; version: number; fingerprints: Record<string, string> };
    expect(plan).toMatchObject({ syncspec: "plan", version: 1, integration: "mobilecommons-crm", source: SPEC });
    expect(Object.keys(plan.fingerprints)).toEqual(["crm", "mobilecommons"]);
    for (const fingerprint of Object.values(plan.fingerprints)) expect(fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe("syncspec run with a compiled plan", () => {
  it("runs the plan as it runs the spec", () => {
    const dir = workspace();
    const first = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 created, 5 updated, 2 skipped$/m);
    expect(Object.keys((JSON.parse(readFileSync(join(dir, "crm.json"), "utf8")) as { constituents: object }).constituents)).toContain("mc-p-new");
    const second = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(second.stdout).toMatch(/^ {2}ok +mobilecommons-crm \(full run, [\d.]+s\): 2 skipped$/m);
  });

  it("refuses a plan whose system's definition changed since it was compiled, naming the system, and runs nothing", () => {
    const dir = workspace();
    cpSync(join(dir, "integrations"), join(dir, "changed"), { recursive: true });
    const definition = join(dir, "changed/crm/system.yaml");
    writeFileSync(definition, readFileSync(definition, "utf8").replace("mobile_opt_in: {type: boolean}", 'mobile_opt_in: {type: [boolean, "null"]}'));
    const before = readFileSync(join(dir, "crm.json"), "utf8");
    const r = syncspec(["run", "specs/files.deploy.yaml", "--systems", "changed"], dir);
    expect(r.status).toBe(1);
    // The deployment's line says which integration cannot run; the plan file's own problem follows.
    expect(r.stderr).toMatch(/^specs\/files\.deploy\.yaml:\d+:\d+: error DEP005 at \/integrations\/mobilecommons-crm\/spec: mobilecommons-crm cannot run: the plan file plan\/mc-crm\.json is refused \(1 problem below\)\n/);
    expect(r.stderr.split("\n").slice(1).join("\n")).toBe(
      "plan/mc-crm.json:12:5: error PLN004 at /fingerprints/crm: crm's definition (changed/crm/system.yaml) changed since this plan was compiled; compile specs/mobilecommons-crm.sync again\nnothing was run\n",
    );
    expect(readFileSync(join(dir, "crm.json"), "utf8")).toBe(before);
    // The spec itself compiles against the changed definition, and runs.
    deployment(dir, "mobilecommons-crm.sync");
    expect(syncspec(["run", "specs/files.deploy.yaml", "--systems", "changed"], dir).status).toBe(0);
  });

  it("refuses a plan file broken by hand, at the JSON Pointer of the place", () => {
    const dir = workspace();
    editPlan(dir, (plan) => {
      plan["links"][0]["matches"][0]["keys"][0]["left"]["op"] = "nope";
    });
    const r = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^specs\/files\.deploy\.yaml:\d+:\d+: error DEP005 at \/integrations\/mobilecommons-crm\/spec: mobilecommons-crm cannot run: the plan file plan\/mc-crm\.json is refused \(1 problem below\)\nplan\/mc-crm\.json:\d+:\d+: error PLN003 at \/links\/0\/matches\/0\/keys\/0\/left\/op: op "nope" is not one this syncspec knows\nnothing was run\n$/);
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });

  it("refuses a plan file of another version, saying to compile the spec again", () => {
    const dir = workspace();
    editPlan(dir, (plan) => {
      plan["version"] = 2;
    });
    const r = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("plan/mc-crm.json:3:3: error PLN002 at /version: this plan is version 2, compiled by a different syncspec (this one reads version 1); compile specs/mobilecommons-crm.sync again");
  });

  it("refuses a plan file that is not JSON, at its line and column", () => {
    const dir = workspace();
    writeFileSync(join(dir, "plan/mc-crm.json"), '{\n  "syncspec": "plan",\n  "version": 1,\n}\n');
    const r = syncspec(["run", "specs/files.deploy.yaml"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^specs\/files\.deploy\.yaml:\d+:\d+: error DEP005 at \/integrations\/mobilecommons-crm\/spec: mobilecommons-crm cannot run: the plan file plan\/mc-crm\.json is refused \(1 problem below\)\nplan\/mc-crm\.json:4:1: error INP002: not valid JSON: .+\nnothing was run\n$/);
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });
});

describe("syncspec plan and apply with a compiled plan", () => {
  const snapshots = ["--snapshot", "mobilecommons=mc.json", "--snapshot", "crm=crm.json", "--now", "2026-11-05T00:00:00Z"];

  it("plan gives what the spec gives, and apply writes it", () => {
    const dir = workspace();
    const fromSpec = syncspec(["plan", SPEC, ...snapshots, "--json"], dir);
    const fromPlan = syncspec(["plan", "plan/mc-crm.json", ...snapshots, "--json"], dir);
    expect(fromPlan.stderr).toBe("");
    expect(fromPlan.status).toBe(0);
    expect(fromPlan.stdout).toBe(fromSpec.stdout);
    const applied = syncspec(["apply", "plan/mc-crm.json", ...snapshots, "--state", "state.json"], dir);
    expect(applied.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8"))).toMatchObject({ syncspec: "state", integration: "mobilecommons-crm" });
  });

  it("refuses a stale plan, a broken one and one that is not JSON, with exit 1 and the place", () => {
    const dir = workspace();
    const definition = join(dir, "integrations/crm/system.yaml");
    const original = readFileSync(definition, "utf8");
    writeFileSync(definition, original.replace("mobile_opt_in: {type: boolean}", 'mobile_opt_in: {type: [boolean, "null"]}'));
    const stale = syncspec(["apply", "plan/mc-crm.json", ...snapshots, "--systems", "integrations"], dir);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("plan/mc-crm.json:12:5: error PLN004 at /fingerprints/crm: crm's definition (integrations/crm/system.yaml) changed since this plan was compiled; compile specs/mobilecommons-crm.sync again");
    writeFileSync(definition, original);

    editPlan(dir, (plan) => {
      delete plan["params"][0]["span"];
    });
    const broken = syncspec(["plan", "plan/mc-crm.json", ...snapshots], dir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/plan\/mc-crm\.json:\d+:\d+: error PLN003 at \/params\/0: "span" is missing/);

    writeFileSync(join(dir, "plan/mc-crm.json"), "{]");
    const notJson = syncspec(["plan", "plan/mc-crm.json", ...snapshots], dir);
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/^plan\/mc-crm\.json:1:2: error INP002: not valid JSON/);
    for (const r of [stale, broken, notJson]) expect(r.stdout + r.stderr).not.toMatch(STACK);
  });
});
