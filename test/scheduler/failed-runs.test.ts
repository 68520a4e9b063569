// A run that stops is recorded as failed with a code from the catalog, whatever stopped it:
// RUN003 a system could not be read, RUN004 one could not be written, RUN001/RUN002 the
// engine's own failures, RUN005 a defect, SVC00x the store. The code goes with the summary,
// the stored run, the line `syncspec run` prints and the history `syncspec runs` prints.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { message } from "../../src/diagnostics/catalog.js";
import { progressLine } from "../../src/cli/run-report.js";
import { showRuns } from "../../src/cli/runs.js";
import type { Connector } from "../../src/connectors/connector.js";
import { runPlan } from "../../src/engine/run.js";
import { resolveParams } from "../../src/input/params.js";
import { specOrPlan } from "../../src/language/plan-file.js";
import type { Plan } from "../../src/plan/types.js";
import { runIntegration, type LoadedIntegration, type RunServices, type RunSummary } from "../../src/scheduler/run-integration.js";
import { StateStoreError, type ServiceStore } from "../../src/stores/service-store.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { sampleConnector as connector } from "./support.js";
import { expectExampleText } from "../diagnostics/examples.js";

// The engine as it is, but for the runs a test makes fail its own way.
vi.mock("../../src/engine/run.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/engine/run.js")>();
  return { ...real, runPlan: vi.fn(real.runPlan) };
});

const SPEC = join(ROOT, "specs", "raisedonors-virtuous.sync");
const PLAN: Plan = specOrPlan(SPEC, readFileSync(SPEC, "utf8"), "specs/raisedonors-virtuous.sync", SYSTEMS).plan!;
const PARAMS = resolveParams(PLAN, []) as Map<string, unknown>;
const INTEGRATION: LoadedIntegration = { name: "raisedonors-virtuous", plan: PLAN, params: PARAMS, connections: new Map([["raisedonors", "raisedonors"], ["virtuous", "virtuous"]]), schedules: [] };

const opened: SqliteServiceStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  vi.mocked(runPlan).mockClear();
});

function services(overrides: { raisedonors?: Partial<Connector>; virtuous?: Partial<Connector>; store?: (store: ServiceStore) => ServiceStore } = {}): RunServices & { store: ServiceStore; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), "syncspec-failed-runs-")), "state.db");
  const sqlite = new SqliteServiceStore(file);
  opened.push(sqlite);
  return {
    systems: SYSTEMS,
    connectors: new Map([
      ["raisedonors", connector("raisedonors", overrides.raisedonors)],
      ["virtuous", connector("virtuous", overrides.virtuous)],
    ]),
    store: overrides.store ? overrides.store(sqlite) : sqlite,
    now: () => new Date("2026-03-01T12:00:00Z"),
    file,
  };
}

const FULL = { label: "full run" };

/** A failed run's line as `syncspec run` prints it, the example of its code in grammar/errors.md (its time fixed). */
const shown = (summary: RunSummary): string => progressLine({ kind: "run", summary: { ...summary, seconds: 0.4 } });

describe("a failed run's code", () => {
  it("a run that goes through has none", async () => {
    const s = services();
    const summary = await runIntegration(INTEGRATION, FULL, s);
    expect(summary.status).toBe("ok");
    expect(summary).not.toHaveProperty("code");
    expect((await s.store.runs())[0]).not.toHaveProperty("code");
  });

  it("RUN003: reading a system failed; kept with the run, shown on its line", async () => {
    const s = services({ virtuous: { read: () => Promise.reject(new Error("GET /contacts answered 500, still after 3 tries")) } });
    const summary = await runIntegration(INTEGRATION, FULL, s);
    expect(summary).toMatchObject({ status: "failed", code: "RUN003", message: "reading failed: GET /contacts answered 500, still after 3 tries" });
    expect((await s.store.runs())[0]).toMatchObject({ status: "failed", code: "RUN003", message: "reading failed: GET /contacts answered 500, still after 3 tries" });
    expect(progressLine({ kind: "run", summary }).split("\n")).toEqual([
      expect.stringMatching(/^ {2}failed +raisedonors-virtuous \(full run, [\d.]+s\): nothing was changed$/),
      "             RUN003: reading failed: GET /contacts answered 500, still after 3 tries",
    ]);
    expectExampleText("RUN003", shown(summary));
  });

  it("RUN004: writing failed for the connection, not one record", async () => {
    const s = services({ virtuous: { write: () => Promise.reject(new Error("the connection was reset")) } });
    const summary = await runIntegration(INTEGRATION, FULL, s);
    expect(summary).toMatchObject({ status: "failed", code: "RUN004", message: "writing to virtuous failed: the connection was reset" });
    expect((await s.store.runs())[0]!.code).toBe("RUN004");
    expectExampleText("RUN004", shown(summary));
  });

  it("RUN001 and RUN002: the engine's own failure keeps its code; one without a code is taken for a defect (RUN005)", async () => {
    const real = (await vi.importActual<typeof import("../../src/engine/run.js")>("../../src/engine/run.js")).runPlan;
    const limit = "the run would remove 3 of 4 (75%) values of virtuous.contacts.tags; the limit is 10%";
    vi.mocked(runPlan).mockImplementationOnce((input) => ({ ...real(input), failure: { code: "RUN002", severity: "error", file: "specs/raisedonors-virtuous.sync", message: limit } }));
    const s = services();
    expect(await runIntegration(INTEGRATION, FULL, s)).toMatchObject({ status: "failed", code: "RUN002", message: limit });
    expect((await s.store.runs())[0]).toMatchObject({ code: "RUN002", message: limit });

    vi.mocked(runPlan).mockImplementationOnce((input) => ({ ...real(input), failure: { code: "RUN001", severity: "error", file: "specs/raisedonors-virtuous.sync", message: "the spec never settles" } }));
    expect((await runIntegration(INTEGRATION, FULL, s)).code).toBe("RUN001");

    // A failure as the engine gave it before it had codes: { message, span }.
    vi.mocked(runPlan).mockImplementationOnce((input) => ({ ...real(input), failure: { message: "stopped", span: { start: 0, end: 1 } } as never }));
    expect(await runIntegration(INTEGRATION, FULL, s)).toMatchObject({ status: "failed", code: "RUN005", message: "stopped" });
  });

  it("RUN005: an error of syncspec itself", async () => {
    vi.mocked(runPlan).mockImplementationOnce(() => {
      throw new TypeError("x is undefined");
    });
    const s = services();
    const summary = await runIntegration(INTEGRATION, FULL, s);
    expect(summary).toMatchObject({ status: "failed", code: "RUN005", message: "internal error: x is undefined; please report it" });
    expectExampleText("RUN005", shown(summary));
  });

  it("SVC00x: the store's problem, with its code", async () => {
    const s = services({
      store: (store) =>
        Object.assign(Object.create(store) as ServiceStore, {
          loadState: () => {
            throw new StateStoreError("state.db", message("SVC003", "sqlite", { file: "state.db", reason: "database disk image is malformed" }));
          },
        }),
    });
    expect(await runIntegration(INTEGRATION, FULL, s)).toMatchObject({ status: "failed", code: "SVC003", message: "state.db: SQLite says: database disk image is malformed" });
    expect((await s.store.runs())[0]!.code).toBe("SVC003");
  });
});

describe("syncspec runs", () => {
  it("shows a failed run's code before its message, and gives it in --json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-runs-"));
    writeFileSync(join(dir, "deploy.yaml"), "state: state.db\nconnections: {}\nintegrations:\n  donors: {spec: donors.sync}\n");
    const store = new SqliteServiceStore(join(dir, "state.db"));
    const run = (await store.startRun("donors", "full run", "2026-03-01T12:00:00Z"));
    await store.finishRun(run, { status: "failed", at: "2026-03-01T12:00:01Z", counts: {}, code: "RUN003", message: "reading failed: crm answered 500", failures: [], cleared: [] });
    store.close();

    const text: string[] = [];
    expect(await showRuns({ deployment: join(dir, "deploy.yaml"), limit: 10, json: false, sandbox: false }, (t) => text.push(t), (t) => text.push(t))).toBe(0);
    expect(text.join("")).toContain("failed      donors (full run)\n       RUN003: reading failed: crm answered 500\n");

    const json: string[] = [];
    await showRuns({ deployment: join(dir, "deploy.yaml"), limit: 10, json: true, sandbox: false }, (t) => json.push(t), (t) => json.push(t));
    expect((JSON.parse(json.join("")) as { runs: unknown[] }).runs[0]).toMatchObject({ status: "failed", code: "RUN003", message: "reading failed: crm answered 500" });
  });

  it("names an integration the deployment does not have, at its integrations (DEP003)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-runs-"));
    writeFileSync(join(dir, "deploy.yaml"), "connections: {}\nintegrations:\n  donors: {spec: donors.sync}\n");
    const err: string[] = [];
    expect(await showRuns({ deployment: join(dir, "deploy.yaml"), integration: "donor", limit: 10, json: false, sandbox: false }, () => undefined, (t) => err.push(t))).toBe(1);
    expect(err.join("")).toMatch(/deploy\.yaml:2:1: error DEP003 at \/integrations: there is no integration "donor"; the integrations are donors\n$/);
  });

  it("renders a store it cannot use with its code, not a stack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-runs-"));
    writeFileSync(join(dir, "deploy.yaml"), "state: state.db\nconnections: {}\nintegrations:\n  donors: {spec: donors.sync}\n");
    writeFileSync(join(dir, "state.db"), '{"syncspec": "state"}\n'.repeat(100));
    const err: string[] = [];
    expect(await showRuns({ deployment: join(dir, "deploy.yaml"), limit: 10, json: false, sandbox: false }, () => undefined, (t) => err.push(t))).toBe(1);
    expect(err.join("")).toMatch(/state\.db: error SVC002: \S+state\.db is not a SQLite database/);
  });
});
