// Stage 2: tokens -> concrete syntax tree. Reports the first syntax error in the author's
// words, with a note on the bracket that most likely lost its partner.
import type { CstNode, IToken } from "chevrotain";
import { diagnostic, type Note, type Result } from "../../diagnostics/diagnostic.js";
import { message } from "../../diagnostics/catalog.js";
import type { Tokens } from "../lexer/lex.js";
import { LBracket, LCurly, LParen, Minus, Not, RBracket, RCurly, RParen } from "../lexer/tokens.js";
import type { SourceFile } from "../../source/source-file.js";
import { parser } from "./grammar.js";
import { describeToken } from "./messages.js";
import { MAX_NESTING, NestingTooDeep } from "./nesting.js";

const CLOSER_OF = new Map([
  [LCurly, RCurly],
  [LParen, RParen],
  [LBracket, RBracket],
]);
const CLOSERS = new Set([RCurly, RParen, RBracket]);

export function parse(source: SourceFile, lexed: Tokens): Result<CstNode> {
  const { tokens } = lexed;
  const tooDeep = checkNesting(tokens);
  if (tooDeep) {
    return {
      value: undefined,
      diagnostics: [diagnostic(span(tooDeep), message("SYN004", "tooDeep", { limit: MAX_NESTING }))],
    };
  }
  parser.text = source.text;
  parser.input = tokens;
  let cst: CstNode;
  try {
    cst = parser.spec();
  } catch (error) {
    // The parser stops where expressions nest too deep (`if` inside `if` ...: brackets and
    // prefixes were counted above).
    if (error instanceof NestingTooDeep) {
      return { value: undefined, diagnostics: [diagnostic(error.span, message("SYN004", "expressionTooDeep", { limit: MAX_NESTING }))] };
    }
    // A runaway recursion that no limit caught; any other error is a defect and must surface.
    if (!(error instanceof RangeError)) throw error;
    return {
      value: undefined,
      diagnostics: [diagnostic({ start: 0, end: 0 }, message("SYN004", "tooDeepToRead"))],
    };
  }
  const first = parser.errors[0];
  if (!first) return { value: cst, diagnostics: [] };
  const atEnd = !Number.isFinite(first.token.startOffset);
  const previous = (first as { previousToken?: IToken }).previousToken;
  // A missing token is reported where it belongs, just after the last token, when what was
  // found instead is on a later line ("expected `)`" at the end of the line that lacks it).
  const lineOf = (t: IToken): number => source.position(t.startOffset).line;
  const missingAtLineEnd = previous && Number.isFinite(previous.startOffset) && (atEnd || lineOf(first.token) > lineOf(previous));
  const end = source.text.length;
  const where = missingAtLineEnd
    ? { start: Math.min(previous.endOffset! + 1, end), end: Math.min(previous.endOffset! + 2, end) }
    : atEnd
      ? { start: source.text.length, end: source.text.length }
      : span(first.token);
  const notes = bracketNotes(tokens, source);
  const bracketTrouble = notes.length > 0;
  const ruleStack = (first as { context?: { ruleStack?: string[] } }).context?.ruleStack ?? [];
  // The error's message is what was expected (messages.ts): in a `when` block, its `{`.
  if (ruleStack[ruleStack.length - 1] === "whenBlock" && first.message.startsWith(LCurly.LABEL!)) {
    notes.push(whenNote(tokens, first.token, lineOf));
  }
  const code = atEnd ? "SYN003" : bracketTrouble ? "SYN002" : "SYN001";
  return { value: undefined, diagnostics: [diagnostic(where, message(code, "expected", { expected: first.message, found: describeToken(first.token) }), { notes })] };
}

/** Why a `when` was read as a block: it starts a line, or it comes before its mapping. */
function whenNote(tokens: readonly IToken[], at: IToken, lineOf: (t: IToken) => number): Note {
  let i = tokens.indexOf(at);
  if (i < 0) i = tokens.length;
  let when: IToken | undefined;
  for (let j = i - 1; j >= 0; j--) {
    if (tokens[j]!.image === "when") {
      when = tokens[j];
      break;
    }
  }
  if (!when) return { message: message("SYN001", "whenAtLineEnd").text };
  const before = tokens[tokens.indexOf(when) - 1];
  const startsLine = !before || lineOf(before) < lineOf(when);
  return startsLine
    ? { message: message("SYN001", "whenStartsLine").text, span: span(when) }
    : { message: message("SYN001", "whenAfterMapping").text, span: span(when) };
}

function span(token: IToken) {
  return { start: token.startOffset, end: token.endOffset! + 1 };
}

/**
 * The first token past the nesting limit, if any: checked before parsing so that deep input
 * cannot exhaust the stack. Brackets nest, and so do prefix operators in a row (`not not x`).
 */
function checkNesting(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let prefixes = 0;
  for (const token of tokens) {
    // Compared one by one rather than looked up in CLOSER_OF: this runs over every token.
    const type = token.tokenType;
    prefixes = type === Not || type === Minus ? prefixes + 1 : 0;
    if (prefixes > MAX_NESTING) return token;
    if (type === LCurly || type === LParen || type === LBracket) {
      depth++;
      if (depth > MAX_NESTING) return token;
    } else if (type === RCurly || type === RParen || type === RBracket) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/**
 * Points at the bracket most likely missing its partner. Brackets pair by nesting; a pair
 * whose closer starts a line at a different indent than its opener's line usually means a
 * closer is missing inside it, so that pair's opener is named. Otherwise the innermost
 * opener left unclosed at the end is.
 */
function bracketNotes(tokens: readonly IToken[], source: SourceFile): Note[] {
  const stack: IToken[] = [];
  let suspect: IToken | undefined;
  let previous: IToken | undefined;
  const indentOf = new Map<number, number>();
  const positionOf = (t: IToken) => source.position(t.startOffset);
  for (const token of tokens) {
    const { line, column } = positionOf(token);
    if (!indentOf.has(line)) indentOf.set(line, column);
    if (CLOSER_OF.has(token.tokenType)) {
      stack.push(token);
    } else if (CLOSERS.has(token.tokenType)) {
      const opener = stack.pop();
      if (opener && CLOSER_OF.get(opener.tokenType) !== token.tokenType) {
        return [{ message: message("SYN002", "closedBy", { opener: opener.image, closer: token.image }).text, span: span(opener) }];
      }
      const startsLine = !previous || positionOf(previous).line !== line;
      const openerLine = opener ? positionOf(opener).line : line;
      if (!suspect && opener && startsLine && openerLine !== line) {
        if (indentOf.get(openerLine) !== column) suspect = opener;
      }
    }
    previous = token;
  }
  if (stack.length === 0) return [];
  const unclosed = suspect ?? stack[stack.length - 1]!;
  return [{ message: message("SYN002", "mayBeUnclosed", { opener: unclosed.image, closer: closerImage(unclosed) }).text, span: span(unclosed) }];
}

function closerImage(opener: IToken): string {
  return opener.tokenType === LCurly ? "}" : opener.tokenType === LParen ? ")" : "]";
}
