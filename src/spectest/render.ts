// A suite's results for people (a line per case, like vitest or cargo test, with what
// differed under a failing one) and for CI (--json, with each case's file and line).
import { problemToJson, renderProblem, type JsonProblem } from "../diagnostics/render.js";
import type { Failure } from "./run-case.js";
import type { SuiteResult } from "./suite.js";

const INDENT = "    ";

export function failureText(failure: Failure): string {
  return failure.run !== undefined ? `run ${failure.run}: ${failure.message}` : failure.message;
}

/** A failure under its case, continuation lines indented under its first. */
function indented(text: string): string {
  return text
    .split("\n")
    .map((line, i) => `${INDENT}${i > 0 ? "  " : ""}${line}`)
    .join("\n");
}

export function renderText(result: SuiteResult): string {
  const out: string[] = [];
  for (const { file, results } of result.files) {
    if (file.specReport.length > 0) out.push(`${file.specReport.join("\n\n")}\n`);
    if (file.problems.length > 0) {
      out.push(`  ✗ ${file.file}`);
      for (const p of file.problems) out.push(indented(renderProblem(p)));
    }
    for (const r of results) {
      out.push(`  ${r.status === "passed" ? "✓" : "✗"} ${r.integration} › ${r.name}`);
      for (const f of r.failures) out.push(indented(failureText(f)));
    }
  }
  out.push("", closingLine(result));
  return `${out.join("\n")}\n`;
}

export function closingLine(result: SuiteResult): string {
  return `${result.passed} passed, ${result.failed} failed`;
}

export interface JsonCase {
  file: string;
  line: number;
  /** Null for a test file that could not be read as cases. */
  name: string | null;
  status: "passed" | "failed";
  failures: string[];
  /**
   * The failures that are problems (with the test file, an input, the spec, the run), each
   * with its code, severity and place, as `check --json` gives diagnostics; absent when none is.
   */
  problems?: JsonProblem[];
  covers?: string;
}

export function renderJson(result: SuiteResult): { passed: number; failed: number; cases: JsonCase[] } {
  const cases: JsonCase[] = [];
  for (const { file, results } of result.files) {
    if (file.problems.length > 0) {
      cases.push({ file: file.file, line: file.problems[0]!.line ?? 1, name: null, status: "failed", failures: file.problems.map(renderProblem), problems: file.problems.map(problemToJson) });
    }
    for (const r of results) {
      const problems = r.failures.flatMap((f) => (f.problem ? [problemToJson(f.problem)] : []));
      cases.push({
        file: r.file,
        line: r.line,
        name: r.name,
        status: r.status,
        failures: r.failures.map(failureText),
        ...(problems.length > 0 ? { problems } : {}),
        ...(r.covers !== undefined ? { covers: r.covers } : {}),
      });
    }
  }
  return { passed: result.passed, failed: result.failed, cases };
}
