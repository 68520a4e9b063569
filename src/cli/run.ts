// `syncspec plan` and `syncspec apply`: one run of a spec over snapshot files. `plan` only
// reads; `apply` writes each system's patched snapshot (each file replaced whole) and then
// the state. Any invalid input (spec, snapshot, param, event, state) stops the run before it
// starts, with the file and the place, and nothing is written.
import { stringify as toYaml } from "yaml";
import type { Problem } from "../diagnostics/problem.js";
import { problemToJson, renderProblem } from "../diagnostics/render.js";
import { writeFileAtomic } from "../json/write-atomic.js";
import { applyChanges } from "../engine/apply-changes.js";
import { runPlan, type RunResult } from "../engine/run.js";
import { startReadingSnapshot, stopReading, type SnapshotRead } from "../input/outlined-snapshot.js";
import { readSnapshotFile, type LoadedSnapshot, type Snapshot } from "../input/snapshots.js";
import { JsonFileStateStore } from "../state/state.js";
import { runSettings, snapshotFiles, specPlan, specText } from "./run-inputs.js";
import { APPLY_LOCK_WAIT_MS, lockForApply } from "./apply-lock.js";
import { reachedLines } from "./explain.js";

export interface RunOptions {
  spec: string;
  snapshots: string[];
  state?: string;
  now?: string;
  params: string[];
  event?: string;
  json: boolean;
  systems?: string;
}


export function runSpec(options: RunOptions, write: boolean, out: (t: string) => void, err: (t: string) => void): number {
  const report = (problems: readonly Problem[]): number => {
    for (const p of problems) err(`${renderProblem(p)}\n`);
    err(write ? "nothing was written\n" : "");
    // Tools get the same problems, with their codes, as JSON.
    if (options.json) out(`${JSON.stringify({ problems: problems.map(problemToJson) }, null, 2)}\n`);
    return 1;
  };

  const text = specText(options.spec);
  // Each --snapshot SYSTEM=FILE, split once.
  const given = options.snapshots.map((arg) => {
    const at = arg.indexOf("=");
    return { arg, at, system: arg.slice(0, at), file: arg.slice(at + 1) };
  });
  // apply holds the files it may write from before it reads them until it has written them:
  // two applies sharing a file would otherwise each write back what they read, dropping the other's changes.
  const waiting = (file: string, owner: string): void => err(`${file}: waiting for another syncspec apply (process ${owner}) to finish writing it\n`);
  const locks = write ? lockForApply([...given.filter((g) => g.at > 0).map((g) => g.file), ...(options.state ? [options.state] : [])], { waitMs: APPLY_LOCK_WAIT_MS, waiting }) : undefined;
  if (locks && "refused" in locks) {
    err(`${renderProblem(locks.refused)}\nnothing was written\n`);
    return 1;
  }
  const reads = new Map<string, SnapshotRead | undefined>();
  try {
    // Large snapshots start loading on the other core now, while the spec compiles and the
    // snapshots before them are parsed.
    for (const { at, file } of given) if (at > 0 && !reads.has(file)) reads.set(file, startReadingSnapshot(file));
    const loaded = specPlan(options.spec, text, options.systems, err);
    if (!loaded) return 1;
    const plan = loaded.plan;

    // Snapshots: one per system of the spec.
    const files = snapshotFiles(options.snapshots, plan);
    const snapshots = new Map<string, Snapshot>();
    const documents = new Map<string, LoadedSnapshot>();
    const problems: Problem[] = [];
    for (const [system, file] of files) {
      // A reading begun early is used once: a file given for both systems is read again for the second.
      const result = readSnapshotFile(file, loaded.systems.get(system)!, reads.get(file));
      reads.delete(file);
      problems.push(...result.problems);
      if (result.snapshot) {
        snapshots.set(system, result.snapshot);
        documents.set(system, result);
      }
    }

    const { now, params, event, state, problems: settingsProblems } = runSettings(plan, loaded.systems, options);
    problems.push(...settingsProblems);
    if (problems.length > 0) return report(problems);

    const result = runPlan({ plan, systems: loaded.systems, snapshots, state, now, params, ...(event ? { event } : {}) });
    if (result.failure) {
      err(`${renderProblem(result.failure)}\n`);
      if (options.json) out(`${JSON.stringify(jsonResult(plan.integration, result), null, 2)}\n`);
      return 1;
    }

    if (write) {
      // Every new snapshot is made before any is written; then each file is replaced whole,
      // and the state last, so a run that fails part-way leaves the old state to redo it.
      const contents: [string, string][] = [];
      for (const [system, file] of files) {
        if (!result.changes.some((c) => c.system === system)) continue;
        const loadedSnapshot = documents.get(system)!;
        applyChanges(loadedSnapshot.document, system, result.changes);
        contents.push([file, loadedSnapshot.format === "yaml" ? toYaml(loadedSnapshot.document) : `${JSON.stringify(loadedSnapshot.document, null, 2)}\n`]);
      }
      const changed = locks?.changed();
      if (changed !== undefined) {
        err(`${renderProblem(changed)}\n`);
        return 1;
      }
      for (const [file, content] of contents) writeFileAtomic(file, content);
      if (options.state) new JsonFileStateStore(options.state).save(plan.integration, result.state);
    }

    if (options.json) out(`${JSON.stringify(jsonResult(plan.integration, result), null, 2)}\n`);
    else out(summary(plan.integration, result, write));
    return 0;
  } finally {
    // Readings of snapshots the run did not get to (it stopped early) are let go.
    for (const reading of reads.values()) if (reading) stopReading(reading);
    locks?.release();
  }
}

function jsonResult(integration: string, result: RunResult) {
  return { integration, patches: result.patches, outcomes: result.outcomes, ...(result.failure ? { failure: problemToJson(result.failure) } : {}) };
}

/** What `plan` and `apply` print without --json: counts, then a line per outcome. */
export function summary(integration: string, result: Pick<RunResult, "patches" | "outcomes" | "reached">, written: boolean): string {
  const counts = new Map<string, number>();
  for (const o of result.outcomes) counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const parts = ["create", "update", "delete", "conflict", "skip"].filter((a) => counts.has(a)).map((a) => plural(counts.get(a)!, a));
  const lines = [`${integration}: ${parts.length > 0 ? parts.join(", ") : "nothing to do"}`];
  // A loop, not Math.max(...): a run over a million records can have more outcomes than a call has room for arguments.
  let width = 0;
  for (const o of result.outcomes) width = Math.max(width, `${o.system}.${o.collection} ${o.key ?? ""}`.length);
  for (const o of result.outcomes) lines.push(`  ${o.action.padEnd(8)} ${`${o.system}.${o.collection} ${o.key ?? "(all)"}`.padEnd(width)}  ${o.reason}`);
  // An event's run: which records it reached, and why (`plan --json` keeps to its contract: patches and outcomes).
  // The same lines as `explain --event` prints for its record (explain.ts).
  if (result.reached) lines.push(...reachedLines(result.reached));
  const ops = Object.entries(result.patches).map(([system, list]) => plural(list.length, `${system} operation`));
  lines.push(`${written ? "applied" : "patches"}: ${ops.join(", ")}${written ? "" : " (--json prints them)"}`);
  return `${lines.join("\n")}\n`;
}
