// Golden files: what an integration author sees. Every spec under test/golden/diagnostics
// holds a deliberate mistake; its rendered diagnostics are pinned beside it in
// <name>.errors.txt. The plans of the specs under specs/ are pinned in test/golden/plans.
//
// After an intended change to a message or a plan, regenerate the baselines and review the diff:
//
//   UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
//
// Without UPDATE_GOLDEN a missing or different baseline fails the test.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSpec, loadSystems, renderText, type Diagnostic } from "../src/index.js";
import type { SourceFile } from "../src/source/source-file.js";
import { runExplain } from "../src/cli/explain.js";

const root = process.cwd();
const goldenDir = join(root, "test", "golden");
const diagnosticsDir = join(goldenDir, "diagnostics");
const plansDir = join(goldenDir, "plans");
const specsDir = join(root, "specs");
const update = process.env["UPDATE_GOLDEN"] === "1";

const loaded = loadSystems(join(root, "integrations"));
const systems = loaded.systems;

/** Forward slashes on every platform, so baselines read the same everywhere. */
function slashes(path: string): string {
  return path.split(sep).join("/");
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(path));
    else if (entry.name.endsWith(".sync")) found.push(path);
  }
  return found;
}

/** Compares `actual` with the baseline at `path`; under UPDATE_GOLDEN writes it when missing or different. */
function expectBaseline(path: string, actual: string): void {
  const expected = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  if (expected === actual) return;
  if (update) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  const name = slashes(relative(root, path));
  if (expected === undefined) {
    expect.fail(`no baseline ${name}; run \`UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts\` and review it`);
  }
  expect(actual, `${name} differs from what the compiler now reports; if intended, rerun with UPDATE_GOLDEN=1 and review the diff`).toBe(expected);
}

// What must never reach an author: Chevrotain's token type and exception names, and stack traces.
const LEAKS = [
  "Identifier",
  "LCurly",
  "RCurly",
  "LParen",
  "RParen",
  "LBracket",
  "RBracket",
  "NumberLiteral",
  "StringLiteral",
  "UnterminatedString",
  "TwoWay",
  "RightArrow",
  "LeftArrow",
  "EqualEqual",
  "MismatchedTokenException",
  "NoViableAltException",
  "NoViableAlt",
  "EarlyExitException",
  "NotAllInputParsedException",
  "EOF",
  "undefined",
  "[object Object]",
  "    at ",
];

function texts(d: Diagnostic): string[] {
  return [d.message, ...(d.notes ?? []).map((n) => n.message), ...(d.suggestion !== undefined ? [d.suggestion] : [])];
}

/** A span's offsets lie within the text, and its start is on a line and column that exist. */
function expectInside(span: { start: number; end: number }, source: SourceFile, what: string): void {
  const length = source.text.length;
  expect(span.start, `${what}: start offset`).toBeGreaterThanOrEqual(0);
  expect(span.end, `${what}: end offset`).toBeGreaterThanOrEqual(span.start);
  expect(span.end, `${what}: end offset`).toBeLessThanOrEqual(length);
  const at = source.position(span.start);
  expect(at.line, `${what}: line`).toBeGreaterThanOrEqual(1);
  expect(at.line, `${what}: line`).toBeLessThanOrEqual(source.lineCount);
  expect(at.column, `${what}: column`).toBeGreaterThanOrEqual(1);
  expect(at.column, `${what}: column`).toBeLessThanOrEqual(source.lineText(at.line).length + 1);
}

describe("golden diagnostics", () => {
  it("loads the systems of integrations/ without problems", () => {
    expect(loaded.problems.map((p) => p.source.path)).toEqual([]);
    expect(systems.size).toBeGreaterThan(0);
  });

  const cases = walk(diagnosticsDir);

  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  for (const path of cases) {
    const name = slashes(relative(diagnosticsDir, path));
    it(name, () => {
      const text = readFileSync(path, "utf8");
      const compiled = compileSpec(text, name, systems);
      const { diagnostics, source } = compiled;

      expect(diagnostics.filter((d) => d.severity === "error").length, `${name} compiles without an error`).toBeGreaterThan(0);
      expect(compiled.plan).toBeUndefined();
      for (const d of diagnostics) {
        for (const message of texts(d)) {
          for (const leak of LEAKS) expect(message, `${name}: ${d.code} shows ${JSON.stringify(leak)}`).not.toContain(leak);
        }
        expectInside(d.span, source, `${name}: ${d.code}`);
        for (const note of d.notes ?? []) if (note.span) expectInside(note.span, source, `${name}: a note of ${d.code}`);
      }

      const rendered = `${diagnostics.map((d) => renderText(d, source)).join("\n\n")}\n`;
      expectBaseline(path.replace(/\.sync$/, ".errors.txt"), rendered);
    });
  }

  // LEX004 needs a spec over 1 MiB, too large to keep as a golden file; it is built here instead.
  it("lexing/spec-too-large (built in memory)", () => {
    const text = `sync raisedonors -> virtuous\n# ${"x".repeat(1024 * 1024)}\n`;
    const compiled = compileSpec(text, "lexing/spec-too-large.sync", systems);
    expect(compiled.diagnostics.map((d) => renderText(d, compiled.source)).join("\n\n")).toBe(
      [
        `lexing/spec-too-large.sync:1:1: error LEX004: the spec is ${text.length} characters long; the limit is 1048576`,
        "    1 | sync raisedonors -> virtuous",
        "      | ^",
      ].join("\n"),
    );
  });

  it("has no baseline without its spec", () => {
    const orphans: string[] = [];
    const visit = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith(".errors.txt") && !existsSync(path.replace(/\.errors\.txt$/, ".sync"))) orphans.push(slashes(relative(root, path)));
      }
    };
    visit(diagnosticsDir);
    expect(orphans).toEqual([]);
  });
});

describe("golden plans", () => {
  const specs = existsSync(specsDir) ? readdirSync(specsDir).filter((f) => f.endsWith(".sync")).sort() : [];

  it("has the specs of specs/", () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  for (const file of specs) {
    const name = file.replace(/\.sync$/, "");
    it(name, () => {
      const relativePath = `specs/${file}`;
      const compiled = compileSpec(readFileSync(join(specsDir, file), "utf8"), relativePath, systems);
      const errors = compiled.diagnostics.filter((d) => d.severity === "error");
      expect(errors.map((d) => renderText(d, compiled.source))).toEqual([]);
      expect(compiled.plan).toBeDefined();
      const plan = { ...compiled.plan!, source: slashes(relative(root, join(root, compiled.plan!.source))) };
      expect(plan.source).toBe(relativePath);
      expectBaseline(join(plansDir, `${name}.plan.json`), `${JSON.stringify(plan, null, 2)}\n`);
    });
  }
});

// What `syncspec explain` says of the first record of every collection each seed spec reads,
// over the sample data: the same words a support desk reads, pinned so that a change to the
// engine or its trace shows in review.
describe("golden explanations", () => {
  const explainDir = join(goldenDir, "explain");
  const samples = (plan: { systems: { left: string; right: string } }): string[] => [plan.systems.left, plan.systems.right].map((s) => `${s}=${join(root, "integrations", s, "sample.json")}`);
  for (const spec of readdirSync(specsDir).filter((f) => f.endsWith(".sync")).sort()) {
    const compiled = compileSpec(readFileSync(join(specsDir, spec), "utf8"), `specs/${spec}`, systems);
    const plan = compiled.plan!;
    for (const [system, collections] of Object.entries(plan.collections)) {
      const sample = JSON.parse(readFileSync(join(root, "integrations", system, "sample.json"), "utf8")) as Record<string, Record<string, unknown> | undefined>;
      for (const collection of Object.keys(collections).sort()) {
        const key = Object.keys(sample[collection] ?? {}).sort()[0];
        if (key === undefined) continue;
        const name = spec.replace(/\.sync$/, "");
        it(`${name}: ${system}.${collection}/${key}`, () => {
          let out = "";
          let err = "";
          const code = runExplain(
            { spec: join(specsDir, spec), record: `${system}.${collection}/${key}`, snapshots: samples(plan), now: "2026-11-05T00:00:00Z", params: name === "vomo-virtuous" ? ["connected_at=2026-10-01T00:00:00Z"] : [], json: false },
            (t) => (out += t),
            (t) => (err += t),
          );
          expect(err).toBe("");
          // The momentum-virtuous sample's run stops at its safety limit: it still explains, with exit 1.
          expect(code).toBe(name === "momentum-virtuous" ? 1 : 0);
          expectBaseline(join(explainDir, name, `${system}.${collection}.txt`), out);
        });
      }
    }
  }
});
