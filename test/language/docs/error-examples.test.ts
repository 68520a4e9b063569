// Every code of the catalog, and so of grammar/errors.md, has an example that produces it:
// a spec under test/golden/diagnostics whose diagnostics carry the code. A code that no
// example produces is one whose help text nobody has seen next to a real message, or one
// that has quietly stopped being reported.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG, type Code } from "../../../src/diagnostics/catalog.js";
import { compileSpec, loadSystems } from "../../../src/index.js";

const DIR = join("test", "golden", "diagnostics");

/** Codes about something other than a spec's text, each shown by the test named. */
const NOT_FROM_A_SPEC: Partial<Record<Code, string>> = {
  LEX004: "a spec over 1 MiB, too large for a file here: test/golden.test.ts and the parser properties build one",
  SYS001: "a system definition under integrations/: test/cli/cli.test.ts breaks one",
  // Nothing in src/ reports PAR001 today: resolveParams (src/input/params.ts) reports a bad
  // --param as an input problem, which carries no code.
  PAR001: "params given at run time, not written in a spec",
};

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

  for (const code of Object.keys(CATALOG) as Code[]) {
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
