// A run keeps each collection's size, as a whole read would find it, for the next run's
// choice between queries and a whole read: the whole read's count, moved by every create and
// delete the run landed. A first run that fills an empty collection must not leave it
// counted empty, or the next run reads 10,000 records whole to find 100.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { resolveParams } from "../../src/input/params.js";
import { specOrPlan } from "../../src/language/plan-file.js";
import { runIntegration, type LoadedIntegration } from "../../src/scheduler/run-integration.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { sampleConnector } from "./support.js";

const SPEC = join(ROOT, "specs", "raisedonors-virtuous.sync");
const PLAN = specOrPlan(SPEC, readFileSync(SPEC, "utf8"), "specs/raisedonors-virtuous.sync", SYSTEMS).plan!;
const INTEGRATION: LoadedIntegration = { name: "raisedonors-virtuous", plan: PLAN, params: resolveParams(PLAN, []) as Map<string, unknown>, connections: new Map([["raisedonors", "rd"], ["virtuous", "v"]]), schedules: [] };

let store: SqliteServiceStore | undefined;
afterEach(() => store?.close());

it("counts a collection as a whole read found it, plus the records the run created, less those it deleted", async () => {
  store = new SqliteServiceStore(join(mkdtempSync(join(tmpdir(), "syncspec-totals-")), "state.db"));
  const totals = new Map<string, number>();
  const summary = await runIntegration(INTEGRATION, { label: "full run" }, {
    systems: SYSTEMS,
    connectors: new Map([["rd", sampleConnector("raisedonors")], ["v", sampleConnector("virtuous")]]),
    store,
    now: () => new Date("2026-03-01T12:00:00Z"),
    totals,
  });
  expect(summary.status).toBe("ok");
  const sample = (system: string, collection: string): number => Object.keys((JSON.parse(readFileSync(join(ROOT, "integrations", system, "sample.json"), "utf8")) as Record<string, object>)[collection] ?? {}).length;
  for (const [connection, system] of [["rd", "raisedonors"], ["v", "virtuous"]] as const) {
    for (const collection of Object.keys(PLAN.collections[system]!)) {
      const created = summary.outcomes.filter((o) => o.system === system && o.collection === collection && o.action === "create").length;
      const deleted = summary.outcomes.filter((o) => o.system === system && o.collection === collection && o.action === "delete").length;
      expect(totals.get(`${connection}.${collection}`), `${connection}.${collection}`).toBe(sample(system, collection) + created - deleted);
    }
  }
  // The sample's run creates contacts in Virtuous: the count moved by as many.
  const contacts = summary.outcomes.filter((o) => o.system === "virtuous" && o.collection === "contacts" && o.action === "create").length;
  expect(contacts).toBeGreaterThan(0);
  expect(totals.get("v.contacts")).toBe(sample("virtuous", "contacts") + contacts);
});
