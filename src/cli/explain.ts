// `syncspec explain SPEC RECORD`: the support desk's "why did this record sync, or not?". It
// makes the run `plan` makes (the same options, the same checks of every input) with the
// engine's trace on the one record, and prints what each link and rule did with it and why,
// then what the plan does to it. Its inputs are read and checked as plan's are (run-inputs.ts).
import { listed } from "../diagnostics/lists.js";
import type { Problem } from "../diagnostics/problem.js";
import { problemToJson, renderProblem } from "../diagnostics/render.js";
import { explainRecord, type Check, type Explanation } from "../engine/explain.js";
import { shown } from "../engine/explain-text.js";
import type { ReachedRecord } from "../engine/events.js";
import { readSnapshotFile, type Snapshot } from "../input/snapshots.js";
import { UsageError } from "../source/files.js";
import { runSettings, snapshotFiles, specPlan, specText } from "./run-inputs.js";

/** The options of `plan` (run.ts's RunOptions), and the record: run.ts imports this file, so they are written out here. */
export interface ExplainOptions {
  spec: string;
  record: string;
  snapshots: string[];
  state?: string;
  now?: string;
  params: string[];
  event?: string;
  json: boolean;
  systems?: string;
}

/** RECORD as `system.collection/key`: the key is everything after the first slash, so a key may hold one. */
export function parseRecordArg(arg: string): { system: string; collection: string; key: string } {
  const slash = arg.indexOf("/");
  const name = slash < 0 ? "" : arg.slice(0, slash);
  const dot = name.indexOf(".");
  const key = arg.slice(slash + 1);
  if (slash < 0 || dot <= 0 || dot === name.length - 1 || key === "") throw new UsageError(`RECORD takes system.collection/key (such as raisedonors.donors/1003), not ${JSON.stringify(arg)}`);
  return { system: name.slice(0, dot), collection: name.slice(dot + 1), key };
}

/** One line of the records an event reached: `plan --event` and `explain --event` print the same. */
export function reachedLine(r: ReachedRecord, width = 0): string {
  return `  reached  ${`${r.system}.${r.collection} ${r.key}`.padEnd(width)}  ${r.why}`;
}

/** The records an event reached, one line each under a heading, aligned. */
export function reachedLines(reached: readonly ReachedRecord[]): string[] {
  let width = 0;
  for (const r of reached) width = Math.max(width, `${r.system}.${r.collection} ${r.key}`.length);
  return [`the event reached ${reached.length} record${reached.length === 1 ? "" : "s"}:`, ...reached.map((r) => reachedLine(r, width))];
}

export function runExplain(options: ExplainOptions, out: (t: string) => void, err: (t: string) => void): number {
  const ref = parseRecordArg(options.record);
  const report = (problems: readonly Problem[]): number => {
    for (const p of problems) err(`${renderProblem(p)}\n`);
    if (options.json) out(`${JSON.stringify({ problems: problems.map(problemToJson) }, null, 2)}\n`);
    return 1;
  };
  const text = specText(options.spec);
  const loaded = specPlan(options.spec, text, options.systems, err);
  if (!loaded) return 1;
  const plan = loaded.plan;

  const files = snapshotFiles(options.snapshots, plan);

  // The record: a collection the spec passes over, and a record its snapshot holds.
  const used = plan.collections[ref.system]?.[ref.collection];
  if (!used) {
    const names = Object.entries(plan.collections).flatMap(([s, cs]) => Object.keys(cs).map((c) => `${s}.${c}`));
    err(`syncspec: RECORD ${options.record}: ${plan.integration} uses no collection ${ref.system}.${ref.collection} (it uses ${listed(names)})\n`);
    return 1;
  }

  const snapshots = new Map<string, Snapshot>();
  const problems: Problem[] = [];
  for (const [system, file] of files) {
    const result = readSnapshotFile(file, loaded.systems.get(system)!);
    problems.push(...result.problems);
    if (result.snapshot) snapshots.set(system, result.snapshot);
  }
  const { now, params, event, state, problems: settingsProblems } = runSettings(plan, loaded.systems, options);
  problems.push(...settingsProblems);
  if (problems.length > 0) return report(problems);

  const collection = snapshots.get(ref.system)?.get(ref.collection);
  if (!collection) {
    err(`syncspec: RECORD ${options.record}: ${files.get(ref.system)} holds no ${ref.collection} collection, so ${ref.system}.${ref.collection} is unknown to the run\n`);
    return 1;
  }
  if (!collection.get(ref.key)) {
    err(`syncspec: RECORD ${options.record}: ${files.get(ref.system)} holds no ${ref.system}.${ref.collection} record with the key ${JSON.stringify(ref.key)}\n`);
    return 1;
  }

  // A spec's own words for its matches; a plan file has only the plan's.
  const explanation = explainRecord({ plan, systems: loaded.systems, snapshots, state, now, params, ...(event ? { event } : {}) }, ref, loaded.kind === "spec" ? text : undefined);
  if (options.json) out(`${JSON.stringify(explanation, null, 2)}\n`);
  else out(renderExplanation(explanation));
  return explanation.failure ? 1 : 0;
}

const show = shown;

function checkLine(c: Check): string {
  const values = c.values.length === 2 ? `${show(c.values[0])} vs ${show(c.values[1])}` : c.values.length === 1 ? show(c.values[0]) : "";
  return `${c.text} at ${c.line}:${c.column}${values ? `: ${values}` : ""} ${c.held ? "held" : "failed"}`;
}

/** The explanation as people read it: each link, each rule, then the plan's outcomes. */
export function renderExplanation(e: Explanation): string {
  const { system, collection, key } = e.record;
  const lines = [`${system}.${collection} ${key} in ${e.integration}`];
  if (e.reached !== undefined) lines.push(e.reached.startsWith("the event did not") ? `  ${e.reached}` : reachedLine({ system, collection, key, why: e.reached }));
  if (e.links.length === 0 && e.rules.length === 0) lines.push("", "no link or rule of the spec reads or writes it");
  for (const l of e.links) {
    lines.push("", `link at ${l.line}:${l.column}: ${l.link} (the record is its ${l.side} side)`);
    if (l.skippedBy) lines.push(`  skip when ${l.skippedBy.text} at ${l.skippedBy.line}:${l.skippedBy.column} held: ${l.skippedBy.reason}`);
    for (const m of l.matches) {
      lines.push(`  match at ${m.line}:${m.column}: ${m.text}`);
      for (const c of m.conditions) lines.push(`    ${checkLine(c)}`);
      // The key looked for, and whether any record of the other side has it.
      const having = [...m.candidates, ...m.failedFor.map((f) => f.key)];
      for (const k of m.keys) lines.push(`    ${k.text}: looked for ${show(k.values[0])}: ${having.length > 0 ? `${having.join(", ")} ${having.length === 1 ? "has" : "have"} it` : "no record of the other side has it"}`);
      for (const f of m.failedFor) lines.push(`    ${f.key} has the same key, but ${f.checks.map(checkLine).join("; ")}`);
      lines.push(`    -> ${m.result}`);
    }
    if (l.counterpart) lines.push(`  counterpart: ${l.counterpart.system}.${l.counterpart.collection} ${l.counterpart.key}, by ${l.counterpart.by}`);
    else lines.push(`  no counterpart: ${l.unpaired ?? "none found"}`);
    for (const c of l.creates) {
      lines.push(`  create ${c.into} at ${c.line}:${c.column}: ${c.result}`);
      for (const k of c.condition ?? []) lines.push(`    ${checkLine(k)}`);
    }
    for (const m of l.mappings) {
      const synced = m.kind !== "twoWay" ? "" : "last" in m ? `, last synced ${show(m.last)}` : ", never synced";
      const values = "left" in m || "right" in m ? ` (left ${show(m.left)}, right ${show(m.right)}${synced})` : "";
      lines.push(`  ${m.text} at ${m.line}:${m.column}${values}: ${m.decision}`);
      for (const c of m.condition ?? []) lines.push(`    ${checkLine(c)}`);
    }
  }
  for (const r of e.rules) {
    lines.push("", `rule at ${r.line}:${r.column}: ${r.rule}`);
    for (const c of r.clauses) {
      lines.push(`  ${c.result.padEnd(7)} ${c.text} at ${c.line}:${c.column}: ${c.why}`);
      for (const k of c.checks ?? []) lines.push(`          ${checkLine(k)}`);
    }
    for (const w of r.writes) {
      lines.push(`  writes: ${w.what}`);
      for (const [f, v] of Object.entries(w.fields ?? {})) lines.push(`    ${f} = ${show(v)}`);
    }
    lines.push(`  -> ${r.summary}`);
  }
  if (e.failure) lines.push("", `the run failed, so nothing would be written: ${e.failure}`);
  lines.push("", e.outcomes.length > 0 ? "what the plan does:" : "what the plan does: nothing (no outcome for it)");
  let width = 0;
  for (const o of e.outcomes) width = Math.max(width, `${o.system}.${o.collection} ${o.key ?? "(all)"}`.length);
  // The words and layout of `plan`'s outcome lines.
  for (const o of e.outcomes) lines.push(`  ${o.action.padEnd(8)} ${`${o.system}.${o.collection} ${o.key ?? "(all)"}`.padEnd(width)}  ${o.reason}`);
  return `${lines.join("\n")}\n`;
}
