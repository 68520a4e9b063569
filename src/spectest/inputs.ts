// A case checked against the spec it tests, and turned into a run's inputs: a snapshot
// document per system (checked with parseSnapshot, as `syncspec plan` checks a file), the
// params (resolveParams, as --param), the state (parseState, as --state). Every system,
// collection and field a case names must be one the spec joins, so a typo in a test is
// reported where it is written instead of passing or failing for the wrong reason.
import { didYouMean } from "../diagnostics/did-you-mean.js";
import { context, message, type Message } from "../diagnostics/catalog.js";
import { problem, type Place as ProblemPlace, type Problem } from "../diagnostics/problem.js";
import type { Plan } from "../plan/types.js";
import { resolveParams } from "../input/params.js";
import { parseSnapshot, readSnapshotFile } from "../input/snapshots.js";
import { emptyState, parseState, type SyncState } from "../state/state.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";
import { displayPath } from "../source/files.js";
import { pointerPath } from "../json/pointer.js";
import { type TestCase, type TestFile } from "./format.js";
import { listed } from "../diagnostics/lists.js";
import { eventUnknownToSystem } from "../input/event.js";
import type { YamlPath } from "./locate.js";

export interface CaseInputs {
  /** System -> its snapshot as a document, which the runs' edits and patches change. */
  readonly documents: Map<string, unknown>;
  readonly params: ReadonlyMap<string, unknown>;
  readonly state: SyncState;
}

export function prepareCase(testFile: TestFile, testCase: TestCase, plan: Plan, systems: SystemCatalog): { inputs?: CaseInputs; problems: Problem[] } {
  const problems: Problem[] = [];
  const place = (path: YamlPath, part: "key" | "value"): ProblemPlace => ({ file: testFile.file, ...testFile.locate.at(["cases", testCase.index, ...path], part) });
  /** A problem at a place in the case: TST006 for what it names that the spec does not have, or the code of the check that found it. */
  const at = (path: YamlPath, why: Message, part: "key" | "value" = "value"): void => {
    problems.push(problem(place(path, part), why));
  };
  /**
   * A problem the check of an input found (a snapshot's, the state's), its code and message
   * kept, at the place in the case that it is about; `where` is the record or field it names.
   */
  const moved = (found: Problem, path: YamlPath, where = ""): void => {
    problems.push({ code: found.code, severity: found.severity, ...place(path, "value"), message: `${where}${found.message}` });
  };
  const specSystems = [plan.systems.left, plan.systems.right];
  const joins = { integration: plan.integration, systems: listed(specSystems) };
  /** The definition of a system the spec joins, or a problem at its place. */
  const systemAt = (system: string, path: YamlPath): SystemDefinition | undefined => {
    if (specSystems.includes(system)) return systems.get(system);
    const near = didYouMean(system, specSystems);
    at(path, near ? message("TST006", "notJoinedNear", { ...joins, system, near }) : message("TST006", "notJoined", { ...joins, system }), "key");
    return undefined;
  };
  const collectionAt = (system: SystemDefinition, collection: string, path: YamlPath): boolean => {
    if (system.collections.has(collection)) return true;
    const near = didYouMean(collection, system.collections.keys());
    const known = { system: system.name, collection, collections: listed([...system.collections.keys()]) };
    at(path, near ? message("TST006", "noCollectionNear", { ...known, near }) : message("TST006", "noCollection", known), "key");
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
        const givenAt = context("testSnapshotFile", { system, file: testFile.file, line: given.line, column: given.column });
        problems.push(...loaded.problems.map((p) => ({ ...p, file: displayPath(p.file), message: `${p.message}${givenAt}` })));
      } else documents.set(system, loaded.document);
    } else {
      const loaded = parseSnapshot(JSON.stringify(source.inline), `${system}.json`, definition);
      for (const p of loaded.problems) moved(p, ["snapshots", system, ...pointerPath(p.pointer ?? "")], recordPlace(system, p.pointer));
      if (loaded.problems.length === 0) documents.set(system, loaded.document);
    }
  }
  const missing = specSystems.filter((s) => !testCase.snapshots.has(s));
  // A case that gave no snapshots at all has already been told it needs them.
  const toldAlready = testCase.snapshots.size === 0 && testCase.problems.length > 0;
  if (missing.length > 0 && !toldAlready) {
    const why = missing.length === 1 ? message("TST003", "snapshotMissing", { integration: plan.integration, system: missing[0]! }) : message("TST003", "snapshotsMissing", { integration: plan.integration, systems: listed(missing) });
    at(testCase.snapshots.size > 0 ? ["snapshots"] : [], why, "key");
  }

  // Params, as --param gives them; a required one left out is told to be given under `params`, as in a deployment.
  const params = resolveParams(plan, testCase.params, "params");
  if ("problems" in params) for (const p of params.problems) moved(p, testCase.params.length > 0 ? ["params"] : []);

  // The state, as a state file's JSON; its header may be left out. A case writes its pairs as
  // version 1 has them, values by mapping name, which reads better than version 2's packed rows.
  let state = emptyState();
  if (testCase.state !== undefined) {
    const file = { syncspec: "state", version: 1, integration: plan.integration, lastRun: null, links: {}, ...(testCase.state as object) };
    const parsed = parseState(JSON.stringify(file), testFile.file, plan.integration);
    if ("problems" in parsed) for (const p of parsed.problems) moved(p, ["state", ...pointerPath(p.pointer ?? "")], statePlace(p.pointer));
    else state = parsed;
  }

  // What each run names: its event, the systems and collections it edits and expects.
  testCase.runs.forEach((run, r) => {
    const runAt: YamlPath = ["runs", r];
    if (run.event) {
      const system = systemAt(run.event.system, [...runAt, "event", "system"]);
      const unknown = system && eventUnknownToSystem(run.event, system);
      if (unknown) at([...runAt, "event", ...pointerPath(unknown.pointer)], unknown.message);
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
            const field = { system: systemName, collection, field: name };
            at([...where, key, name], near ? message("TST006", "noFieldNear", { ...field, near }) : message("TST006", "noField", field), "key");
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
      if (!specSystems.includes(systemName)) at([...expect, "unchanged", i], message("TST006", "notJoined", { ...joins, system: systemName }));
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
          at([...where, "collection"], noCollectionOf(candidates.map((s) => s.name), outcome.collection, near));
        }
      }
    }
  });

  if (problems.length > 0 || "problems" in params) return { problems };
  return { inputs: { documents, params, state }, problems };
}

/** The TST006 of an expected outcome's collection that none of `systems` has. */
function noCollectionOf(systems: readonly string[], collection: string, near: string | undefined): Message<"TST006"> {
  if (systems.length === 1) {
    const known = { system: systems[0]!, collection };
    return near ? message("TST006", "outcomeCollectionNear", { ...known, near }) : message("TST006", "outcomeCollection", known);
  }
  const known = { systems: listed(systems), collection };
  return near ? message("TST006", "outcomeCollectionOfBothNear", { ...known, near }) : message("TST006", "outcomeCollectionOfBoth", known);
}

/** "state links.raisedonors/donors: ", the part of a case's `state` that a state file's problem is about. */
function statePlace(pointer: string | undefined): string {
  return `state${pointer ? ` ${pointerPath(pointer).join(".")}` : ""}: `;
}

/** "raisedonors.donors 1002 isOrganization: ", so a schema's "must be boolean" says of what. */
export function recordPlace(system: string, pointer: string | undefined): string {
  const [collection, key, ...rest] = pointerPath(pointer ?? "");
  if (collection === undefined) return "";
  return `${system}.${collection}${key !== undefined ? ` ${key}` : ""}${rest.length > 0 ? ` ${rest.join(".")}` : ""}: `;
}
