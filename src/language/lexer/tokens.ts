// The language's tokens. Each carries a label in the author's words, which is what error
// messages show; token type names never reach a user.
import { createToken, Lexer, type TokenType } from "chevrotain";

/** Operators between two operands, and before one; their precedence is the AST builder's. */
export const BinaryOperator = createToken({ name: "BinaryOperator", pattern: Lexer.NA, label: "an operator" });
export const PrefixOperator = createToken({ name: "PrefixOperator", pattern: Lexer.NA, label: "`not` or `-`" });

/** Any word: identifiers and keywords alike. A field name after `.` may be any word. */
export const Word = createToken({ name: "Word", pattern: Lexer.NA, label: "a name" });
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
  categories: [Word],
});

const keywordTokens: TokenType[] = [];
function keyword(word: string, ...categories: TokenType[]): TokenType {
  const token = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    label: `\`${word}\``,
    categories: [Word, ...categories],
  });
  keywordTokens.push(token);
  return token;
}

export const Sync = keyword("sync");
export const Param = keyword("param");
export const View = keyword("view");
export const Link = keyword("link");
export const From = keyword("from");
export const In = keyword("in", BinaryOperator);
export const Let = keyword("let");
export const Where = keyword("where");
export const Skip = keyword("skip");
export const When = keyword("when");
export const Match = keyword("match");
export const Else = keyword("else");
export const Write = keyword("write");
export const Back = keyword("back");
export const To = keyword("to");
export const Create = keyword("create");
export const Upsert = keyword("upsert");
export const Update = keyword("update");
export const Delete = keyword("delete");
export const Key = keyword("key");
export const Initially = keyword("initially");
export const Add = keyword("add");
export const Only = keyword("only");
export const Select = keyword("select");
export const As = keyword("as");
export const Conflicts = keyword("conflicts");
export const Newest = keyword("newest");
export const Prefer = keyword("prefer");
export const By = keyword("by");
export const Tie = keyword("tie");
export const Limit = keyword("limit");
export const Of = keyword("of");
export const On = keyword("on");
export const Any = keyword("any");
export const Resyncs = keyword("resyncs");
export const Every = keyword("every");
export const Nightly = keyword("nightly");
export const At = keyword("at");
export const Cron = keyword("cron");
export const If = keyword("if");
export const Then = keyword("then");
export const And = keyword("and", BinaryOperator);
export const Or = keyword("or", BinaryOperator);
export const Not = keyword("not", PrefixOperator);
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");

export const KEYWORDS: readonly string[] = keywordTokens.map((t) => t.LABEL!.slice(1, -1));

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n\r]*/, group: "comments", label: "a comment" });

// A time of day must lex before Number so that `02:00` is one token.
export const Time = createToken({ name: "Time", pattern: /\d{1,2}:\d{2}(?![0-9])/, label: "a time like 02:00" });
export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: /\d+(?:\.\d+)?/, label: "a number" });
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\.)*"/,
  label: "a string",
});
/** A string that runs into the end of its line; the lexer turns it into an error. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  label: "a string",
});

export const TwoWay = createToken({ name: "TwoWay", pattern: /<->/, label: "`<->`" });
export const RightArrow = createToken({ name: "RightArrow", pattern: /->/, label: "`->`" });
export const LeftArrow = createToken({ name: "LeftArrow", pattern: /<-/, label: "`<-`" });
export const EqualEqual = createToken({ name: "EqualEqual", pattern: /==/, label: "`==`", categories: [BinaryOperator] });
export const NotEqual = createToken({ name: "NotEqual", pattern: /!=/, label: "`!=`", categories: [BinaryOperator] });
export const LessEqual = createToken({ name: "LessEqual", pattern: /<=/, label: "`<=`", categories: [BinaryOperator] });
export const GreaterEqual = createToken({ name: "GreaterEqual", pattern: />=/, label: "`>=`", categories: [BinaryOperator] });
export const Less = createToken({ name: "Less", pattern: /</, label: "`<`", categories: [BinaryOperator] });
export const Greater = createToken({ name: "Greater", pattern: />/, label: "`>`", categories: [BinaryOperator] });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "`=`" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "`+`", categories: [BinaryOperator] });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "`-`", categories: [BinaryOperator, PrefixOperator] });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "`*`", categories: [BinaryOperator] });
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "`/`", categories: [BinaryOperator] });
export const Percent = createToken({ name: "Percent", pattern: /%/, label: "`%`" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "`.`" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "`,`" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "`:`" });
export const Pipe = createToken({ name: "Pipe", pattern: /\|/, label: "`|`" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "`)`" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "`[`" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "`]`" });
export const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "`{`" });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "`}`" });

/** Order matters: longer symbols before their prefixes, keywords before Identifier. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  Time,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  TwoWay,
  RightArrow,
  LeftArrow,
  EqualEqual,
  NotEqual,
  LessEqual,
  GreaterEqual,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Dot,
  Comma,
  Colon,
  Pipe,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Word,
  BinaryOperator,
  PrefixOperator,
  // Longest first, so that `in` cannot shadow `initially`.
  ...[...keywordTokens].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length),
  Identifier,
];

