// The service's planning thread gives what runPlan gives on the calling thread: for every
// seed spec over its sample data, a first run and the run after it (with the state kept),
// the same patches, outcomes, failure and state. A defect there fails the run as it would here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PlanThread } from "../../src/engine/plan-thread.js";
import { runPlan, type RunInput, type RunResult } from "../../src/engine/run.js";
import type { Snapshot } from "../../src/input/snapshots.js";
import type { Plan } from "../../src/plan/types.js";
import { ROOT, SEED_SPECS, SYSTEMS } from "../helpers.js";
import { applyAll, NOW, paramsFor, seedPlan, toSnapshot, type Docs } from "./support.js";

const thread = PlanThread.start(new URL("../../dist/plan-worker.js", import.meta.url));
if (!thread) throw new Error("dist/plan-worker.js is not built: run npm run build");
afterAll(() => thread.close());

/** The params a seed spec needs given. */
const PARAMS: Record<string, Record<string, unknown>> = { "vomo-virtuous": { connected_at: "2026-01-01T00:00:00Z" } };

function sample(system: string): Docs[string] {
  return JSON.parse(readFileSync(join(ROOT, "integrations", system, "sample.json"), "utf8")) as Docs[string];
}

function inputOf(spec: string, plan: Plan, docs: Docs, state?: RunResult["state"]): RunInput {
  const snapshots = new Map<string, Snapshot>();
  for (const system of [plan.systems.left, plan.systems.right]) snapshots.set(system, toSnapshot(system, docs[system] ?? {}));
  return { plan, systems: SYSTEMS, snapshots, now: NOW, params: paramsFor(plan, PARAMS[spec]), ...(state ? { state } : {}) };
}

/** What a run gives, as plain values. */
function given(result: RunResult): unknown {
  return {
    patches: result.patches,
    outcomes: result.outcomes,
    failure: result.failure ?? null,
    uncarried: result.uncarried ? [...result.uncarried] : null,
    state: [...result.state.synced].map(([id, pairs]) => [id, [...pairs].map(([left, p]) => [left, p.right, { ...p.values }])]),
  };
}

describe("the planning thread", () => {
  for (const { name } of SEED_SPECS) {
    it(`${name}: plans as runPlan does, a first run and the next`, async () => {
      const plan = seedPlan(name);
      const docs: Docs = { [plan.systems.left]: sample(plan.systems.left), [plan.systems.right]: sample(plan.systems.right) };
      const first = runPlan(inputOf(name, plan, docs));
      expect(given(await thread.plan(inputOf(name, plan, docs)))).toEqual(given(first));
      const after = first.failure ? docs : applyAll(docs, first.patches);
      const next = inputOf(name, plan, after, first.state);
      expect(given(await thread.plan(next))).toEqual(given(runPlan(next)));
    });
  }

  it("fails a run that throws there as it throws here, and plans the next", async () => {
    const name = "raisedonors-virtuous";
    const plan = seedPlan(name);
    const docs: Docs = { raisedonors: sample("raisedonors"), virtuous: sample("virtuous") };
    const broken = { ...inputOf(name, plan, docs), plan: { ...plan, links: null } as unknown as Plan };
    const here = (() => {
      try {
        runPlan(broken);
      } catch (error) {
        return (error as Error).message;
      }
      return "no error";
    })();
    await expect(thread.plan(broken)).rejects.toThrow(here);
    expect(given(await thread.plan(inputOf(name, plan, docs)))).toEqual(given(runPlan(inputOf(name, plan, docs))));
  });
});
