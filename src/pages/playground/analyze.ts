// What the playground shows for a spec and two snapshots: the same compile and run as `syncspec
// plan`, made from the editors' texts instead of files. It runs in the page (bundled by esbuild
// from these sources) and in the tests, so that what the page shows is what the CLI would say.
import { parseDocument } from "yaml";
import { compileSpec } from "../../language/compile.js";
import type { SystemCatalog, SystemDefinition } from "../../language/systems/load.js";
import { readDefinition } from "../../language/systems/load.js";
import { SourceFile } from "../../source/source-file.js";
import { yamlSpan } from "../../source/yaml-span.js";
import { pointerPath } from "../../json/pointer.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Problem } from "../../diagnostics/problem.js";
import type { Plan } from "../../plan/types.js";
import { parseSnapshot } from "../../input/snapshots.js";
import type { Snapshot } from "../../input/snapshot.js";
import { resolveParams } from "../../input/params.js";
import { runPlan } from "../../engine/run.js";
import type { Outcome } from "../../engine/outcomes.js";
import type { Operation } from "../../engine/patch.js";
import { isDatetimeText } from "../../json/datetime.js";
import { applyChanges } from "../../engine/apply-changes.js";
import type { SyncState } from "../../state/state.js";

/** A message at a place in one editor's text, as CodeMirror's lint takes it. */
export interface Mark {
  readonly from: number;
  readonly to: number;
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
}

/** One record the run touched or skipped: before and after, and the outcomes with their reasons. */
export interface RecordView {
  readonly system: string;
  readonly collection: string;
  readonly key: string | null;
  readonly outcomes: readonly Outcome[];
  readonly before: unknown;
  readonly after: unknown;
  /** The top-level fields the run changes. */
  readonly changed: readonly string[];
}

export interface Analysis {
  readonly spec: readonly Mark[];
  /** By system: the marks of its snapshot's editor. */
  readonly snapshots: Readonly<Record<string, readonly Mark[]>>;
  /** Problems with the params and the time, shown above the result. */
  readonly settings: readonly string[];
  /** Absent while the spec has errors, or an input cannot be read. */
  readonly run?: {
    readonly records: readonly RecordView[];
    readonly patches: Readonly<Record<string, readonly Operation[]>>;
    /** Why the run stopped (a safety limit, a mapping that never settles): nothing is written. */
    readonly failure?: string;
    /** The snapshots with the run's changes made, and the state to keep: what `apply` writes, for the next run. */
    readonly applied: { readonly documents: Readonly<Record<string, unknown>>; readonly state: SyncState };
  };
  readonly systems: { readonly left: string; readonly right: string } | undefined;
  readonly plan?: Plan;
}

export interface PlaygroundInput {
  readonly specName: string;
  readonly spec: string;
  /** By system: the snapshot's text, JSON or YAML. */
  readonly snapshots: Readonly<Record<string, string>>;
  /** NAME=VALUE, one to a line, as `--param` takes them. */
  readonly params: string;
  readonly now: string;
  /** The state of the runs applied before (the page's "apply"); none for a first run. */
  readonly state?: SyncState;
}

/** The systems from their system.yaml texts (the server sends them; the page has no files). */
export function systemsOf(definitions: Readonly<Record<string, string>>): SystemCatalog {
  const systems = new Map<string, SystemDefinition>();
  for (const [name, text] of Object.entries(definitions)) {
    const { definition } = readDefinition(new SourceFile(`integrations/${name}/system.yaml`, text), name, true);
    if (definition) systems.set(definition.name, definition);
  }
  return systems;
}

function specMark(d: Diagnostic): Mark {
  const notes = (d.notes ?? []).map((n) => `\n  note: ${n.message}`).join("");
  const suggestion = d.suggestion !== undefined ? `\n  ${d.suggestion}` : "";
  return { from: d.span.start, to: Math.max(d.span.end, d.span.start), severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info", message: `${d.code}: ${d.message}${notes}${suggestion}` };
}

/** A problem with a snapshot, at the value its pointer names (or its line and column). */
function problemMark(p: Problem, text: string): Mark {
  let from = 0;
  let to = 0;
  if (p.pointer !== undefined) {
    const span = yamlSpan(parseDocument(text), pointerPath(p.pointer));
    from = span.start;
    to = span.end;
  } else if (p.line !== undefined) {
    // A YAML error's line and column, as an offset.
    let line = 1;
    let at = 0;
    while (line < p.line && at < text.length) if (text.charCodeAt(at++) === 10) line++;
    from = to = Math.min(text.length, at + (p.column ?? 1) - 1);
  }
  return { from, to, severity: p.severity === "error" ? "error" : "warning", message: `${p.code}: ${p.message}` };
}

export function analyze(input: PlaygroundInput, systems: SystemCatalog): Analysis {
  const compiled = compileSpec(input.spec, input.specName, systems);
  const spec = compiled.diagnostics.map(specMark);
  const plan = compiled.plan;
  const named = compiled.ast?.statements.find((s) => s.kind === "sync");
  const pair = plan ? plan.systems : named ? { left: named.left.name, right: named.right.name } : undefined;
  const snapshotMarks: Record<string, Mark[]> = {};
  const snapshots = new Map<string, Snapshot>();
  const documents: Record<string, unknown> = {};
  for (const system of pair ? [pair.left, pair.right] : []) {
    const definition = systems.get(system);
    const text = input.snapshots[system];
    snapshotMarks[system] = [];
    if (!definition || text === undefined) continue;
    const loaded = parseSnapshot(text, `${system}.json`, definition);
    snapshotMarks[system] = loaded.problems.map((p) => problemMark(p, text));
    if (loaded.snapshot && loaded.problems.every((p) => p.severity !== "error")) {
      snapshots.set(system, loaded.snapshot);
      documents[system] = loaded.document;
    }
  }
  const settings: string[] = [];
  if (!isDatetimeText(input.now)) settings.push(`now: ${JSON.stringify(input.now)} is not a datetime such as 2026-11-05T00:00:00Z`);
  const base = { spec, snapshots: snapshotMarks, settings, systems: pair, ...(plan ? { plan } : {}) };
  if (!plan) return base;

  const given: [string, string][] = [];
  for (const line of input.params.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const at = trimmed.indexOf("=");
    if (at <= 0) settings.push(`params: ${JSON.stringify(trimmed)} is not NAME=VALUE`);
    else given.push([trimmed.slice(0, at).trim(), trimmed.slice(at + 1).trim()]);
  }
  const params = resolveParams(plan, given, "params", "lines");
  if ("problems" in params) settings.push(...params.problems.map((p) => `${p.code}: ${p.message}`));
  if (settings.length > 0 || snapshots.size < 2 || "problems" in params) return base;

  const result = runPlan({ plan, systems, snapshots, now: input.now, params, ...(input.state ? { state: input.state } : {}) });
  const changes = new Map(result.changes.map((c) => [`${c.system}\u0000${c.collection}\u0000${c.key}`, c]));
  const byRecord = new Map<string, Outcome[]>();
  for (const o of result.outcomes) {
    const id = `${o.system}\u0000${o.collection}\u0000${o.key ?? ""}`;
    byRecord.set(id, [...(byRecord.get(id) ?? []), o]);
  }
  const records: RecordView[] = [...byRecord].map(([id, outcomes]) => {
    const { system, collection, key } = outcomes[0]!;
    const change = changes.get(id);
    const before = change ? change.before : key === null ? null : (snapshots.get(system)?.get(collection)?.get(key) ?? null);
    return { system, collection, key, outcomes, before, after: change ? change.after : before, changed: change?.changedFields ?? [] };
  });
  // What `apply` would write: each snapshot with the run's changes made (a run that failed changes nothing).
  const applied: Record<string, unknown> = {};
  for (const [system, document] of Object.entries(documents)) {
    const copy = structuredClone(document);
    applyChanges(copy, system, result.changes);
    applied[system] = copy;
  }
  return {
    ...base,
    run: { records, patches: result.patches, ...(result.failure ? { failure: result.failure.message } : {}), applied: { documents: applied, state: result.state } },
  };
}
