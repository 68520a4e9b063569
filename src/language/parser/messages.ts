// Chevrotain's error messages, replaced by ones in the author's words. Each is what the parser
// expected ("a field name after `.`"), from the SYN001 templates: parse.ts makes the
// diagnostic from it and the token found ("expected ..., found `->`"), under the code that the
// whole file shows (a bracket left open, the end of the file). Token type names and exception
// names never appear.
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { message } from "../../diagnostics/catalog.js";
import { listed } from "../../diagnostics/lists.js";
import { Dot, Identifier, NumberLiteral, StringLiteral, Time, When } from "../lexer/tokens.js";

/** What each grammar rule expects, where a list of tokens would say less. */
type Expects = "expectsStatement" | "expectsLinkItem" | "expectsClauseOrAction" | "expectsClause" | "expectsArrow" | "expectsType" | "expectsConflictPolicy" | "expectsSchedule" | "expectsEvent" | "expectsWriteAction" | "expectsExpression" | "expectsValue" | "expectsOperand" | "expectsMapping";
const RULE_EXPECTS: Record<string, Expects> = {
  spec: "expectsStatement",
  statement: "expectsStatement",
  linkItem: "expectsLinkItem",
  ruleStatement: "expectsClauseOrAction",
  action: "expectsClauseOrAction",
  clause: "expectsClause",
  arrow: "expectsArrow",
  typeRef: "expectsType",
  conflictsItem: "expectsConflictPolicy",
  scheduleTrigger: "expectsSchedule",
  eventTrigger: "expectsEvent",
  writeAction: "expectsWriteAction",
  expression: "expectsExpression",
  ifExpression: "expectsValue",
  operand: "expectsOperand",
  mapping: "expectsMapping",
};

/** Where a token was expected, said the author's way: templates with the token's `{token}`. */
type Place = "inSyncLine" | "inParam" | "inView" | "inLink" | "inLinkSide" | "inCreate" | "inWriteBack" | "afterWhen" | "inAssignment" | "inBlock" | "inFrom" | "inLet" | "inSkip" | "inLimit" | "inDirection" | "inRenames" | "inCall" | "inList" | "inObject" | "toCloseParen";
const RULE_PLACE: Record<string, Place> = {
  syncStatement: "inSyncLine",
  paramStatement: "inParam",
  viewStatement: "inView",
  linkStatement: "inLink",
  linkSide: "inLinkSide",
  createItem: "inCreate",
  writeBackItem: "inWriteBack",
  whenBlock: "afterWhen",
  assignment: "inAssignment",
  assignmentBlock: "inBlock",
  fromClause: "inFrom",
  letClause: "inLet",
  skipClause: "inSkip",
  limitStatement: "inLimit",
  directionSuffix: "inDirection",
  renames: "inRenames",
  operand: "inCall",
  listLiteral: "inList",
  objectLiteral: "inObject",
  parenthesized: "toCloseParen",
};

export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return message("SYN001", "foundEnd").text;
  const image = token.image.length > 40 ? `${token.image.slice(0, 37)}...` : token.image;
  if (token.tokenType === Identifier) return message("SYN001", "foundName", { image }).text;
  if (token.tokenType === StringLiteral) return message("SYN001", "foundString", { image }).text;
  if (token.tokenType === NumberLiteral) return message("SYN001", "foundNumber", { image }).text;
  if (token.tokenType === Time) return message("SYN001", "foundTime", { image }).text;
  return message("SYN001", "foundToken", { image }).text;
}

function label(type: TokenType): string {
  return type.LABEL ?? type.name;
}

/** What a rule expects, or else the first tokens of the paths Chevrotain computed. */
function expectedOf(ruleName: string, paths: () => TokenType[][]): string {
  const phrase = RULE_EXPECTS[ruleName];
  return phrase ? message("SYN001", phrase).text : expectedFromPaths(paths());
}

function expectedFromPaths(paths: TokenType[][]): string {
  const firsts = [...new Set(paths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined).map(label))];
  if (firsts.length === 0) return message("SYN001", "expectsSomethingElse").text;
  if (firsts.length === 1) return firsts[0]!;
  return message("SYN001", "expectsEither", { choices: listed(firsts, "or") }).text;
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, previous, ruleName }) {
    if (previous && previous.tokenType === Dot) return message("SYN001", "expectsFieldName").text;
    // A limit's floor takes the words `more than`, which the grammar reads as names.
    if (ruleName === "limitStatement" && expected === Identifier && previous) {
      const word = previous.tokenType === When ? "`more than`" : previous.image === "more" ? "`than`" : undefined;
      if (word) return message("SYN001", "inLimit", { token: word }).text;
    }
    const place = RULE_PLACE[ruleName];
    return place ? message("SYN001", place, { token: label(expected) }).text : label(expected);
  },
  buildNotAllInputParsedMessage() {
    return message("SYN001", "expectsStatement").text;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, ruleName }) {
    return expectedOf(ruleName, () => expectedPathsPerAlt.flat());
  },
  buildEarlyExitMessage({ expectedIterationPaths, ruleName }) {
    return expectedOf(ruleName, () => expectedIterationPaths);
  },
};
