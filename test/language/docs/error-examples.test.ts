// Every code of the catalog, and so of grammar/errors.md, has an example that produces it: a
// spec's code, a spec under test/golden/diagnostics whose diagnostics carry it; any other
// code (an input, a run, the store), a test that makes the mistake and asserts the code
// (test/diagnostics/problem-codes.test.ts, or the test of the part that reports it). A code
// that no example produces is one whose help text nobody has seen next to a real message,
// or one that has quietly stopped being reported.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG, type Code } from "../../../src/diagnostics/catalog.js";
import { compileSpec, loadSystems } from "../../../src/index.js";

const DIR = join("test", "golden", "diagnostics");

/** Spec codes no spec file here can produce, each shown by the test named. */
const NOT_FROM_A_SPEC: Partial<Record<Code, string>> = {
  LEX004: "a spec over 1 MiB, too large for a file here: test/golden.test.ts and the parser properties build one",
  SYS001: "a system definition under integrations/: test/cli/cli.test.ts breaks one",
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
    if (NOT_SPEC_PREFIXES.includes(code.slice(0, 3))) {
      it(`${code} (${CATALOG[code].title}) has an example a test makes`, () => {
        // A quoted code ("SNP004") or one in a rendered message ("error SNP004").
        const example = existsSync(join("test", "golden", "problems", `${code}.txt`));
        const asserted = tests.some((text) => text.includes(`"${code}"`) || text.includes(`error ${code}`));
        expect(example || asserted, `no test asserts ${code}; add its mistake to test/diagnostics/problem-codes.test.ts`).toBe(true);
      });
      continue;
    }
    if (NOT_FROM_A_SPEC[code]) continue;
    it(`${code} (${CATALOG[code].title}) is produced by a spec under ${DIR}`, () => {
      expect(examples.get(code) ?? [], `no spec under ${DIR} produces ${code}; add one that makes this mistake`).not.toEqual([]);
    });
  }

  it("leaves out only codes no spec can produce", () => {
    const leftOut = Object.keys(NOT_FROM_A_SPEC).filter((code) => examples.has(code));
    expect(leftOut, "these codes have an example after all; take them off NOT_FROM_A_SPEC").toEqual([]);
  });
});
