// The example of each code that grammar/errors.md shows: what a test produced for it, read
// from the golden files the tests compare against, so an example can never drift from what
// syncspec says. A spec's code: the first diagnostic carrying it under test/golden/diagnostics;
// any other code: test/golden/problems/CODE.txt (test/diagnostics/problem-codes.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const DIAGNOSTICS = join("test", "golden", "diagnostics");
const PROBLEMS = join("test", "golden", "problems");
const CODE_AT = /^\S+:\d+:\d+: (?:error|warning) ([A-Z]{3}\d{3}):/;

/** Code -> the example's text, as a terminal shows it. */
export function codeExamples(root = "."): Map<string, string> {
  const examples = new Map<string, string>();
  for (const file of goldenFiles(join(root, DIAGNOSTICS))) {
    // A diagnostic is its first line, its code frame and notes, up to the blank line after it.
    for (const block of readFileSync(file, "utf8").split(/\n\n+/)) {
      const code = CODE_AT.exec(block)?.[1];
      if (code && !examples.has(code)) examples.set(code, block.trimEnd());
    }
  }
  const problems = join(root, PROBLEMS);
  if (existsSync(problems)) {
    for (const name of readdirSync(problems).sort()) {
      if (name.endsWith(".txt")) examples.set(name.slice(0, -".txt".length), readFileSync(join(problems, name), "utf8").trimEnd());
    }
  }
  return examples;
}

function goldenFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return goldenFiles(path);
      return name.endsWith(".errors.txt") ? [path] : [];
    });
}
