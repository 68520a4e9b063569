// The TextMate grammar is written by hand, so these checks tie it to the lexer: every keyword is
// highlighted, and comments and strings in the example specs are highlighted exactly where the lexer finds them.
import { readdirSync, readFileSync } from "node:fs";
import { Lexer, type IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import { ALL_TOKENS, KEYWORDS, StringLiteral } from "../../../src/language/lexer/tokens.js";

interface Capture {
  name?: string;
}
interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, Capture>;
  beginCaptures?: Record<string, Capture>;
  endCaptures?: Record<string, Capture>;
  patterns?: Rule[];
}
interface Grammar {
  scopeName: string;
  fileTypes: string[];
  patterns: Rule[];
}

const grammar = JSON.parse(
  readFileSync(new URL("../../../grammar/syncspec.tmLanguage.json", import.meta.url), "utf8"),
) as Grammar;

const specsDir = new URL("../../../specs/", import.meta.url);
const specFiles = readdirSync(specsDir)
  .filter((name) => name.endsWith(".sync"))
  .sort();

/**
 * A small line-based stand-in for a TextMate engine: at each position the first top-level pattern that
 * matches there wins; `begin`/`end` rules run to their end (which wins ties with their inner patterns)
 * or to the end of the line. Returns the scope names covering each character of the line.
 */
function tokenizeLine(line: string): string[][] {
  const scopes: string[][] = Array.from({ length: line.length }, () => []);
  const paint = (from: number, to: number, name: string | undefined, outer = false): void => {
    if (!name) return;
    for (let i = from; i < Math.min(to, line.length); i++) {
      if (outer) scopes[i]!.unshift(name);
      else scopes[i]!.push(name);
    }
  };
  const matchAt = (source: string, at: number): RegExpExecArray | null => {
    const regex = new RegExp(source, "yd");
    regex.lastIndex = at;
    return regex.exec(line);
  };
  const paintMatch = (m: RegExpExecArray, name: string | undefined, captures: Record<string, Capture> = {}): void => {
    paint(m.index, m.index + m[0].length, name);
    for (const [group, capture] of Object.entries(captures)) {
      const span = m.indices?.[Number(group)];
      if (span) paint(span[0], span[1], capture.name);
    }
  };

  let pos = 0;
  while (pos < line.length) {
    let matched = false;
    for (const rule of grammar.patterns) {
      if (rule.match !== undefined) {
        const m = matchAt(rule.match, pos);
        if (!m || m[0].length === 0) continue;
        paintMatch(m, rule.name, rule.captures);
        pos += m[0].length;
      } else if (rule.begin !== undefined && rule.end !== undefined) {
        const m = matchAt(rule.begin, pos);
        if (!m || m[0].length === 0) continue;
        const start = pos;
        paintMatch(m, undefined, rule.beginCaptures);
        pos += m[0].length;
        inside: while (pos <= line.length) {
          const end = matchAt(rule.end, pos);
          if (end) {
            paintMatch(end, undefined, rule.endCaptures);
            pos += end[0].length;
            break;
          }
          for (const inner of rule.patterns ?? []) {
            const im = inner.match === undefined ? null : matchAt(inner.match, pos);
            if (im && im[0].length > 0) {
              paintMatch(im, inner.name, inner.captures);
              pos += im[0].length;
              continue inside;
            }
          }
          pos++;
        }
        paint(start, pos, rule.name, true);
      } else {
        continue;
      }
      matched = true;
      break;
    }
    if (!matched) pos++;
  }
  return scopes;
}

/** The scopes of the characters `text` occupies the first time it appears in `line`. */
function scopesOf(line: string, text: string): string[][] {
  const at = line.indexOf(text);
  if (at < 0) throw new Error(`${JSON.stringify(text)} is not in ${JSON.stringify(line)}`);
  return tokenizeLine(line).slice(at, at + text.length);
}

const has = (scopes: string[], prefix: string): boolean => scopes.some((scope) => scope.startsWith(prefix));

function expectedKeywordScope(keyword: string): string {
  if (["and", "or", "not", "in"].includes(keyword)) return "keyword.operator.word.";
  if (["true", "false", "null"].includes(keyword)) return "constant.language.";
  return "keyword.control.";
}

describe("grammar/syncspec.tmLanguage.json", () => {
  it("names the language", () => {
    expect(grammar.scopeName).toBe("source.syncspec");
    expect(grammar.fileTypes).toEqual(["sync"]);
  });

  it("compiles every regex as JavaScript", () => {
    const sources: string[] = [];
    const collect = (rules: Rule[]): void => {
      for (const rule of rules) {
        for (const source of [rule.match, rule.begin, rule.end]) if (source !== undefined) sources.push(source);
        collect(rule.patterns ?? []);
      }
    };
    collect(grammar.patterns);
    expect(sources.length).toBeGreaterThan(10);
    for (const source of sources) expect(() => new RegExp(source)).not.toThrow();
  });

  describe("keywords", () => {
    it("come from the lexer", () => {
      expect(KEYWORDS.length).toBeGreaterThan(30);
    });

    it.each([...KEYWORDS])("`%s` is matched as a whole word by a keyword pattern", (keyword) => {
      const scope = expectedKeywordScope(keyword);
      const rules = grammar.patterns.filter((rule) => rule.match !== undefined && rule.name?.startsWith(scope));
      const wholeWord = (source: string): boolean => {
        const at = (text: string, index: number): string | undefined => {
          const regex = new RegExp(source, "y");
          regex.lastIndex = index;
          return regex.exec(text)?.[0];
        };
        return at(keyword, 0) === keyword && at(`${keyword}_x`, 0) === undefined && at(`x_${keyword}`, 2) === undefined;
      };
      expect(rules.some((rule) => wholeWord(rule.match!))).toBe(true);
      // And no earlier pattern takes the word first.
      for (const scopes of scopesOf(`a ${keyword} b`, keyword)) expect(scopes).toEqual([expect.stringMatching(`^${scope}`)]);
    });
  });

  it("highlights the other kinds of token", () => {
    const cases: [line: string, text: string, scope: string][] = [
      ["nightly at 02:00 in \"America/New_York\"", "02:00", "constant.numeric.time."],
      ["limit removals of x.y to 50%", "50%", "constant.numeric.percentage."],
      ["every 10 minutes", "10", "constant.numeric."],
      ["sync a <-> b", "<->", "keyword.operator.direction."],
      ["sync a -> b", "->", "keyword.operator.direction."],
      ["x.first <- y.first", "<-", "keyword.operator.direction."],
      ["where a <= b", "<=", "keyword.operator.comparison."],
      ["where a != b", "!=", "keyword.operator.comparison."],
      ["x = a * b - c", "*", "keyword.operator.arithmetic."],
      ["x = a * b - c", "-", "keyword.operator.arithmetic."],
      ["x = lower(trim(y))", "trim", "support.function."],
      ["where a.start <= now", "now", "variable.language."],
      ["where last_run == null", "last_run", "variable.language."],
      ["match row.source == \"VOMO\"", "source", "variable.other.property."],
      ["x = a.key + b", "key", "variable.other.property."],
      ["let n = x # a \"note\"", "# a \"note\"", "comment.line.number-sign."],
      ["x = \"a # b\"", "\"a # b\"", "string.quoted.double."],
    ];
    for (const [line, text, scope] of cases) {
      for (const scopes of scopesOf(line, text)) expect(scopes, `${text} in ${line}`).toContainEqual(expect.stringMatching(`^${scope}`));
    }
  });

  it("highlights the escapes a string may hold, and flags any other", () => {
    const line = String.raw`x = "a\"b\\c\nd\te\u00e9f\qg" + y`;
    for (const escape of [String.raw`\"`, String.raw`\\`, String.raw`\n`, String.raw`\t`, String.raw`\u00e9`]) {
      for (const scopes of scopesOf(line, escape)) {
        expect(scopes).toEqual(["string.quoted.double.syncspec", "constant.character.escape.syncspec"]);
      }
    }
    for (const scopes of scopesOf(line, String.raw`\q`)) expect(has(scopes, "invalid.illegal.")).toBe(true);
    // The string ends at its closing quote, not at the escaped one.
    expect(scopesOf(line, "+ y").flat()).toEqual(["keyword.operator.arithmetic.syncspec"]);
  });

  describe("on the example specs", () => {
    it("exist", () => {
      expect(specFiles.length).toBeGreaterThan(0);
    });

    const lexer = new Lexer(ALL_TOKENS, { positionTracking: "full" });

    it.each(specFiles)("%s: comments and strings are highlighted exactly where the lexer finds them", (file) => {
      const text = readFileSync(new URL(file, specsDir), "utf8");
      const lexed = lexer.tokenize(text);
      expect(lexed.errors).toEqual([]);
      const comments = (lexed.groups["comments"] ?? []) as IToken[];
      const strings = lexed.tokens.filter((token) => token.tokenType === StringLiteral);
      expect(comments.length).toBeGreaterThan(0);
      expect(strings.length).toBeGreaterThan(0);

      const lines = text.split(/\r?\n/);
      const expected = (tokens: IToken[]): boolean[][] => {
        const marks = lines.map((line) => Array.from({ length: line.length }, () => false));
        for (const token of tokens) {
          // Comments and strings never span lines.
          expect(token.endLine).toBe(token.startLine);
          for (let column = token.startColumn!; column <= token.endColumn!; column++) marks[token.startLine! - 1]![column - 1] = true;
        }
        return marks;
      };
      const inComment = expected(comments);
      const inString = expected(strings);

      const wrong: string[] = [];
      lines.forEach((line, index) => {
        const scopes = tokenizeLine(line);
        for (let i = 0; i < line.length; i++) {
          const where = `${file}:${index + 1}:${i + 1} ${JSON.stringify(line[i])}`;
          if (has(scopes[i]!, "comment.") !== inComment[index]![i]) wrong.push(`${where} comment: ${scopes[i]!.join(" ")}`);
          if (has(scopes[i]!, "string.") !== inString[index]![i]) wrong.push(`${where} string: ${scopes[i]!.join(" ")}`);
        }
      });
      expect(wrong).toEqual([]);
    });
  });
});
