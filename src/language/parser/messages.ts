// Chevrotain's error messages, replaced by ones in the author's words: "expected a field
// name after `.`, found `->`". Token type names and exception names never appear.
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { Dot, Identifier, NumberLiteral, StringLiteral, Time } from "../lexer/tokens.js";

/** What each grammar rule expects, where a list of tokens would say less. */
const RULE_EXPECTS: Record<string, string> = {
  spec: "a statement (`sync`, `param`, `view`, `link`, `from`, `limit`, `on`, `every`, `nightly` or `cron`)",
  statement: "a statement (`sync`, `param`, `view`, `link`, `from`, `limit`, `on`, `every`, `nightly` or `cron`)",
  linkItem: "a link item: `match`, `else match`, `write back`, `create`, `skip`, `when`, `conflicts`, or a mapping like `a.x -> b.y`",
  ruleStatement: "a clause (`from`, `let`, `where`, `skip`) or the rule's action (`create`, `upsert` or `delete`)",
  action: "a clause (`from`, `let`, `where`, `skip`) or the rule's action (`create`, `upsert` or `delete`)",
  clause: "a clause (`from`, `let`, `where` or `skip`)",
  arrow: "a direction: `<->`, `->` or `<-`",
  typeRef: "a type (`str`, `int`, `num`, `bool`, `date`, `datetime`, `schedule`, a list such as `str[]`) or allowed strings (\"a\" | \"b\")",
  conflictsItem: "`newest by` or `prefer`",
  scheduleTrigger: "`every`, `nightly` or `cron`",
  eventTrigger: "an event name such as `donor.updated`, or `any event`",
  writeAction: "`create` or `upsert`",
  expression: "a value: a name, a string, a number, `true`, `false`, `null`, `(`, `[`, `{`, `not`, `if` or `-`",
  ifExpression: "a value",
  operand: "a value: a name, a string, a number, `true`, `false`, `null`, `(`, `[`, `{`, `not` or `-`",
  mapping: "a mapping like `a.x -> b.y`",
};

/** Where a token was expected, said the author's way. */
const RULE_PLACE: Record<string, string> = {
  syncStatement: " in the `sync` line",
  paramStatement: " in this param",
  viewStatement: " in this view",
  linkStatement: " in this link",
  linkSide: " in this side of the link",
  createItem: " in this `create`",
  writeBackItem: " in this `write back`",
  whenBlock: " after the `when` condition",
  assignment: " in this assignment",
  assignmentBlock: " in this block",
  fromClause: " in this `from`",
  letClause: " in this `let`",
  skipClause: " in this `skip`",
  limitStatement: " in this `limit`",
  directionSuffix: " in the trigger's direction",
  renames: " in the sub-field list",
  operand: " in this call",
  listLiteral: " in this list",
  objectLiteral: " in this object",
  parenthesized: " to close `(`",
};

export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 40 ? `${token.image.slice(0, 37)}...` : token.image;
  if (token.tokenType === Identifier) return `the name \`${image}\``;
  if (token.tokenType === StringLiteral) return `the string ${image}`;
  if (token.tokenType === NumberLiteral) return `the number ${image}`;
  if (token.tokenType === Time) return `the time ${image}`;
  return `\`${image}\``;
}

function label(type: TokenType): string {
  return type.LABEL ?? type.name;
}

function expectedFromPaths(paths: TokenType[][]): string {
  const firsts = [...new Set(paths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined).map(label))];
  if (firsts.length === 0) return "something else";
  if (firsts.length === 1) return firsts[0]!;
  return `${firsts.slice(0, -1).join(", ")} or ${firsts[firsts.length - 1]}`;
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    if (previous && previous.tokenType === Dot) return `expected a field name after \`.\`, found ${describeToken(actual)}`;
    return `expected ${label(expected)}${RULE_PLACE[ruleName] ?? ""}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${RULE_EXPECTS["statement"]}, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const expected = RULE_EXPECTS[ruleName] ?? expectedFromPaths(expectedPathsPerAlt.flat());
    return `expected ${expected}, found ${describeToken(actual[0]!)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const expected = RULE_EXPECTS[ruleName] ?? expectedFromPaths(expectedIterationPaths);
    return `expected ${expected}, found ${describeToken(actual[0]!)}`;
  },
};
