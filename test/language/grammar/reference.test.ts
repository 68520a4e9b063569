// The language reference is only useful while its examples are true: every ```sync block in
// grammar/README.md must compile cleanly, every ```sync-error block must fail (and print what the
// page shows, when the page shows it), and the function table must cover the function catalog.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, expect } from "vitest";
import { renderText } from "../../../src/diagnostics/render.js";
import { FUNCTIONS } from "../../../src/language/functions/catalog.js";
import { compileSpec } from "../../../src/language/compile.js";
import { loadSystems } from "../../../src/language/systems/load.js";

const README = "grammar/README.md";
const text = readFileSync(join(process.cwd(), README), "utf8");
const systems = loadSystems(join(process.cwd(), "integrations")).systems;

interface CodeBlock {
  /** The fence's info string: `sync`, `sync-error`, `text`... */
  readonly lang: string;
  readonly body: string;
  /** The nearest heading above the block, without its `#`s. */
  readonly heading: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The fenced code blocks of a Markdown text, in order, each with the heading it sits under. */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  let heading = "(top)";
  let open: { lang: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push({ lang: open.lang, body: open.body.join("\n") + "\n", heading, line: open.line });
        open = undefined;
      } else {
        open.body.push(line);
      }
      return;
    }
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence) {
      open = { lang: fence[1]!, line: i + 1, body: [] };
      return;
    }
    const title = /^#{1,6}\s+(.*)$/.exec(line);
    if (title) heading = title[1]!.trim();
  });
  if (open) throw new Error(`${README}:${open.line}: a code block is never closed`);
  return blocks;
}

function rendered(result: ReturnType<typeof compileSpec>): string {
  return result.diagnostics.map((d) => renderText(d, result.source)).join("\n\n");
}

/** `specs/phone.sync:7:1: error SYN001: ...`: the first line of a rendered diagnostic, naming its file. */
const RENDERED_FIRST_LINE = /^(\S+?):\d+:\d+: (?:error|warning) [A-Z]+\d+: /;

const blocks = codeBlocks(text);
const examples = blocks.filter((b) => b.lang === "sync");
const brokenExamples = blocks.filter((b) => b.lang === "sync-error");

describe("grammar/README.md", () => {
  it("has examples to check", () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(brokenExamples.length).toBeGreaterThanOrEqual(1);
  });

  describe("every ```sync example compiles with no diagnostics", () => {
    examples.forEach((block, i) => {
      const n = i + 1;
      it(`${block.heading}: example ${n} (line ${block.line})`, () => {
        const result = compileSpec(block.body, `${README}#example-${n}.sync`, systems);
        expect(rendered(result), `example ${n} at ${README}:${block.line}`).toBe("");
        expect(result.plan).toBeDefined();
      });
    });
  });

  describe("every ```sync-error example fails", () => {
    brokenExamples.forEach((block, i) => {
      const n = i + 1;
      // When the page shows the checker's output right after the example, it must be exactly that.
      const next = blocks[blocks.indexOf(block) + 1];
      const shown = next?.lang === "text" ? RENDERED_FIRST_LINE.exec(next.body) : null;
      const file = shown ? shown[1]! : `${README}#error-${n}.sync`;
      it(`${block.heading}: broken example ${n} (line ${block.line})`, () => {
        const result = compileSpec(block.body, file, systems);
        expect(result.plan).toBeUndefined();
        expect(result.diagnostics.some((d) => d.severity === "error")).toBe(true);
        if (shown && next) {
          expect(rendered(result), `the output shown at ${README}:${next.line}`).toBe(next.body.trimEnd());
        }
      });
    });
  });

  it("points to the generated function reference, which lists every function of the catalog", () => {
    expect(text).toContain("(functions.md)");
    const reference = readFileSync("grammar/functions.md", "utf8");
    for (const fn of FUNCTIONS) expect(reference, fn.name).toContain(`| \`${fn.name}\` |`);
  });
});
