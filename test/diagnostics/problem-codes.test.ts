// Each code of a problem with an input or a run, produced through the code that reports it:
// the examples of grammar/errors.md's non-spec codes (test/language/docs/error-examples.test.ts
// holds that each code has one, here or in the test of the part that reports it).
import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { Code } from "../../src/diagnostics/catalog.js";
import type { Problem } from "../../src/diagnostics/problem.js";
import { problemToJson, renderProblem, renderText } from "../../src/diagnostics/render.js";
import { parseConnectorSettings } from "../../src/connectors/settings.js";
import { parseEventFile } from "../../src/input/event.js";
import { resolveParams } from "../../src/input/params.js";
import { parseSnapshot, readSnapshotFile } from "../../src/input/snapshots.js";
import { compileSpec } from "../../src/language/compile.js";
import { readPlanFile } from "../../src/language/plan-file.js";
import { readDefinition } from "../../src/language/systems/load.js";
import { assemble } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { SourceFile } from "../../src/source/source-file.js";
import { prepareCase } from "../../src/spectest/inputs.js";
import { StateStoreError } from "../../src/stores/service-store.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { lockStore } from "../../src/stores/store-lock.js";
import { APPLY_LOCK_WAIT_MS, lockForApply } from "../../src/cli/apply-lock.js";
import type { Plan } from "../../src/plan/types.js";
import { readTestFile } from "../../src/spectest/format.js";
import { parseState } from "../../src/state/state.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { expectExample, expectExampleText } from "./examples.js";
import { run } from "../engine/support.js";

const RD = SYSTEMS.get("raisedonors")!;
const DONOR = '{"id": "1", "firstName": "Ann", "lastName": "Lee", "isOrganization": false, "organizationName": null, "email": null, "phone": null, "address": null, "crmKey": null, "modifiedDate": "2026-01-01T00:00:00Z", "isArchived": false}';

function compiled(text: string, file = "specs/x.sync"): Plan {
  const result = compileSpec(text, file, SYSTEMS);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.plan!;
}

const snapshot = (text: string, file = "rd.json"): readonly Problem[] => parseSnapshot(text, file, RD).problems;
const state = (text: string): readonly Problem[] => {
  const read = parseState(text, "state.json", "raisedonors-virtuous");
  return "problems" in read ? read.problems : [];
};
const event = (text: string): readonly Problem[] => {
  const read = parseEventFile(text, "event.json");
  return "problems" in read ? read.problems : [];
};

const VOMO = compiled(`sync vomo <-> virtuous\nparam connected_at: datetime\nparam removals: "keep" | "remove" = "keep"\n`, "specs/p.sync");
const params = (given: [string, string][]): readonly Problem[] => {
  const resolved = resolveParams(VOMO, given);
  return "problems" in resolved ? resolved.problems : [];
};

const PLAN_TEXT = JSON.stringify(compiled("sync raisedonors <-> virtuous\n", "specs/rv.sync"), null, 2);
const planFile = (edit: (plan: Record<string, unknown>) => void): readonly Problem[] => {
  const plan = JSON.parse(PLAN_TEXT) as Record<string, unknown>;
  edit(plan);
  const read = readPlanFile(JSON.stringify(plan, null, 2), "x.plan.json", SYSTEMS);
  return "problems" in read ? read.problems : [];
};

/** The problems of a test file, the file's own and its cases'. */
function testFile(text: string): readonly Problem[] {
  const read = readTestFile(text, "specs/x.test.yaml");
  return [...read.problems, ...(read.testFile?.cases ?? []).flatMap((c) => c.problems)];
}

/** Each code with the mistake that makes it. */
const EXAMPLES: [Code, string, () => readonly Problem[]][] = [
  ["INP002", "a snapshot that is not JSON", () => snapshot('{"donors": {"1": }}')],
  ["INP003", "a snapshot that is not YAML", () => snapshot("donors:\n  '1': {id: '1'\n", "rd.yaml")],
  ["INP004", "a record written twice", () => snapshot(`{"donors": {"1": ${DONOR}, "1": ${DONOR}}}`)],
  ["SNP001", "a snapshot that is a list", () => snapshot("[]")],
  ["SNP002", "a collection the system does not have", () => snapshot('{"donations": {}}')],
  ["SNP003", "a collection that is a list", () => snapshot('{"donors": []}')],
  ["SNP004", "a record whose field has the wrong type", () => snapshot(`{"donors": {"1": ${DONOR.replace('"isArchived": false', '"isArchived": "no"')}}}`)],
  ["SNP005", "a record filed under another key", () => snapshot(`{"donors": {"2": ${DONOR}}}`)],
  ["SNP006", "a YAML record key that is a number", () => snapshot(`donors:\n  1: ${DONOR}\n`, "rd.yaml")],
  ["PAR001", "a param the spec does not declare", () => params([["conected_at", "2026-01-01T00:00:00Z"]])],
  ["PAR002", "a param value outside its allowed values", () => params([["connected_at", "2026-01-01T00:00:00Z"], ["removals", "drop"]])],
  ["PAR003", "a required param left out", () => params([])],
  ["EVT001", "an event without a recordId", () => event('{"system": "raisedonors", "type": "donor.updated"}')],
  ["STA001", "a state file of something else", () => state('{"syncspec": "plan"}')],
  ["STA002", "a state file of a version this syncspec does not read", () => state('{"syncspec": "state", "version": 9}')],
  ["STA003", "another integration's state", () => state('{"syncspec": "state", "version": 2, "integration": "vomo-virtuous", "lastRun": null, "links": {}}')],
  ["STA004", "a state file whose lastRun is not a time", () => state('{"syncspec": "state", "version": 2, "integration": "raisedonors-virtuous", "lastRun": "soon", "links": {}}')],
  ["PLN001", "a plan file of something else", () => planFile((p) => (p["syncspec"] = "state"))],
  ["PLN002", "a plan of another version", () => planFile((p) => (p["version"] = 2))],
  ["PLN003", "a plan edited by hand", () => planFile((p) => (p["views"] = "none"))],
  ["PLN004", "a plan compiled against another definition", () => planFile((p) => ((p["fingerprints"] as Record<string, string>)["raisedonors"] = `sha256:${"0".repeat(64)}`))],
  ["INP001", "a snapshot file that is not there", () => readSnapshotFile("no-such-snapshot.json", RD).problems],
  ["TST001", "a case that is a list", () => testFile("spec: x.sync\ncases:\n  - [name]\n")],
  ["TST002", "a case with a misspelt key", () => testFile("spec: x.sync\ncases:\n  - name: a\n    snapshot: {}\n    snapshots: {}\n    runs: [{now: 2026-11-01T00:00:00Z, expect: {}}]\n")],
  ["TST003", "a test file without cases", () => testFile("spec: x.sync\n")],
  ["TST005", "an alias that names no anchor", () => testFile("spec: x.sync\ncases: *nothing\n")],
  ["TST004", "two cases of a test file with one name", () => {
    const read = readTestFile("spec: x.sync\ncases:\n  - name: same\n    snapshots: {}\n    runs: [{now: 2026-11-01T00:00:00Z, expect: {}}]\n  - name: same\n    snapshots: {}\n    runs: [{now: 2026-11-01T00:00:00Z, expect: {}}]\n", "specs/x.test.yaml");
    return (read.testFile?.cases ?? []).flatMap((c) => c.problems).filter((p) => p.code === "TST004");
  }],
];

describe("the codes of problems with inputs", () => {
  it.each(EXAMPLES)("%s: %s", (code, _, make) => {
    const found = make();
    expect(found.length, "the mistake is reported").toBeGreaterThan(0);
    expect(found[0]!.code).toBe(code);
    expect(renderProblem(found[0]!)).toContain(` ${code}`);
    expect(problemToJson(found[0]!)).toMatchObject({ code, severity: "error", file: found[0]!.file });
    expectExample(code, found[0]!);
  });
});

describe("the codes of runs that stop", () => {
  it("RUN001: a spec whose rule keeps changing what it reads never settles", () => {
    const plan = compiled(`sync momentum <-> virtuous\nfrom p in momentum.portfolios\n  upsert momentum.portfolios key p.id {\n    fundraiser_id = p.fundraiser_id\n    system_managed = p.system_managed\n    donor_ids = p.donor_ids\n    name = p.name + "!"\n  }\n`, "specs/loop.sync");
    const portfolios = { p1: { id: "p1", fundraiser_id: "f1", name: "P", system_managed: true, donor_ids: [] } };
    const result = run(plan, { momentum: { portfolios }, virtuous: {} } as never);
    expect(result.failure).toMatchObject({ code: "RUN001", file: "specs/loop.sync" });
    expect(renderProblem(result.failure!)).toMatch(/^specs\/loop\.sync: error RUN001: the spec never settles/);
    expectExample("RUN001", result.failure!);
  });

  it("RUN002: a run that would remove more than its limit allows", () => {
    const momentum = {
      fundraisers: { f1: { id: "f1", name: "F", crm_user_id: "re1", user_id: "u1" } },
      donors: { d1: { id: "d1", crm_id: "c1", name: "D" }, d2: { id: "d2", crm_id: "c2", name: "D" } },
      portfolios: { "f1-crm-assignments": { id: "f1-crm-assignments", fundraiser_id: "f1", name: "CRM Assignments", system_managed: true, donor_ids: ["d1", "d2"] } },
    };
    const result = run("momentum-raisersedge", { raisersedge: { fundraiser_assignments: {} }, momentum });
    expect(result.failure).toMatchObject({ code: "RUN002", file: "specs/momentum-raisersedge.sync" });
    expect(renderProblem(result.failure!)).toMatch(/^specs\/momentum-raisersedge\.sync:\d+:\d+: error RUN002: the run would remove 2 of the 2 donor_ids/);
    expect(result.changes).toEqual([]);
    expectExample("RUN002", result.failure!);
  });
});

/** What went wrong in `make`, as the store reports it (a StateStoreError's problem). */
function storeProblem(make: () => unknown): Problem {
  try {
    make();
  } catch (error) {
    if (error instanceof StateStoreError) return error.problem;
    throw error;
  }
  throw new Error("the store reported nothing");
}

describe("the codes of the service's store, deployments and connector settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-codes-"));
  // The examples name files as a user in the folder would see them, not by the test's temporary folder.
  const local = (p: Problem): Problem => ({ ...p, file: relative(dir, p.file), message: p.message.replaceAll(`${dir}/`, "") });

  it("SVC001: a state file in a folder that is not there", () => {
    expectExample("SVC001", local(storeProblem(() => new SqliteServiceStore(join(dir, "nowhere", "state.db")))));
  });

  it("SVC002: a JSON state file of `apply` named as the store", () => {
    const file = join(dir, "state.json");
    writeFileSync(file, '{"syncspec": "state", "version": 2, "links": {}}\n'.repeat(100));
    expectExample("SVC002", local(storeProblem(() => new SqliteServiceStore(file))));
  });

  it("SVC003: a store whose schema version was changed outside syncspec", () => {
    const file = join(dir, "changed.db");
    new SqliteServiceStore(file).close();
    const db = new Database(file);
    db.prepare("UPDATE schema_version SET version = 'x'").run();
    db.close();
    expectExample("SVC003", local(storeProblem(() => new SqliteServiceStore(file))));
  });

  it("SVC004: a store another live process holds", () => {
    const file = join(dir, "held.db");
    const lock = lockStore(file);
    try {
      // The owner is this process; its id differs from run to run, so the example shows 4242.
      const found = local(storeProblem(() => lockStore(file)));
      expectExample("SVC004", { ...found, message: found.message.replace(`process ${process.pid}`, "process 4242") });
    } finally {
      lock.release();
    }
  });

  it("INP006: a file another apply holds past the wait, and one written meanwhile by a program that takes no lock", () => {
    const file = join(dir, "shared.json");
    writeFileSync(file, "{}");
    const held = lockForApply([file], { waitMs: 0, waiting: () => {} });
    if ("refused" in held) throw new Error(held.refused.message);
    try {
      const refused = lockForApply([file], { waitMs: 0, waiting: () => {} });
      expect("refused" in refused && refused.refused.code).toBe("INP006");
      const found = local((refused as { refused: Problem }).refused);
      // The owner is this process, whose id differs from run to run, and the test waits no time: the example shows 4242 and apply's wait.
      expectExample("INP006", { ...found, message: found.message.replace(`process ${process.pid}`, "process 4242").replace("after 0 seconds", `after ${APPLY_LOCK_WAIT_MS / 1000} seconds`) });
      expect(held.changed()).toBeUndefined();
      writeFileSync(file, '{"donors": {}}');
      expect(held.changed()).toMatchObject({ code: "INP006", file, message: expect.stringContaining("written by another program") });
    } finally {
      held.release();
    }
  });

  /** The problems of a deployment in `dir`: its own, then those of assembling it. */
  function deployment(lines: readonly string[], env: Record<string, string> = { RD_TOKEN: "rd", V_TOKEN: "v" }): readonly Problem[] {
    const file = join(dir, "deploy.yaml");
    const parsed = parseDeployment(`${lines.join("\n")}\n`, file);
    if ("problems" in parsed) return parsed.problems.map(local);
    const assembled = assemble(parsed, { systems: SYSTEMS, env, show: (p) => relative(dir, p) });
    if (!("problems" in assembled)) {
      for (const c of assembled.connections.values()) void c.connector.close();
      return [];
    }
    return assembled.problems;
  }
  const CONNECTIONS = [
    "connections:",
    "  raisedonors: {url: https://api.raisedonors.com/v1, token: {env: RD_TOKEN}}",
    "  virtuous: {url: https://api.virtuoussoftware.com/api, token: {env: V_TOKEN}}",
  ];
  writeFileSync(join(dir, "rv.sync"), readFileSync(join(ROOT, "specs", "raisedonors-virtuous.sync"), "utf8"));
  writeFileSync(join(dir, "broken.sync"), "sync raisedonors <-> virtuos\n");

  it("DEP001: a connection with both a url and a file", () => {
    expectExample("DEP001", deployment(["connections:", "  raisedonors: {url: https://api.raisedonors.com/v1, file: rd.json, token: {env: RD_TOKEN}}", "integrations:", "  rv: {spec: rv.sync}"])[0]!);
  });

  it("DEP002: a token written into the deployment file", () => {
    expectExample("DEP002", deployment(["connections:", "  raisedonors: {url: https://api.raisedonors.com/v1, token: rd_live_8f2k}", "integrations:", "  rv: {spec: rv.sync}"])[0]!);
  });

  it("DEP003: an integration routed through a connection the deployment does not define", () => {
    expectExample("DEP003", deployment([...CONNECTIONS, "integrations:", "  rv: {spec: rv.sync, connections: {virtuous: crm}}"])[0]!);
  });

  it("DEP004: a token whose environment variable is not set", () => {
    expectExample("DEP004", deployment([...CONNECTIONS, "integrations:", "  rv: {spec: rv.sync}"], { RD_TOKEN: "rd" })[0]!);
  });

  it("DEP005: an integration whose spec does not compile", () => {
    expectExample("DEP005", deployment([...CONNECTIONS, "integrations:", "  rv: {spec: broken.sync}"])[0]!);
  });

  it("CON001: connector settings with a pagination style there is not", () => {
    const settings = parseConnectorSettings("pagination: pages\n", "integrations/virtuous/connector.yaml", SYSTEMS.get("virtuous")!);
    expectExample("CON001", settings.problems[0]!);
  });
});

describe("the codes of a spec test's names and events", () => {
  const PLAN = compiled(readFileSync(join(ROOT, "specs", "raisedonors-virtuous.sync"), "utf8"), "specs/raisedonors-virtuous.sync");
  /** The problems of preparing the first case of a test file against the RaiseDonors-Virtuous plan. */
  const prepared = (text: string): readonly Problem[] => {
    const read = readTestFile(text, "specs/raisedonors-virtuous.test.yaml");
    const testCase = read.testFile!.cases[0]!;
    return prepareCase(read.testFile!, testCase, PLAN, SYSTEMS).problems;
  };

  it("TST006: a snapshot of a system the spec does not join", () => {
    const found = prepared("spec: raisedonors-virtuous.sync\ncases:\n  - name: a\n    snapshots: {raisedonors: {}, virtous: {}}\n    runs: [{now: 2026-11-01T00:00:00Z, expect: {}}]\n");
    expectExample("TST006", found[0]!);
  });

  it("EVT002: an event its system does not send", () => {
    const found = prepared("spec: raisedonors-virtuous.sync\ncases:\n  - name: a\n    snapshots: {raisedonors: {}, virtuous: {}}\n    runs: [{now: 2026-11-01T00:00:00Z, event: {system: raisedonors, type: donor.deleted, recordId: '1'}, expect: {}}]\n");
    expectExample("EVT002", found[0]!);
  });
});

describe("the codes of a run's time, and of a spec's text and systems that no golden spec shows", () => {
  it("INP005: a --now that is not a datetime", () => {
    const cli = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "plan", "specs/raisedonors-virtuous.sync", "--snapshot", "raisedonors=integrations/raisedonors/sample.json", "--snapshot", "virtuous=integrations/virtuous/sample.json", "--now", "tomorrow"], { cwd: ROOT, encoding: "utf8" });
    expect(cli.status).toBe(1);
    expectExampleText("INP005", cli.stderr.split("\n").find((line) => line.includes("INP005"))!);
  });

  it("LEX004: a spec larger than 1 MiB", () => {
    const text = `sync raisedonors <-> virtuous\n${"# a comment that pads the spec\n".repeat(40_000)}`;
    const found = compileSpec(text, "specs/huge.sync", SYSTEMS).diagnostics;
    expect(found[0]!.code).toBe("LEX004");
    expectExampleText("LEX004", renderText(found[0]!, new SourceFile("specs/huge.sync", text)));
  });

  it("SYS001: a system definition whose collections are not a map", () => {
    const source = new SourceFile("integrations/acme/system.yaml", "system: acme\ncollections: [donors]\n");
    const found = readDefinition(source, "acme").diagnostics;
    expect(found[0]!.code).toBe("SYS001");
    expectExampleText("SYS001", renderText(found[0]!, source));
  });
});
