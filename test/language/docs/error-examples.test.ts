// Every code of the catalog, and so of grammar/errors.md, has an example that produces it: a
// spec's code, a spec under test/golden/diagnostics whose diagnostics carry it; any other
// code (an input, a run, the store, and the spec codes no spec file can show), a test that
// makes the mistake and keeps what syncspec said in test/golden/problems/CODE.txt
// (test/diagnostics/problem-codes.test.ts, or the test of the part that reports it). A code
// that no example produces is one whose help text nobody has seen next to a real message,
// or one that has quietly stopped being reported.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG, type Code } from "../../../src/diagnostics/catalog.js";
import { compileSpec, loadSystems } from "../../../src/index.js";
import { codeExamples } from "../../../src/language/code-examples.js";

const DIR = join("test", "golden", "diagnostics");
const PROBLEMS = join("test", "golden", "problems");

/** Spec codes no spec file here can produce, each shown by the test named. */
const NOT_FROM_A_SPEC: Partial<Record<Code, string>> = {
  LEX004: "a spec over 1 MiB, too large for a file here: test/diagnostics/problem-codes.test.ts builds one",
  SYS001: "a system definition under integrations/: test/diagnostics/problem-codes.test.ts breaks one",
  SEM015: "a warning, given only for a spec without errors, which no golden spec is: test/language/check/limits.test.ts makes one",
  SEM016: "a warning, given only for a spec without errors: test/language/check/event-reach.test.ts makes one",
  SEM018: "a warning, given only for a spec without errors: test/language/check/fighting-writes.test.ts makes one",
};

/** The prefixes of codes about something other than a spec's text. */
const NOT_SPEC_PREFIXES = ["INP", "SNP", "PAR", "EVT", "STA", "PLN", "DEP", "CON", "TST", "RUN", "SVC"];

/** Every test file's text but this one's, where the other codes' examples assert them. */
function testTexts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testTexts(path);
    return name.endsWith(".ts") && !path.endsWith("error-examples.test.ts") ? [readFileSync(path, "utf8")] : [];
  });
}

function specs(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return specs(path);
      return name.endsWith(".sync") ? [path] : [];
    });
}

describe("the examples of the diagnostic codes", () => {
  const systems = loadSystems("integrations").systems;
  /** Each code, with the golden specs that produce it. */
  const examples = new Map<string, string[]>();
  for (const path of specs(DIR)) {
    const compiled = compileSpec(readFileSync(path, "utf8"), relative(DIR, path), systems);
    for (const code of new Set(compiled.diagnostics.map((d) => d.code))) examples.set(code, [...(examples.get(code) ?? []), relative(DIR, path)]);
  }

  const tests = testTexts("test");
  for (const code of Object.keys(CATALOG) as Code[]) {
    if (NOT_SPEC_PREFIXES.includes(code.slice(0, 3)) || NOT_FROM_A_SPEC[code]) {
      it(`${code} (${CATALOG[code].title}) has an example a test makes`, () => {
        expect(existsSync(join(PROBLEMS, `${code}.txt`)), `no example of ${code}; add its mistake to test/diagnostics/problem-codes.test.ts`).toBe(true);
        // The test that keeps the example names the code it makes.
        expect(tests.some((text) => text.includes(`"${code}"`))).toBe(true);
      });
      continue;
    }
    it(`${code} (${CATALOG[code].title}) is produced by a spec under ${DIR}`, () => {
      expect(examples.get(code) ?? [], `no spec under ${DIR} produces ${code}; add one that makes this mistake`).not.toEqual([]);
    });
  }

  it("keeps no example of a code the catalog does not have", () => {
    const stale = readdirSync(PROBLEMS).filter((name) => !Object.hasOwn(CATALOG, name.replace(/\.txt$/, "")));
    expect(stale).toEqual([]);
  });

  it("gives grammar/errors.md an example for every code", () => {
    const shown = codeExamples();
    expect(Object.keys(CATALOG).filter((code) => !shown.has(code))).toEqual([]);
  });

  it("leaves out only codes no spec can produce", () => {
    const leftOut = Object.keys(NOT_FROM_A_SPEC).filter((code) => examples.has(code));
    expect(leftOut, "these codes have an example after all; take them off NOT_FROM_A_SPEC").toEqual([]);
  });
});
