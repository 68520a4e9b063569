// The whole way from spec text to a write in a system, stage by stage. Each stage takes plain
// data and gives plain data; ARCHITECTURE.md draws the layers these stages live in.
//
// Compiling (language/, into plan/), each stage returning { value, diagnostics }; after one
// reports an error, later stages do not run, so a mistake is reported once:
//
//   tokenize     text -> tokens           characters that form no token, limits on size
//   parse        tokens -> syntax tree    the shape of statements, in the author's words
//   buildAst     syntax tree -> AST       typed nodes with spans; units and soft words checked
//   check        AST -> plan              names against the systems' definitions, types, sides
//   fingerprint  plan -> plan             each system's definition, so a stale plan is refused
//
// Running (input/, state/, engine/, then connectors/, stores/, scheduler/ in the service):
//
//   read         files or APIs -> snapshots   each record checked against its schema; a
//                                             collection not read whole is left out (unknown)
//   evaluate     plan + snapshots + state     views, links, rules in rounds until they settle,
//                + params (+ event)           then the safety limits
//                -> change set + outcomes     per record: before, after, the fields that
//                + next state                 change, and why; a reason for every skip
//   render       change set -> RFC 6902 patches (plan --json), documents (apply), writes
//   write        each change to its system, one record at a time; a refused record is kept
//                as a failure and its pairs hold back their state, the rest go on
//   keep         the state and the run's record: a state file, or the store (SQLite)
import { compileSpec, type Compiled } from "./language/compile.js";
import type { SystemCatalog } from "./language/systems/load.js";
import { applyChanges } from "./engine/apply-changes.js";
import type { RecordChange } from "./engine/changes.js";
import { renderPatches, type Operation } from "./engine/patch.js";
import { runPlan, type RunInput, type RunResult } from "./engine/run.js";
import type { Connector, WriteResult } from "./connectors/connector.js";
import type { Plan } from "./plan/types.js";

/** Spec text -> plan (present only when the spec has no error), with its diagnostics. */
export function compile(text: string, file: string, systems: SystemCatalog): Compiled {
  return compileSpec(text, file, systems);
}

/** A plan over snapshots, state, params and maybe an event -> the change set, the outcomes and the next state. */
export function evaluate(input: RunInput): RunResult {
  return runPlan(input);
}

/** The change set as each system's RFC 6902 patch. */
export function patchesOf(plan: Plan, changes: readonly RecordChange[], systems: SystemCatalog): Record<string, Operation[]> {
  return renderPatches([plan.systems.left, plan.systems.right], changes, systems);
}

/** The change set made in a system's parsed snapshot, as `apply` writes it. */
export function applyToDocument(document: unknown, system: string, changes: readonly RecordChange[]): void {
  applyChanges(document, system, changes);
}

/** The change set sent to a system, record by record: what the system refused, and what it took. */
export function write(connector: Connector, changes: readonly RecordChange[]): Promise<WriteResult> {
  return connector.write(changes.filter((c) => c.system === connector.system));
}
