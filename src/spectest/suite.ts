// A suite: the test files under some paths, each with the spec it tests compiled once, and
// its cases ready to run one by one (the command runs them all; vitest gives each its own
// `it`). A spec that does not compile fails every case of its files, with its diagnostics.
import { existsSync, readFileSync } from "node:fs";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { renderProblem, renderText, sortDiagnostics, toJson } from "../diagnostics/render.js";
import { compileSpec, integrationName, type Compiled } from "../language/compile.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { displayPath, findFiles, UsageError } from "../source/files.js";
import { readTestFile, TEST_FILE_SUFFIX, type TestCase, type TestFile } from "./format.js";
import { caseResult, runCase, type CaseResult, type Failure } from "./run-case.js";

export interface SuiteFile {
  /** The test file as people see it. */
  readonly file: string;
  readonly integration: string;
  /** Problems with the test file as a whole; together they count as one failure, and its cases still run. */
  readonly problems: readonly Problem[];
  /** The spec's diagnostics as code frames, when it does not compile. */
  readonly specReport: readonly string[];
  readonly cases: readonly SuiteCase[];
}

export interface SuiteCase {
  readonly name: string;
  readonly line: number;
  run(): CaseResult;
}

/**
 * The test files under each path: a folder's `*.test.yaml` (recursively), a file as given,
 * and for a `.sync` file the test file beside it. Sorted, each once.
 */
export function findTestFiles(paths: readonly string[]): string[] {
  return findFiles(paths, TEST_FILE_SUFFIX, (path) => {
    if (!path.endsWith(".sync")) return path;
    const beside = path.slice(0, -".sync".length) + TEST_FILE_SUFFIX;
    if (!existsSync(beside)) throw new UsageError(`${path} has no test file; write its cases in ${beside}`);
    return beside;
  });
}

/** Compiles each spec once, however many test files name it. */
export class SpecCache {
  private readonly compiled = new Map<string, Compiled>();
  constructor(readonly systems: SystemCatalog) {}

  get(spec: string): Compiled | undefined {
    let result = this.compiled.get(spec);
    if (!result) {
      if (!existsSync(spec)) return undefined;
      result = compileSpec(readFileSync(spec, "utf8"), displayPath(spec), this.systems);
      this.compiled.set(spec, result);
    }
    return result;
  }
}

export function loadSuiteFile(path: string, specs: SpecCache): SuiteFile {
  const file = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { file, integration: integrationName(path.replace(/\.test\.ya?ml$/, "")), problems: [problem({ file }, message("INP001", "cannotRead"))], specReport: [], cases: [] };
  }
  const read = readTestFile(text, file, path);
  const testFile = read.testFile;
  if (!testFile) return { file, integration: integrationName(path.replace(/\.test\.ya?ml$/, "")), problems: read.problems, specReport: [], cases: [] };
  const integration = integrationName(testFile.spec);
  const compiled = specs.get(testFile.spec);
  if (!compiled) {
    const place = testFile.specPlace ? { line: testFile.specPlace.line, column: testFile.specPlace.column } : {};
    const spec = displayPath(testFile.spec);
    // Named by `spec:`, the path is wrong; found beside the test file, the file should name its spec.
    const why = testFile.specPlace ? message("TST006", "noSpecAt", { spec }) : message("TST006", "noSpec", { spec });
    return { file, integration, problems: [...read.problems, problem({ file, ...place }, why)], specReport: [], cases: [] };
  }
  const diagnostics = sortDiagnostics(compiled.diagnostics);
  const plan = !hasErrors(compiled.diagnostics) ? compiled.plan : undefined;
  // Warnings are `syncspec check`'s to report; a test run shows a spec only when it cannot run it.
  const specReport = plan ? [] : diagnostics.map((d) => renderText(d, compiled.source));
  // Each of the spec's errors as a problem at its line and column, with its code and message.
  const brokenSpec = diagnostics
    .filter((d) => d.severity === "error")
    .map((d): Failure => {
      const j = toJson(d, compiled.source);
      const found: Problem = { code: d.code, severity: d.severity, file: j.file, line: j.line, column: j.column, message: j.message };
      return { message: renderProblem(found), problem: found };
    });
  return {
    file,
    integration,
    problems: read.problems,
    specReport,
    cases: testFile.cases.map((testCase) => ({
      name: testCase.name,
      line: testCase.line,
      run: () => (plan ? runCase(testFile, testCase, plan, specs.systems) : specFailed(testFile, testCase, integration, brokenSpec)),
    })),
  };
}

function specFailed(testFile: TestFile, testCase: TestCase, integration: string, diagnostics: Failure[]): CaseResult {
  return caseResult(testFile, testCase, integration, [{ message: `the spec does not compile, so no case of ${testFile.file} can run:` }, ...diagnostics]);
}

export interface SuiteResult {
  readonly files: readonly { readonly file: SuiteFile; readonly results: readonly CaseResult[] }[];
  readonly passed: number;
  readonly failed: number;
}

/** Runs every case of every file; a file with problems of its own counts as one failure. */
export function runSuite(files: readonly SuiteFile[]): SuiteResult {
  let passed = 0;
  let failed = 0;
  const done = files.map((file) => {
    const results = file.cases.map((c) => c.run());
    for (const r of results) r.status === "passed" ? passed++ : failed++;
    if (file.problems.length > 0) failed++;
    return { file, results };
  });
  return { files: done, passed, failed };
}
