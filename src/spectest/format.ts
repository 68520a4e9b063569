// The test file format: `specs/<spec>.test.yaml`, the cases that prove a spec right.
// Reading a file checks its shape only (known keys, the right kinds of values, unique case
// names); what needs the spec (its systems, their collections and schemas, params, events)
// is checked in inputs.ts. Problems are data with a line and column, routed to the case
// they are in, so one bad case does not hide the others.
import { dirname, join } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { listed } from "../diagnostics/lists.js";
import { didYouMean } from "../diagnostics/did-you-mean.js";
import { message, type Message, type MessageName } from "../diagnostics/catalog.js";
import { problem, type Place as ProblemPlace, type Problem } from "../diagnostics/problem.js";
import { readEvent, type RunEvent } from "../input/event.js";
import { yamlProblem } from "../json/parse.js";
import { pointerPath } from "../json/pointer.js";
import type { Operation } from "../engine/patch.js";
import type { Action } from "../engine/outcomes.js";
import type { Rec } from "../json/values.js";
import { Locator, type Place, type YamlPath } from "./locate.js";
import { isDatetimeText } from "../json/datetime.js";
import { isObject, setMember } from "../json/own.js";

export const TEST_FILE_SUFFIX = ".test.yaml";

export interface TestFile {
  /** The file as people see it. */
  readonly file: string;
  /** The .sync file it tests: beside it with the same name, or the one `spec:` names. */
  readonly spec: string;
  /** Where `spec:` is written, when it is. */
  readonly specPlace?: Place;
  readonly cases: TestCase[];
  readonly locate: Locator;
}

export interface TestCase {
  /** The case's index in `cases`, for places inside it. */
  readonly index: number;
  readonly name: string;
  readonly line: number;
  readonly covers?: string;
  readonly now?: string;
  /** As `--param NAME=VALUE` would give them. */
  readonly params: (readonly [string, string])[];
  readonly state?: unknown;
  /** System -> its snapshot, written inline or named by file. */
  readonly snapshots: ReadonlyMap<string, SnapshotSource>;
  readonly runs: TestRun[];
  /** What is wrong with the case as written: a case with problems fails without running. */
  readonly problems: Problem[];
}

export type SnapshotSource = { readonly inline: unknown } | { readonly file: string };

export interface TestRun {
  readonly now?: string;
  readonly event?: RunEvent;
  /** System -> a JSON merge patch applied to its snapshot before the run. */
  readonly edit: ReadonlyMap<string, unknown>;
  readonly expect: Expectations;
}

/** System -> collection -> key -> value. */
export type BySystem<T> = ReadonlyMap<string, ReadonlyMap<string, T>>;

export interface Expectations {
  readonly records: BySystem<ReadonlyMap<string, Rec>>;
  readonly absent: BySystem<readonly string[]>;
  readonly patches: ReadonlyMap<string, readonly Operation[]>;
  readonly unchanged: readonly string[];
  readonly outcomes: readonly OutcomeExpectation[];
  readonly fails?: string;
}

export interface OutcomeExpectation {
  /** The expectation's index in `outcomes`, for its place. */
  readonly index: number;
  readonly action: Action;
  readonly key: string | null;
  readonly reason?: string;
  readonly system?: string;
  readonly collection?: string;
}

export const ACTIONS: readonly Action[] = ["create", "update", "delete", "skip", "conflict"];


// Each level of the format with its keys, in the order the messages list them.
const KEYS = {
  file: ["spec", "cases", "fixtures"],
  case: ["name", "covers", "now", "params", "state", "snapshots", "runs"],
  run: ["now", "event", "edit", "expect"],
  expect: ["records", "absent", "patches", "unchanged", "outcomes", "fails"],
  outcome: ["action", "key", "reason", "system", "collection"],
  operation: ["op", "path", "value"],
} as const;

// How a message names each level, as TST002's phrases.
const WHAT = { file: "inFile", case: "inCase", run: "inRun", expect: "inExpect", outcome: "inOutcome", operation: "inOperation" } as const satisfies Record<keyof typeof KEYS, MessageName<"TST002">>;

export interface ReadResult {
  readonly testFile?: TestFile;
  /**
   * Problems with the file as a whole (not YAML, no `cases`, an unknown key, a case without a
   * name); problems inside a named case are on the case.
   */
  readonly problems: Problem[];
}

/**
 * Reads a test file's text. `file` is the name shown; `path` is where it is on disk, for
 * resolving the spec and snapshot files it names relative to its folder.
 */
export function readTestFile(text: string, file: string, path: string = file): ReadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, 20).map((e) => {
        const at = lines.linePos(e.pos[0]);
        // A key written twice is its own mistake (INP004), as in a snapshot (snapshots.ts).
        return yamlProblem(e, { file, line: at.line, column: at.col });
      }),
    };
  }
  const locate = new Locator(doc, lines);
  const reader = new Reader(doc, locate, file);
  const data = reader.value(doc.contents, []);
  return reader.file(data, dirname(path), path);
}

/** Builds the typed file from the YAML, collecting problems by case. */
class Reader {
  private readonly fileProblems: Problem[] = [];
  private readonly caseProblems = new Map<number, Problem[]>();
  private readonly resolving = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly locate: Locator,
    private readonly name: string,
  ) {}

  /**
   * A problem at a place in the file, with the code of what the mistake is (TST001 a part of
   * the wrong kind, TST002 an unknown key, TST003 a part missing, ...), wherever it is.
   */
  problem(path: YamlPath, why: Message, part: "key" | "value" = "value"): void {
    this.add(path, problem(this.place(path, part), why));
  }

  private place(path: YamlPath, part: "key" | "value"): ProblemPlace {
    const { line, column } = this.locate.at(path, part);
    return { file: this.name, line, column };
  }

  /** Files a problem with the case it is in, or with the file's own when it is in none. */
  private add(path: YamlPath, found: Problem): void {
    if (path[0] === "cases" && typeof path[1] === "number") {
      const list = this.caseProblems.get(path[1]) ?? [];
      list.push(found);
      this.caseProblems.set(path[1], list);
    } else this.fileProblems.push(found);
  }

  /**
   * The YAML as plain data. Written here rather than with toJS() so that a key that is not a
   * string (1001:, which YAML reads as a number) is reported where it is written, aliases
   * give copies rather than shared objects that one run's patches would change for another
   * case, and `<<` merges work, which is how cases share fixtures.
   */
  value(node: unknown, path: YamlPath): unknown {
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      // YAML lets an anchored node hold an alias of itself; data cannot.
      if (!target || this.resolving.has(target)) {
        this.problem(path, message("TST005", target ? "aliasInsideItself" : "aliasNoAnchor", { alias: node.source }));
        return null;
      }
      this.resolving.add(target);
      try {
        return this.value(target, path);
      } finally {
        this.resolving.delete(target);
      }
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item, i) => this.value(item, [...path, i]));
    if (isMap(node)) {
      const result: Record<string, unknown> = {};
      const merged: Record<string, unknown>[] = [];
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (key === "<<") {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const source of sources) {
            const value = this.value(source, path);
            if (isObject(value)) merged.push(value);
            else this.problem(path, message("TST005", "mergeNotMap"));
          }
          continue;
        }
        if (typeof key !== "string") {
          const shown = String(key);
          this.problem([...path, shown], message("TST005", "keyNotString", { key: shown }), "key");
          continue;
        }
        setMember(result, key, this.value(pair.value, [...path, key]));
      }
      // Keys written in the map win over merged ones, whatever their order.
      for (const source of merged) for (const [key, value] of Object.entries(source)) if (!Object.prototype.hasOwnProperty.call(result, key)) setMember(result, key, value);
      return result;
    }
    return null;
  }

  file(data: unknown, folder: string, path: string): ReadResult {
    if (!isObject(data)) {
      this.problem([], message("TST001", "fileNotMap"));
      return { problems: this.fileProblems };
    }
    this.keys(data, [], "file");
    let spec = path.endsWith(TEST_FILE_SUFFIX) ? path.slice(0, -TEST_FILE_SUFFIX.length) + ".sync" : path.replace(/(\.test)?\.ya?ml$/i, "") + ".sync";
    let specPlace: Place | undefined;
    if (data["spec"] !== undefined) {
      if (typeof data["spec"] !== "string" || data["spec"] === "") this.problem(["spec"], message("TST001", "specNotPath"));
      else {
        spec = join(folder, data["spec"]);
        specPlace = this.locate.at(["spec"]);
      }
    }
    const cases: TestCase[] = [];
    if (!Array.isArray(data["cases"]) || data["cases"].length === 0) {
      // No cases (`cases:` with nothing after it included), or an empty list of them, is a part missing; anything else there, one of the wrong kind.
      const missing = data["cases"] == null || (Array.isArray(data["cases"]) && data["cases"].length === 0);
      this.problem(data["cases"] === undefined ? [] : ["cases"], missing ? message("TST003", "noCases") : message("TST001", "casesNotList"));
    } else {
      const names = new Map<string, number>();
      data["cases"].forEach((raw, index) => {
        const testCase = this.testCase(raw, index, folder);
        if (!testCase) return;
        const first = names.get(testCase.name);
        if (first !== undefined) this.problem(["cases", index, "name"], message("TST004", "twice", { name: testCase.name, line: cases.find((c) => c.index === first)!.line }));
        else names.set(testCase.name, index);
        cases.push(testCase);
      });
    }
    // Problems found after a case was built (a duplicate name) join its list here.
    for (const testCase of cases) testCase.problems.push(...(this.caseProblems.get(testCase.index) ?? []).filter((p) => !testCase.problems.includes(p)));
    // A case without a usable name cannot be reported as a case: its problems are the file's.
    for (const [index, problems] of this.caseProblems) if (!cases.some((c) => c.index === index)) this.fileProblems.push(...problems);
    // People read top to bottom: problems in the order they are written.
    const byPlace = (a: Problem, b: Problem) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
    this.fileProblems.sort(byPlace);
    for (const testCase of cases) testCase.problems.sort(byPlace);
    if (cases.length === 0) return { problems: this.fileProblems };
    // Cases are read even when the file has problems of its own, so that all are reported at once.
    return { testFile: { file: this.name, spec, ...(specPlace ? { specPlace } : {}), cases, locate: this.locate }, problems: this.fileProblems };
  }

  private keys(data: Record<string, unknown>, path: YamlPath, level: keyof typeof KEYS): void {
    const known: readonly string[] = KEYS[level];
    for (const key of Object.keys(data)) {
      if (known.includes(key)) continue;
      const near = didYouMean(key, known);
      const what = message("TST002", WHAT[level]).text;
      const keys = listed(known);
      this.problem([...path, key], near ? message("TST002", "unknownKeyNear", { what, key, near, keys }) : message("TST002", "unknownKey", { what, key, keys }), "key");
    }
  }

  private testCase(raw: unknown, index: number, folder: string): TestCase | undefined {
    const at: YamlPath = ["cases", index];
    const line = this.locate.at(at).line;
    if (!isObject(raw)) {
      this.problem(at, message("TST001", "caseNotMap"));
      return undefined;
    }
    this.keys(raw, at, "case");
    const name = raw["name"];
    if (typeof name !== "string" || name.trim() === "") {
      // A blank name is as good as none; a name that is not text is of the wrong kind.
      this.problem(name === undefined ? at : [...at, "name"], name == null || typeof name === "string" ? message("TST003", "noName") : message("TST001", "nameNotText"));
      return undefined;
    }
    const covers = this.optionalString(raw, "covers", at, message("TST001", "coversNotText"));
    const now = this.time(raw, at);
    const params: (readonly [string, string])[] = [];
    if (raw["params"] !== undefined) {
      if (!isObject(raw["params"])) this.problem([...at, "params"], message("TST001", "paramsNotMap"));
      // As --param reads them: text is read as JSON where it parses, other values are JSON.
      else for (const [param, value] of Object.entries(raw["params"])) params.push([param, typeof value === "string" ? value : JSON.stringify(value)]);
    }
    if (raw["state"] !== undefined && !isObject(raw["state"])) this.problem([...at, "state"], message("TST001", "stateNotMap"));
    const snapshots = new Map<string, SnapshotSource>();
    if (!isObject(raw["snapshots"])) {
      this.problem(raw["snapshots"] === undefined ? at : [...at, "snapshots"], raw["snapshots"] == null ? message("TST003", "noSnapshots") : message("TST001", "snapshotsNotMap"));
    } else {
      for (const [system, value] of Object.entries(raw["snapshots"])) {
        const where = [...at, "snapshots", system];
        if (!isObject(value)) this.problem(where, message("TST001", "snapshotNotMap", { system }));
        else if (Object.keys(value).length === 1 && typeof value["file"] === "string") snapshots.set(system, { file: join(folder, value["file"]) });
        else snapshots.set(system, { inline: value });
      }
    }
    const runs: TestRun[] = [];
    if (!Array.isArray(raw["runs"]) || raw["runs"].length === 0) {
      const missing = raw["runs"] == null || (Array.isArray(raw["runs"]) && raw["runs"].length === 0);
      this.problem(raw["runs"] === undefined ? at : [...at, "runs"], missing ? message("TST003", "noRuns") : message("TST001", "runsNotList"));
    } else {
      raw["runs"].forEach((run, i) => {
        const parsed = this.run(run, [...at, "runs", i], now !== undefined);
        if (parsed) runs.push(parsed);
      });
    }
    return { index, name, line, ...(covers !== undefined ? { covers } : {}), ...(now !== undefined ? { now } : {}), params, ...(raw["state"] !== undefined ? { state: raw["state"] } : {}), snapshots, runs, problems: [...(this.caseProblems.get(index) ?? [])] };
  }

  private run(raw: unknown, at: YamlPath, caseHasTime: boolean): TestRun | undefined {
    if (!isObject(raw)) {
      this.problem(at, message("TST001", "runNotMap"));
      return undefined;
    }
    this.keys(raw, at, "run");
    const now = this.time(raw, at);
    if (now === undefined && !caseHasTime && raw["now"] === undefined) this.problem(at, message("TST003", "noTime"));
    let event: RunEvent | undefined;
    if (raw["event"] !== undefined) {
      // The event is checked as `plan --event` checks its file, and keeps its EVT code.
      const read = readEvent(raw["event"]);
      if ("message" in read) this.problem([...at, "event", ...pointerPath(read.pointer)], read.message, read.pointer ? "key" : "value");
      else event = read;
    }
    const edit = new Map<string, unknown>();
    if (raw["edit"] !== undefined) {
      if (!isObject(raw["edit"])) this.problem([...at, "edit"], message("TST001", "editNotMap"));
      else for (const [system, patch] of Object.entries(raw["edit"])) {
        if (!isObject(patch)) this.problem([...at, "edit", system], message("TST001", "systemEditNotMap", { system }));
        else edit.set(system, patch);
      }
    }
    return { ...(now !== undefined ? { now } : {}), ...(event ? { event } : {}), edit, expect: this.expect(raw["expect"], [...at, "expect"]) };
  }

  private expect(raw: unknown, at: YamlPath): Expectations {
    const records = new Map<string, Map<string, Map<string, Rec>>>();
    const absent = new Map<string, Map<string, string[]>>();
    const patches = new Map<string, Operation[]>();
    const unchanged: string[] = [];
    const outcomes: OutcomeExpectation[] = [];
    let fails: string | undefined;
    const result = (): Expectations => ({ records, absent, patches, unchanged, outcomes, ...(fails !== undefined ? { fails } : {}) });
    if (raw === undefined) return result();
    if (!isObject(raw)) {
      this.problem(at, message("TST001", "expectNotMap"));
      return result();
    }
    this.keys(raw, at, "expect");
    this.bySystem(raw["records"], [...at, "records"], message("TST001", "recordsNotMap"), (record, where) => {
      if (isObject(record)) return record;
      this.problem(where, message("TST001", "recordNotMap"));
      return undefined;
    }, records);
    if (raw["absent"] !== undefined) {
      if (!isObject(raw["absent"])) this.problem([...at, "absent"], message("TST001", "absentNotMap"));
      else for (const [system, collections] of Object.entries(raw["absent"])) {
        if (!isObject(collections)) {
          this.problem([...at, "absent", system], message("TST001", "absentNotMap"));
          continue;
        }
        const bySystem = new Map<string, string[]>();
        for (const [collection, keys] of Object.entries(collections)) {
          const where = [...at, "absent", system, collection];
          if (!Array.isArray(keys)) this.problem(where, message("TST001", "absentKeysNotList"));
          else keys.forEach((key, i) => (typeof key === "string" ? void 0 : this.problem([...where, i], message("TST001", "keyNotString", { key: String(key) }))));
          if (Array.isArray(keys)) bySystem.set(collection, keys.filter((k): k is string => typeof k === "string"));
        }
        absent.set(system, bySystem);
      }
    }
    if (raw["patches"] !== undefined) {
      if (!isObject(raw["patches"])) this.problem([...at, "patches"], message("TST001", "patchesNotMap"));
      else for (const [system, list] of Object.entries(raw["patches"])) {
        const where = [...at, "patches", system];
        if (!Array.isArray(list)) this.problem(where, message("TST001", "patchNotList", { system }));
        else patches.set(system, list.flatMap((op, i) => this.operation(op, [...where, i])));
      }
    }
    if (raw["unchanged"] !== undefined) {
      if (!Array.isArray(raw["unchanged"]) || raw["unchanged"].some((s) => typeof s !== "string")) this.problem([...at, "unchanged"], message("TST001", "unchangedNotList"));
      else unchanged.push(...(raw["unchanged"] as string[]));
    }
    if (raw["outcomes"] !== undefined) {
      if (!Array.isArray(raw["outcomes"])) this.problem([...at, "outcomes"], message("TST001", "outcomesNotList"));
      else raw["outcomes"].forEach((o, i) => {
        const parsed = this.outcome(o, [...at, "outcomes", i], i);
        if (parsed) outcomes.push(parsed);
      });
    }
    if (raw["fails"] !== undefined) {
      if (typeof raw["fails"] !== "string" || raw["fails"] === "") this.problem([...at, "fails"], message("TST001", "failsNotText"));
      else fails = raw["fails"];
    }
    return result();
  }

  /** system -> collection -> key -> T, for `records`. */
  private bySystem<T>(raw: unknown, at: YamlPath, shape: Message, item: (value: unknown, at: YamlPath) => T | undefined, into: Map<string, Map<string, Map<string, T>>>): void {
    if (raw === undefined) return;
    if (!isObject(raw)) return this.problem(at, shape);
    for (const [system, collections] of Object.entries(raw)) {
      if (!isObject(collections)) {
        this.problem([...at, system], shape);
        continue;
      }
      const bySystem = new Map<string, Map<string, T>>();
      for (const [collection, keyed] of Object.entries(collections)) {
        if (!isObject(keyed)) {
          this.problem([...at, system, collection], shape);
          continue;
        }
        const byKey = new Map<string, T>();
        for (const [key, value] of Object.entries(keyed)) {
          const parsed = item(value, [...at, system, collection, key]);
          if (parsed !== undefined) byKey.set(key, parsed);
        }
        bySystem.set(collection, byKey);
      }
      into.set(system, bySystem);
    }
  }

  private operation(raw: unknown, at: YamlPath): Operation[] {
    if (!isObject(raw)) {
      this.problem(at, message("TST001", "operationNotMap"));
      return [];
    }
    this.keys(raw, at, "operation");
    const op = raw["op"];
    if (op !== "add" && op !== "remove" && op !== "replace") {
      this.problem(raw["op"] === undefined ? at : [...at, "op"], raw["op"] == null ? message("TST003", "noOp") : message("TST001", "opNotKnown"));
      return [];
    }
    if (typeof raw["path"] !== "string" || !(raw["path"] === "" || raw["path"].startsWith("/"))) {
      this.problem(raw["path"] === undefined ? at : [...at, "path"], raw["path"] == null ? message("TST003", "noPath") : message("TST001", "pathNotPointer"));
      return [];
    }
    if (op === "remove") return [{ op, path: raw["path"] }];
    if (!Object.prototype.hasOwnProperty.call(raw, "value")) {
      this.problem(at, message("TST003", "noValue", { op }));
      return [];
    }
    return [{ op, path: raw["path"], value: raw["value"] }];
  }

  private outcome(raw: unknown, at: YamlPath, index: number): OutcomeExpectation | undefined {
    if (!isObject(raw)) {
      this.problem(at, message("TST001", "outcomeNotMap"));
      return undefined;
    }
    this.keys(raw, at, "outcome");
    const action = raw["action"];
    if (typeof action !== "string" || !ACTIONS.includes(action as Action)) {
      // "skipped" or "created" are near enough to say which was meant.
      const near = typeof action === "string" ? (didYouMean(action, ACTIONS) ?? ACTIONS.find((a) => action.toLowerCase().startsWith(a))) : undefined;
      const actions = listed(ACTIONS, "or");
      const why = action == null ? message("TST003", "noAction", { actions }) : near ? message("TST001", "actionNotKnownNear", { actions, near }) : message("TST001", "actionNotKnown", { actions });
      this.problem(action === undefined ? at : [...at, "action"], why);
      return undefined;
    }
    if (!Object.prototype.hasOwnProperty.call(raw, "key") || (raw["key"] !== null && typeof raw["key"] !== "string")) {
      const shown = raw["key"] === undefined ? undefined : String(raw["key"]);
      this.problem(raw["key"] === undefined ? at : [...at, "key"], shown === undefined ? message("TST003", "noKey") : message("TST001", "keyNotString", { key: shown }));
      return undefined;
    }
    const strings: Record<string, string> = {};
    for (const name of ["reason", "system", "collection"] as const) {
      const value = raw[name];
      if (value === undefined) continue;
      if (typeof value !== "string") this.problem([...at, name], message("TST001", "notText", { name }));
      else strings[name] = value;
    }
    return { index, action: action as Action, key: raw["key"] as string | null, ...strings };
  }

  private optionalString(data: Record<string, unknown>, name: string, at: YamlPath, why: Message): string | undefined {
    const value = data[name];
    if (value === undefined) return undefined;
    if (typeof value === "string") return value;
    this.problem([...at, name], why);
    return undefined;
  }

  private time(data: Record<string, unknown>, at: YamlPath): string | undefined {
    const now = data["now"];
    if (now === undefined) return undefined;
    if (isDatetimeText(now)) return now;
    this.problem([...at, "now"], message("TST001", "nowNotDatetime", { value: JSON.stringify(now) }));
    return undefined;
  }
}

