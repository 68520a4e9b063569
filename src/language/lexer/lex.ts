// Stage 1: text -> tokens. Lexing errors and size limits become diagnostics here, and
// every string literal is checked for its escapes once, so later stages see clean tokens.
import { Lexer, type IToken, type TokenType } from "chevrotain";
import { diagnostic, type Diagnostic, type Result } from "../../diagnostics/diagnostic.js";
import { message } from "../../diagnostics/catalog.js";
import type { SourceFile } from "../../source/source-file.js";
import { ALL_TOKENS, StringLiteral, UnterminatedString } from "./tokens.js";

export const MAX_SPEC_BYTES = 1024 * 1024;
export const MAX_STRING_LENGTH = 4096;

// What SpecLexer replaces is Chevrotain's own (11.0); fail loudly if an upgrade renames it.
if (typeof (Lexer.prototype as unknown as Record<string, unknown>)["createOffsetOnlyToken"] !== "function") {
  throw new Error("Chevrotain's Lexer no longer has createOffsetOnlyToken; update src/lexer/lex.ts");
}

/**
 * Chevrotain's lexer, with offset-only tokens that carry their end from the start. Its own
 * have no end, and adding one to each token afterwards gave every token a second allocation:
 * on a large spec, collecting it was a large part of the lexing time.
 */
class SpecLexer extends Lexer {
  // Chevrotain's constructor picks this method to make each token under "onlyOffset".
  createOffsetOnlyToken(image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType): IToken {
    // No token spans lines, so a token ends where its text does.
    return { image, startOffset, endOffset: startOffset + image.length - 1, tokenTypeIdx, tokenType };
  }
}

// The token definitions are validated under the tests; the command skips it at start-up.
const lexer = new SpecLexer(ALL_TOKENS, {
  // Offsets only: tracking lines and columns for every token tripled the lexing time, and
  // lines are needed only where the parser asks whether two tokens share one, and in errors.
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
  skipValidations: process.env["VITEST"] === undefined && process.env["SYNCSPEC_VALIDATE_GRAMMAR"] !== "1",
});

export interface Tokens {
  readonly tokens: IToken[];
  readonly comments: IToken[];
}

export function tokenize(source: SourceFile): Result<Tokens> {
  const diagnostics: Diagnostic[] = [];
  if (source.text.length > MAX_SPEC_BYTES) {
    diagnostics.push(
      diagnostic({ start: 0, end: 0 }, message("LEX004", "tooLong", { length: source.text.length, limit: MAX_SPEC_BYTES })),
    );
    return { value: undefined, diagnostics };
  }
  const result = lexer.tokenize(source.text);
  for (const error of result.errors) {
    const char = source.text.slice(error.offset, error.offset + error.length);
    const first = [...char][0] ?? char;
    diagnostics.push(
      diagnostic({ start: error.offset, end: error.offset + first.length }, message("LEX001", "unexpected", { char: describeChar(first) })),
    );
  }
  let unterminated = false;
  for (const token of result.tokens) {
    if (token.tokenType === StringLiteral) {
      checkString(token, diagnostics);
    } else if (token.tokenType === UnterminatedString) {
      unterminated = true;
      diagnostics.push(
        diagnostic({ start: token.startOffset, end: token.endOffset! + 1 }, message("LEX002", "unclosed")),
      );
    }
  }
  const tokens = unterminated ? result.tokens.filter((t) => t.tokenType !== UnterminatedString) : result.tokens;
  const comments = (result.groups["comments"] ?? []) as IToken[];
  return { value: { tokens, comments }, diagnostics };
}

/** Characters that are invisible or look like others, by name: a code frame cannot show them. */
const NAMED_CHARACTERS: Record<number, string> = {
  0x00a0: "no-break space",
  0x200b: "zero-width space",
  0x200c: "zero-width non-joiner",
  0x200d: "zero-width joiner",
  0x2028: "line separator",
  0x2029: "paragraph separator",
  0xfeff: "byte order mark",
  0x2013: "en dash",
  0x2014: "em dash",
};

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (code < 32 || code === 127) return hex;
  if (char === "'") return message("LEX001", "singleQuote").text;
  if (char === "`") return "'`'";
  if (char === "\u201c" || char === "\u201d" || char === "\u2018" || char === "\u2019") return message("LEX001", "typographicQuote", { char }).text;
  const name = NAMED_CHARACTERS[code] ?? (code >= 0x2000 && code <= 0x200a ? "space" : undefined);
  if (name) return `${hex} (${name})`;
  return `\`${char}\``;
}

function checkString(token: IToken, diagnostics: Diagnostic[]): void {
  const raw = token.image;
  if (raw.length - 2 > MAX_STRING_LENGTH) {
    diagnostics.push(
      diagnostic({ start: token.startOffset, end: token.endOffset! + 1 }, message("LEX005", "tooLong", { length: raw.length - 2, limit: MAX_STRING_LENGTH })),
    );
    return;
  }
  if (!raw.includes("\\")) return; // most strings have no escape to check
  const escape = /\\(u[0-9A-Fa-f]{4}|["\\nt])|\\(u[0-9A-Fa-f]{0,3}|.)/g;
  for (let m = escape.exec(raw); m; m = escape.exec(raw)) {
    if (m[2] === undefined) continue;
    const start = token.startOffset + m.index;
    diagnostics.push(diagnostic({ start, end: start + m[0].length }, message("LEX003", "notAnEscape", { escape: m[0] })));
  }
}

/** The value of a string literal token: the text between its quotes with escapes resolved. */
export function stringValue(image: string): string {
  return image.slice(1, -1).replace(/\\(u[0-9A-Fa-f]{4}|.)/g, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e === "n") return "\n";
    if (e === "t") return "\t";
    return e;
  });
}
