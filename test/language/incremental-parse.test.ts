// Parsing again only what an edit touched gives what parsing the whole text gives: the same
// statements, comments and diagnostics with the same spans, edit after edit, over the seed
// specs; or it declines, and the editor parses the whole text.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { parseSpec } from "../../src/language/compile.js";
import { reparse, type Parsed } from "../../src/language/incremental-parse.js";
import { ROOT } from "../helpers.js";

const SPECS = readdirSync(join(ROOT, "specs"))
  .filter((f) => f.endsWith(".sync"))
  .map((f) => readFileSync(join(ROOT, "specs", f), "utf8"));

/** What the editor cares about in a parse: the tree and the diagnostics, without the source object. */
const essence = (p: Parsed) => ({ ast: p.ast, diagnostics: p.diagnostics });

/** Edits as authors make them: mostly ones that keep the spec whole (a space, a blank or comment line, a letter in a string), some that break it. */
const edit = fc.record({
  kind: fc.constantFrom("space", "line", "comment", "string", "any", "any"),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat(12),
  insert: fc.oneof(fc.constantFrom("", "x", "1", " ", "\n", ".", '"', "{", "}", "# note\n", 'and donor.id == "1"', "\nparam extra: str = \"a\"\n", "where true\n"), fc.string({ maxLength: 6 })),
});

/** The text after an edit. */
function applied(text: string, e: { kind: string; at: number; remove: number; insert: string }): string {
  const pick = (offsets: number[]) => offsets[Math.floor(e.at * offsets.length)] ?? 0;
  const all = (pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m.index! + (m[1]?.length ?? 0));
  switch (e.kind) {
    case "space":
      return ((at) => `${text.slice(0, at)} ${text.slice(at)}`)(pick(all(/ /g)));
    case "line":
      return ((at) => `${text.slice(0, at)}\n${text.slice(at)}`)(pick(all(/\n/g)));
    case "comment":
      return ((at) => `${text.slice(0, at)}# a note\n${text.slice(at)}`)(pick(all(/(\n)(?=\S)/g)));
    case "string":
      return ((at) => `${text.slice(0, at)}q${text.slice(at)}`)(pick(all(/(")[A-Za-z]/g)));
    default: {
      const at = Math.floor(e.at * text.length);
      return text.slice(0, at) + e.insert + text.slice(Math.min(text.length, at + e.remove));
    }
  }
}

it("gives the whole parse's tree and diagnostics after every edit, or declines", () => {
  let incremental = 0;
  let eligible = 0;
  fc.assert(
    fc.property(fc.constantFrom(...SPECS.keys()), fc.array(edit, { minLength: 1, maxLength: 8 }), (which, edits) => {
      let text = SPECS[which]!;
      let previous: Parsed = parseSpec(text, "spec.sync");
      for (const e of edits) {
        text = applied(text, e);
        const whole = parseSpec(text, "spec.sync");
        const again = reparse(previous, text, "spec.sync");
        // An edit between two specs that parse: the case an editor meets at every keystroke.
        if (previous.ast && whole.ast && !whole.diagnostics.some((d) => d.severity === "error") && !previous.diagnostics.some((d) => d.severity === "error")) eligible++;
        if (again) {
          incremental++;
          expect(essence(again)).toEqual(essence(whole));
        }
        previous = whole;
      }
    }),
    { numRuns: 400 },
  );
  // Most edits from a spec that parses to one that parses are parsed again in part: the test is of the incremental way, not of its declining.
  expect(eligible).toBeGreaterThan(100);
  expect(incremental / eligible).toBeGreaterThan(0.8);
});

it("parses again only the statement a keystroke changed, and moves the rest", () => {
  const text = SPECS[0]!;
  const previous = parseSpec(text, "spec.sync");
  const at = text.indexOf("\n", text.length / 2);
  const typed = `${text.slice(0, at)} ${text.slice(at)}`;
  const again = reparse(previous, typed, "spec.sync")!;
  expect(again).toBeDefined();
  expect(essence(again)).toEqual(essence(parseSpec(typed, "spec.sync")));
  // The statements before the edit are the previous tree's own objects.
  const firstChanged = previous.ast!.statements.findIndex((s) => s.span.end >= at);
  for (let i = 0; i < firstChanged; i++) expect(again.ast!.statements[i]).toBe(previous.ast!.statements[i]);
});
