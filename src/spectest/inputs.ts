// A case checked against the spec it tests, and turned into a run's inputs: a snapshot
// document per system (checked with parseSnapshot, as `syncspec plan` checks a file), the
// params (resolveParams, as --param), the state (parseState, as --state). Every system,
// collection and field a case names must be one the spec joins, so a typo in a test is
// reported where it is written instead of passing or failing for the wrong reason.
import { didYouMean } from "../diagnostics/did-you-mean.js";
import type { Code } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import type { Plan } from "../plan/types.js";
import { resolveParams } from "../input/params.js";
import { parseSnapshot, readSnapshotFile } from "../input/snapshots.js";
import { emptyState, parseState, type SyncState } from "../state/state.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";
import { displayPath } from "../source/files.js";
import { pointerPath } from "../json/pointer.js";
import { list, type TestCase, type TestFile } from "./format.js";
import type { YamlPath } from "./locate.js";

export interface CaseInputs {
  /** System -> its snapshot as a document, which the runs' edits and patches change. */
  readonly documents: Map<string, unknown>;
  readonly params: ReadonlyMap<string, unknown>;
  readonly state: SyncState;
}

export function prepareCase(testFile: TestFile, testCase: TestCase, plan: Plan, systems: SystemCatalog): { inputs?: CaseInputs; problems: Problem[] } {
  const problems: Problem[] = [];
  /** A problem at a place in the case: TST006 for what it names that the spec does not have, or the code of the check that found it. */
  const at = (code: Code, path: YamlPath, message: string, part: "key" | "value" = "value"): void => {
    problems.push(problem(code, { file: testFile.file, ...testFile.locate.at(["cases", testCase.index, ...path], part) }, message));
  };
  const specSystems = [plan.systems.left, plan.systems.right];
  const joins = `${plan.integration} joins ${list(specSystems)}`;
  /** The definition of a system the spec joins, or a problem at its place. */
  const systemAt = (system: string, path: YamlPath): SystemDefinition | undefined => {
    if (specSystems.includes(system)) return systems.get(system);
    const near = didYouMean(system, specSystems);
    at("TST006", path, `${joins}, not ${system}${near ? `; did you mean ${near}?` : ""}`, "key");
    return undefined;
  };
  const collectionAt = (system: SystemDefinition, collection: string, path: YamlPath): boolean => {
    if (system.collections.has(collection)) return true;
    const near = didYouMean(collection, system.collections.keys());
    at("TST006", path, `${system.name} has no collection "${collection}"${near ? `; did you mean "${near}"?` : ""} (its collections are ${list([...system.collections.keys()])})`, "key");
    return false;
  };

  // Snapshots: one per system of the spec, each valid against its system's definition.
  const documents = new Map<string, unknown>();
  for (const [system, source] of testCase.snapshots) {
    const definition = systemAt(system, ["snapshots", system]);
    if (!definition) continue;
    if ("file" in source) {
      const loaded = readSnapshotFile(source.file, definition);
      if (loaded.problems.length > 0) {
        // The file's own problems name the file, and keep their codes (INP, SNP); the case names where it was given.
        const given = testFile.locate.at(["cases", testCase.index, "snapshots", system, "file"]);
        problems.push(...loaded.problems.map((p) => ({ ...p, file: displayPath(p.file), message: `${p.message} (the ${system} snapshot of this case, given at ${testFile.file}:${given.line}:${given.column})` })));
      } else documents.set(system, loaded.document);
    } else {
      const loaded = parseSnapshot(JSON.stringify(source.inline), `${system}.json`, definition);
      for (const p of loaded.problems) at(p.code, ["snapshots", system, ...pointerPath(p.pointer ?? "")], `${recordPlace(system, p.pointer)}${p.message}`);
      if (loaded.problems.length === 0) documents.set(system, loaded.document);
    }
  }
  const missing = specSystems.filter((s) => !testCase.snapshots.has(s));
  // A case that gave no snapshots at all has already been told it needs them.
  const toldAlready = testCase.snapshots.size === 0 && testCase.problems.length > 0;
  if (missing.length > 0 && !toldAlready) at("TST003", testCase.snapshots.size > 0 ? ["snapshots"] : [], `give a snapshot for each system of ${plan.integration}: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing ({} is a snapshot that knows no collection)`, "key");

  // Params, as --param gives them.
  const params = resolveParams(plan, testCase.params, "params");
  if ("problems" in params) {
    for (const p of params.problems) at(p.code, testCase.params.length > 0 ? ["params"] : [], p.message.replace(/give it with --param (\S+)=VALUE$/, "give it in the case's params: {$1: VALUE}"));
  }

  // The state, as a state file's JSON; its header may be left out. A case writes its pairs as
  // version 1 has them, values by mapping name, which reads better than version 2's packed rows.
  let state = emptyState();
  if (testCase.state !== undefined) {
    const file = { syncspec: "state", version: 1, integration: plan.integration, lastRun: null, links: {}, ...(testCase.state as object) };
    const parsed = parseState(JSON.stringify(file), testFile.file, plan.integration);
    if ("problems" in parsed) for (const p of parsed.problems) at(p.code, ["state", ...pointerPath(p.pointer ?? "")], `state${p.pointer ? ` ${pointerPath(p.pointer).join(".")}` : ""}: ${p.message}`);
    else state = parsed;
  }

  // What each run names: its event, the systems and collections it edits and expects.
  testCase.runs.forEach((run, r) => {
    const runAt: YamlPath = ["runs", r];
    if (run.event) {
      const system = systemAt(run.event.system, [...runAt, "event", "system"]);
      if (system && !system.events.has(run.event.type)) {
        const near = didYouMean(run.event.type, system.events.keys());
        at("EVT002", [...runAt, "event", "type"], `${system.name} has no event "${run.event.type}"${near ? `; did you mean "${near}"?` : ""} (its events are ${list([...system.events.keys()])})`);
      }
      if (system && run.event.actor !== undefined && system.actors.length > 0 && !system.actors.includes(run.event.actor)) {
        at("EVT002", [...runAt, "event", "actor"], `${system.name} has no actor "${run.event.actor}" (its actors are ${list([...system.actors], "or")})`);
      }
    }
    for (const [systemName, patch] of run.edit) {
      const system = systemAt(systemName, [...runAt, "edit", systemName]);
      if (system) for (const collection of Object.keys(patch as object)) collectionAt(system, collection, [...runAt, "edit", systemName, collection]);
    }
    const expect: YamlPath = [...runAt, "expect"];
    for (const [systemName, collections] of run.expect.records) {
      const system = systemAt(systemName, [...expect, "records", systemName]);
      if (!system) continue;
      for (const [collection, records] of collections) {
        const where = [...expect, "records", systemName, collection];
        if (!collectionAt(system, collection, where)) continue;
        const fields = system.collections.get(collection)!.type.fields;
        for (const [key, record] of records) {
          for (const name of Object.keys(record)) {
            if (fields.has(name)) continue;
            const near = didYouMean(name, fields.keys());
            at("TST006", [...where, key, name], `a ${systemName}.${collection} record has no field "${name}"${near ? `; did you mean "${near}"?` : ""}`, "key");
          }
        }
      }
    }
    for (const [systemName, collections] of run.expect.absent) {
      const system = systemAt(systemName, [...expect, "absent", systemName]);
      if (system) for (const collection of collections.keys()) collectionAt(system, collection, [...expect, "absent", systemName, collection]);
    }
    for (const systemName of run.expect.patches.keys()) systemAt(systemName, [...expect, "patches", systemName]);
    run.expect.unchanged.forEach((systemName, i) => {
      if (!specSystems.includes(systemName)) at("TST006", [...expect, "unchanged", i], `${joins}, not ${systemName}`);
    });
    for (const outcome of run.expect.outcomes) {
      const where: YamlPath = [...expect, "outcomes", outcome.index];
      const system = outcome.system !== undefined ? systemAt(outcome.system, [...where, "system"]) : undefined;
      if (outcome.collection === undefined) continue;
      // Without a system, the collection must be one of either system's.
      const candidates = system ? [system] : specSystems.map((s) => systems.get(s)!);
      if (outcome.system === undefined || system) {
        if (!candidates.some((s) => s.collections.has(outcome.collection!))) {
          const all = candidates.flatMap((s) => [...s.collections.keys()]);
          const near = didYouMean(outcome.collection, all);
          at("TST006", [...where, "collection"], `${candidates.map((s) => s.name).join(" and ")} ${candidates.length === 1 ? "has" : "have"} no collection "${outcome.collection}"${near ? `; did you mean "${near}"?` : ""}`);
        }
      }
    }
  });

  if (problems.length > 0 || "problems" in params) return { problems };
  return { inputs: { documents, params, state }, problems };
}

/** "raisedonors.donors 1002 isOrganization: ", so a schema's "must be boolean" says of what. */
export function recordPlace(system: string, pointer: string | undefined): string {
  const [collection, key, ...rest] = pointerPath(pointer ?? "");
  if (collection === undefined) return "";
  return `${system}.${collection}${key !== undefined ? ` ${key}` : ""}${rest.length > 0 ? ` ${rest.join(".")}` : ""}: `;
}
