// Running one case: its runs in order, as `syncspec apply` would run them one after another
// on the same files. Before each run its edit is merged into the snapshots; after it, its
// patches are applied and its state kept, so the next run sees what this one wrote.
import { context, message } from "../diagnostics/catalog.js";
import { problem, type Place, type Problem } from "../diagnostics/problem.js";
import { renderProblem } from "../diagnostics/render.js";
import type { Plan } from "../plan/types.js";
import { applyChanges } from "../engine/apply-changes.js";
import { runPlan, type RunResult } from "../engine/run.js";
import { parseSnapshot, type Snapshot } from "../input/snapshots.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { compareRun } from "./expect.js";
import type { TestCase, TestFile } from "./format.js";
import { prepareCase, recordPlace } from "./inputs.js";
import { mergePatch } from "./merge-patch.js";

export interface CaseResult {
  readonly file: string;
  readonly integration: string;
  readonly name: string;
  readonly line: number;
  readonly covers?: string;
  readonly status: "passed" | "failed";
  readonly failures: Failure[];
}

/**
 * One thing that went wrong: in a run (1-based), or with the case as written. A failure
 * that is a problem (with the case, an input or the run, rather than a difference from what
 * the case expects) carries it, code and all, and its message is the problem rendered.
 */
export interface Failure {
  readonly run?: number;
  readonly message: string;
  readonly problem?: Problem;
}

export function caseResult(testFile: TestFile, testCase: TestCase, integration: string, failures: Failure[]): CaseResult {
  return {
    file: testFile.file,
    integration,
    name: testCase.name,
    line: testCase.line,
    ...(testCase.covers !== undefined ? { covers: testCase.covers } : {}),
    status: failures.length === 0 ? "passed" : "failed",
    failures,
  };
}

const asFailures = (problems: readonly Problem[]): Failure[] => problems.map((p) => ({ message: renderProblem(p), problem: p }));

/** A snapshot's problem as a run of the case met it: its own code (SNP004 ...), at `place`, after `context`, which says how the case made it. */
function inRun(found: Problem, place: Place, context: string): Problem {
  return { code: found.code, severity: found.severity, ...place, message: `${context}${found.message}` };
}

export function runCase(testFile: TestFile, testCase: TestCase, plan: Plan, systems: SystemCatalog): CaseResult {
  const done = (failures: Failure[]) => caseResult(testFile, testCase, plan.integration, failures);
  // Problems with the case's shape and with what it names in the spec are reported together,
  // so that an author fixes them in one go.
  const prepared = prepareCase(testFile, testCase, plan, systems);
  if (testCase.problems.length > 0 || !prepared.inputs) {
    const all = [...testCase.problems, ...prepared.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return done(asFailures(all));
  }
  const { documents, params } = prepared.inputs;
  let state = prepared.inputs.state;
  const failures: Failure[] = [];

  for (let r = 0; r < testCase.runs.length; r++) {
    const run = testCase.runs[r]!;
    const number = r + 1;
    const fail = (message: string): void => void failures.push({ run: number, message });
    const failWith = (found: Problem): void => void failures.push({ run: number, message: renderProblem(found), problem: found });
    /** Where the case writes a part of this run, for a problem the run finds. */
    const runPlace = (...path: (string | number)[]) => ({ file: testFile.file, ...testFile.locate.at(["cases", testCase.index, "runs", r, ...path]) });

    for (const [system, patch] of run.edit) documents.set(system, mergePatch(documents.get(system), patch));
    // Each run reads its snapshots afresh: what the edits made must be valid like any
    // snapshot, and the runtime gets records no earlier run can still hold on to.
    const snapshots = new Map<string, Snapshot>();
    for (const [system, document] of documents) {
      const parsed = parseSnapshot(JSON.stringify(document), `${system}.json`, systems.get(system)!);
      if (parsed.snapshot) {
        snapshots.set(system, parsed.snapshot);
        continue;
      }
      // The snapshot's problems keep their codes (SNP004 ...), at the edit that made them, or at the run.
      const edited = run.edit.has(system);
      for (const p of parsed.problems) {
        const where = recordPlace(system, p.pointer);
        failWith(edited ? inRun(p, runPlace("edit", system), context("testEdit", { system, where })) : inRun(p, runPlace(), context("testRun", { run: r, where })));
      }
    }
    if (snapshots.size < documents.size) break;

    const now = run.now ?? testCase.now!;
    let result: RunResult;
    try {
      result = runPlan({ plan, systems, snapshots, state, now, params, ...(run.event ? { event: run.event } : {}) });
    } catch (error) {
      // A defect in syncspec, not in the case: fail this case and go on with the others.
      failWith(problem(runPlace(), message("RUN005", "insideTestRun", { reason: (error as Error).message })));
      break;
    }

    // A failed run changes nothing: the snapshots and the state stay as they were.
    if (!result.failure) {
      for (const system of documents.keys()) {
        try {
          applyChanges(documents.get(system), system, result.changes);
        } catch (error) {
          // The runtime wrote changes its own snapshot cannot take: a defect, as above.
          failWith(problem(runPlace(), message("RUN005", "testChangesDoNotApply", { system, reason: (error as Error).message.replace(/^runtime: /, "") })));
        }
      }
      state = result.state;
    }
    for (const message of compareRun(run.expect, result, documents)) fail(message);
    // A run that failed unexpectedly leaves nothing sensible for the next to check.
    if (result.failure && run.expect.fails === undefined) {
      if (r < testCase.runs.length - 1) fail(`run${r + 2 < testCase.runs.length ? "s" : ""} ${r + 2}${r + 2 < testCase.runs.length ? `-${testCase.runs.length}` : ""} did not run`);
      break;
    }
  }
  return done(failures);
}
