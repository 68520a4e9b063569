// `syncspec test`: the cases written beside specs (specs/<spec>.test.yaml), run against the
// compiled spec. format.ts reads a test file, inputs.ts checks a case against its spec,
// run-case.ts runs it, expect.ts compares, render.ts reports, suite.ts ties files together.
export { findTestFiles, loadSuiteFile, runSuite, SpecCache, type SuiteCase, type SuiteFile, type SuiteResult } from "./suite.js";
export { readTestFile, TEST_FILE_SUFFIX, type TestCase, type TestFile } from "./format.js";
export { runCase, type CaseResult, type Failure } from "./run-case.js";
export { closingLine, failureText, renderJson, renderText } from "./render.js";
