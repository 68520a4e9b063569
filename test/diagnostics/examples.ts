// The example of a code in grammar/errors.md is what a test produced for it: kept in
// test/golden/problems/CODE.txt, written there under UPDATE_GOLDEN=1 (then `npm run generate`),
// and compared with what syncspec reports on every run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Code } from "../../src/diagnostics/catalog.js";
import type { Problem } from "../../src/diagnostics/problem.js";
import { renderProblem } from "../../src/diagnostics/render.js";

/** `text`, as a terminal shows it, is the example of `code`. */
export function expectExampleText(code: Code, text: string): void {
  const path = join("test", "golden", "problems", `${code}.txt`);
  const shown = `${text.trimEnd()}\n`;
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(join("test", "golden", "problems"), { recursive: true });
    writeFileSync(path, shown);
  }
  expect(existsSync(path), `no example ${path}; run UPDATE_GOLDEN=1 npx vitest run test/diagnostics, review it, then npm run generate`).toBe(true);
  expect(shown, `${path} differs from what syncspec now reports`).toBe(readFileSync(path, "utf8"));
}

/** The rendered problem is the example of its code. */
export function expectExample(code: Code, found: Problem): void {
  expect(found.code).toBe(code);
  expectExampleText(code, renderProblem(found));
}
