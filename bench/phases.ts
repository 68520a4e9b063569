// `npm run bench -- phases`: where `plan`'s time goes, in one process over the runtime
// benchmark's data: each phase as `plan` runs it (compile, each snapshot, the state), then
// `runPlan` several times. Not a figure with a target: a tool for comparing two versions of
// the code on a machine whose speed drifts, where the fastest of several runs of one phase
// says more than one whole-process time.
import { readFileSync } from "node:fs";
import { compileSpec } from "../src/language/compile.js";
import { runPlan } from "../src/engine/run.js";
import { startReadingSnapshot } from "../src/input/outlined-snapshot.js";
import { readSnapshotFile } from "../src/input/snapshots.js";
import { JsonFileStateStore } from "../src/state/state.js";
import { loadSystems } from "../src/language/systems/load.js";

const [raisedonorsFile, virtuousFile, stateFile, runs = "5"] = process.argv.slice(2) as [string, string, string, string?];
const SPEC = "specs/raisedonors-virtuous.sync";
let last = performance.now();
const lap = (phase: string): number => {
  const now = performance.now();
  const ms = now - last;
  last = now;
  console.log(`| ${phase} | ${ms.toFixed(0)} ms |`);
  return ms;
};

console.log("| phase | time |\n|---|---|");
const reads = [startReadingSnapshot(raisedonorsFile), startReadingSnapshot(virtuousFile)];
const loaded = loadSystems("integrations");
const plan = compileSpec(readFileSync(SPEC, "utf8"), SPEC, loaded.systems).plan!;
lap("compile the spec");
const raisedonors = readSnapshotFile(raisedonorsFile, loaded.systems.get("raisedonors")!, reads[0]);
lap("read and check raisedonors");
const virtuous = readSnapshotFile(virtuousFile, loaded.systems.get("virtuous")!, reads[1]);
lap("read and check virtuous");
const state = new JsonFileStateStore(stateFile).load(plan.integration);
if ("problems" in state || !raisedonors.snapshot || !virtuous.snapshot) throw new Error("the benchmark's data does not load");
lap("read the state");
const snapshots = new Map([
  ["raisedonors", raisedonors.snapshot],
  ["virtuous", virtuous.snapshot],
]);
const times: number[] = [];
for (let i = 0; i < Number(runs); i++) {
  runPlan({ plan, systems: loaded.systems, snapshots, state, now: "2026-11-05T00:00:00Z", params: new Map() });
  times.push(lap(`runPlan, run ${i + 1}`));
}
console.log(`| runPlan, fastest of ${times.length} | ${Math.min(...times).toFixed(0)} ms |`);
