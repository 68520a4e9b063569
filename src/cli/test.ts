// `syncspec test [PATH ...]`: runs the test cases written beside specs
// (specs/<spec>.test.yaml), so that an integration's author can prove the spec right in CI.
// A line per case, what differed under a failing one, then `N passed, N failed`; --json for
// CI annotations. Exit 1 when any case fails or a test file is malformed.
import { renderText as renderDiagnostic } from "../diagnostics/render.js";
import { findTestFiles, loadSuiteFile, runSuite, SpecCache } from "../spectest/suite.js";
import { renderJson, renderText } from "../spectest/render.js";
import { loadSystems } from "../language/systems/load.js";
import { findIntegrations } from "../source/files.js";

export interface TestOptions {
  paths: string[];
  json: boolean;
  systems?: string;
}

export function runTests(options: TestOptions, out: (text: string) => void, err: (text: string) => void): number {
  const paths = options.paths.length > 0 ? options.paths : ["specs"];
  const files = findTestFiles(paths);
  if (files.length === 0) {
    err(`syncspec: no test files (*.test.yaml) under ${paths.join(", ")}; write a spec's cases in specs/<spec>.test.yaml\n`);
    return 1;
  }
  const loaded = loadSystems(findIntegrations(files[0]!, options.systems));
  // A broken system definition breaks every spec that joins it; say which file it is first.
  for (const problem of loaded.problems) for (const d of problem.diagnostics) err(`${renderDiagnostic(d, problem.source)}\n\n`);
  const specs = new SpecCache(loaded.systems);
  const result = runSuite(files.map((file) => loadSuiteFile(file, specs)));
  if (options.json) out(`${JSON.stringify(renderJson(result), null, 2)}\n`);
  else out(renderText(result));
  return result.failed > 0 || loaded.problems.length > 0 ? 1 : 0;
}
