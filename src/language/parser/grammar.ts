// The grammar, as a pure Chevrotain CstParser: no actions, no semantics. One grammar serves
// the compiler, the formatter and the generated railroad diagrams (grammar/diagrams.html).
import type { CstNode, DSLMethodOpts, IOrAlt, IToken } from "chevrotain";
import * as T from "../lexer/tokens.js";
import { LeanCstParser } from "./lean-cst-parser.js";
import { messages } from "./messages.js";
import { MAX_NESTING, NestingTooDeep } from "./nesting.js";

const VALIDATE_GRAMMAR = process.env["VITEST"] !== undefined || process.env["SYNCSPEC_VALIDATE_GRAMMAR"] === "1";

// Labels used once or more for every operand, made once (see the fields below for why).
const OPERANDS = { LABEL: "operands" };
const OPERATORS = { LABEL: "operators" };
const PREFIXES = { LABEL: "prefixes" };
const FIELD = { LABEL: "field" };

export class SpecParser extends LeanCstParser {
  /** The text being parsed: the grammar asks it whether two tokens stand on one line. */
  text = "";

  // The arguments of OR, MANY and OPTION in the rules entered most (statements, clauses and,
  // above all, expressions and operands), made at their first call rather than at every call,
  // as Chevrotain's performance guide does for arrays of alternatives
  // (chevrotain.io/docs/guide/performance.html): remaking them was over half of what a parse
  // allocated. Declared here so that the parser's shape is fixed before the first parse.
  private statementKinds?: IOrAlt<unknown>[];
  private linkItemKinds?: IOrAlt<unknown>[];
  private clauseKinds?: IOrAlt<unknown>[];
  private expressionForms?: IOrAlt<unknown>[];
  private operandValues?: IOrAlt<unknown>[];
  private moreOperands?: () => void;
  private prefixes?: () => void;
  private callArguments?: DSLMethodOpts<unknown>;
  private steps?: DSLMethodOpts<unknown>;
  private stepKinds?: IOrAlt<unknown>[];

  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: false,
      maxLookahead: 3,
      nodeLocationTracking: "onlyOffset",
      errorMessageProvider: messages,
      // The grammar's own validation runs under the tests (see test/parser); the command
      // skips it at each start, where it would cost more than checking every spec.
      skipValidations: !VALIDATE_GRAMMAR,
    });
    this.performSelfAnalysis();
  }

  /** How many `expression` rules are under way, the outermost included. */
  private expressionDepth = 0;

  // Parsing recurses once per nested expression, so nesting is counted here, as each rule
  // starts and ends (Chevrotain's hooks for the tree), and past MAX_NESTING levels inside the
  // outermost expression the parse stops before the stack runs out. Brackets and prefixes are
  // counted before parsing (parse.ts); what only this sees is `if` inside `if`.
  override cstInvocationStateUpdate(fullRuleName: string): void {
    if (fullRuleName === "expression" && ++this.expressionDepth > MAX_NESTING + 1) {
      const at = this.LA(1);
      const end = this.text.length;
      throw new NestingTooDeep(Number.isFinite(at.startOffset) ? { start: at.startOffset, end: at.endOffset! + 1 } : { start: end, end });
    }
    super.cstInvocationStateUpdate(fullRuleName);
  }

  // Chevrotain calls this as each rule ends, to pop the rule's node; this does what its own
  // does (11.0: lean-cst-parser.ts fails loudly if it is renamed) and counts.
  cstFinallyStateUpdate(): void {
    const node = (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.pop();
    if (node?.name === "expression") this.expressionDepth--;
  }

  override reset(): void {
    super.reset();
    this.expressionDepth = 0;
  }

  /** Whether no line break stands between two tokens (the end of the file counts as another line). */
  private sameLine(previous: IToken, next: IToken): boolean {
    if (!Number.isFinite(next.startOffset) || !Number.isFinite(previous.startOffset)) return false;
    const between = this.text.indexOf("\n", previous.endOffset! + 1);
    return between === -1 || between >= next.startOffset;
  }

  spec = this.RULE("spec", () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  statement = this.RULE("statement", () => {
    this.OR((this.statementKinds ??= [
      { ALT: () => this.SUBRULE(this.syncStatement) },
      { ALT: () => this.SUBRULE(this.paramStatement) },
      { ALT: () => this.SUBRULE(this.viewStatement) },
      { ALT: () => this.SUBRULE(this.linkStatement) },
      { ALT: () => this.SUBRULE(this.ruleStatement) },
      { ALT: () => this.SUBRULE(this.limitStatement) },
      { ALT: () => this.SUBRULE(this.eventTrigger) },
      { ALT: () => this.SUBRULE(this.scheduleTrigger) },
    ]));
  });

  // sync raisedonors <-> virtuous
  syncStatement = this.RULE("syncStatement", () => {
    this.CONSUME(T.Sync);
    this.CONSUME(T.Identifier, { LABEL: "left" });
    this.SUBRULE(this.arrow);
    this.CONSUME2(T.Identifier, { LABEL: "right" });
  });

  arrow = this.RULE("arrow", () => {
    this.OR([{ ALT: () => this.CONSUME(T.TwoWay) }, { ALT: () => this.CONSUME(T.RightArrow) }, { ALT: () => this.CONSUME(T.LeftArrow) }]);
  });

  // param removals: "remove" | "keep" = "remove"
  paramStatement = this.RULE("paramStatement", () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  typeRef = this.RULE("typeRef", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.StringLiteral);
          this.MANY(() => {
            this.CONSUME(T.Pipe);
            this.CONSUME2(T.StringLiteral);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.LBracket);
            this.CONSUME(T.RBracket);
          });
        },
      },
    ]);
  });

  // view counted = from p in vomo.participations ... select p
  viewStatement = this.RULE("viewStatement", () => {
    this.CONSUME(T.View);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.fromClause);
    this.MANY(() => this.SUBRULE(this.clause));
    this.CONSUME(T.Select);
    this.SUBRULE(this.expression);
  });

  // link donor in raisedonors.donors <-> contact in virtuous.contacts { ... }
  linkStatement = this.RULE("linkStatement", () => {
    this.CONSUME(T.Link);
    this.SUBRULE(this.linkSide, { LABEL: "left" });
    this.SUBRULE(this.arrow);
    this.SUBRULE2(this.linkSide, { LABEL: "right" });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.linkItem));
    this.CONSUME(T.RCurly);
  });

  linkSide = this.RULE("linkSide", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression);
  });

  linkItem = this.RULE("linkItem", () => {
    this.OR((this.linkItemKinds ??= [
      { ALT: () => this.SUBRULE(this.matchItem) },
      { ALT: () => this.SUBRULE(this.elseMatchItem) },
      { ALT: () => this.SUBRULE(this.writeBackItem) },
      { ALT: () => this.SUBRULE(this.skipClause) },
      { ALT: () => this.SUBRULE(this.createItem) },
      { ALT: () => this.SUBRULE(this.whenBlock) },
      { ALT: () => this.SUBRULE(this.conflictsItem) },
      { ALT: () => this.SUBRULE(this.mapping) },
    ]));
  });

  matchItem = this.RULE("matchItem", () => {
    this.CONSUME(T.Match);
    this.SUBRULE(this.expression);
  });

  elseMatchItem = this.RULE("elseMatchItem", () => {
    this.CONSUME(T.Else);
    this.CONSUME(T.Match);
    this.SUBRULE(this.expression);
  });

  // write back constituent.id to profile.constituent_id
  writeBackItem = this.RULE("writeBackItem", () => {
    this.CONSUME(T.Write);
    this.CONSUME(T.Back);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.CONSUME(T.To);
    this.SUBRULE2(this.expression, { LABEL: "target" });
  });

  // create contact key "rd-" + donor.id when ... { ... }
  createItem = this.RULE("createItem", () => {
    this.CONSUME(T.Create);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Key);
    this.SUBRULE(this.expression, { LABEL: "key" });
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: "condition" });
    });
    this.SUBRULE(this.assignmentBlock);
  });

  whenBlock = this.RULE("whenBlock", () => {
    this.CONSUME(T.When);
    this.SUBRULE(this.expression);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.mapping));
    this.CONSUME(T.RCurly);
  });

  // conflicts newest by donor.modifiedDate, contact.modifiedDateTimeUtc, tie raisedonors
  // conflicts prefer raisedonors
  conflictsItem = this.RULE("conflictsItem", () => {
    this.CONSUME(T.Conflicts);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Newest);
          this.CONSUME(T.By);
          this.SUBRULE(this.expression);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME(T.Tie);
                  this.CONSUME(T.Identifier, { LABEL: "tie" });
                },
              },
              { ALT: () => this.SUBRULE2(this.expression) },
            ]);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Prefer);
          this.CONSUME2(T.Identifier, { LABEL: "prefer" });
        },
      },
    ]);
  });

  // donor.phone <-> contact.phone when ...; donor.address { line1: address1, city } <-> contact.address
  mapping = this.RULE("mapping", () => {
    this.SUBRULE(this.expression, { LABEL: "left" });
    this.OPTION(() => this.SUBRULE(this.renames));
    this.SUBRULE(this.arrow);
    this.SUBRULE2(this.expression, { LABEL: "right" });
    // `as digits`: the sides are compared through a function, so values that differ only in
    // a way the spec does not care about (format, case) are the same and never flip-flop.
    // Several functions apply one after another: `as trim, lower`.
    this.OPTION3(() => {
      this.CONSUME(T.As);
      this.CONSUME(T.Identifier, { LABEL: "compare" });
      // `as lower(trim)` is read, so that its message can say where it is and how it is written.
      this.OPTION4({
        GATE: () => this.sameLine(this.LA(0), this.LA(1)),
        DEF: () => {
          this.CONSUME(T.LParen, { LABEL: "nestedOpen" });
          this.SUBRULE4(this.expression, { LABEL: "nested" });
          this.CONSUME(T.RParen, { LABEL: "nestedClose" });
        },
      });
      this.MANY({
        GATE: () => this.sameLine(this.LA(0), this.LA(1)),
        DEF: () => {
          this.CONSUME(T.Comma);
          this.CONSUME2(T.Identifier, { LABEL: "compare" });
        },
      });
    });
    // A mapping's own `when` stays on its line; a `when` on the next line opens a block.
    this.OPTION2({
      GATE: () => this.sameLine(this.LA(0), this.LA(1)),
      DEF: () => {
        this.CONSUME(T.When);
        this.SUBRULE3(this.expression, { LABEL: "condition" });
      },
    });
  });

  renames = this.RULE("renames", () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.rename) });
    this.CONSUME(T.RCurly);
  });

  rename = this.RULE("rename", () => {
    this.CONSUME(T.Word, { LABEL: "from" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.CONSUME2(T.Word, { LABEL: "to" });
    });
  });

  // from gift in raisedonors.gifts where ... let ... skip ... create|upsert|delete ...
  ruleStatement = this.RULE("ruleStatement", () => {
    this.SUBRULE(this.fromClause);
    this.MANY(() => this.SUBRULE(this.clause));
    this.SUBRULE(this.action);
  });

  clause = this.RULE("clause", () => {
    this.OR((this.clauseKinds ??= [
      { ALT: () => this.SUBRULE(this.fromClause) },
      { ALT: () => this.SUBRULE(this.letClause) },
      { ALT: () => this.SUBRULE(this.whereClause) },
      { ALT: () => this.SUBRULE(this.skipClause) },
    ]));
  });

  fromClause = this.RULE("fromClause", () => {
    this.CONSUME(T.From);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression);
  });

  letClause = this.RULE("letClause", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  whereClause = this.RULE("whereClause", () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.expression);
  });

  skipClause = this.RULE("skipClause", () => {
    this.CONSUME(T.Skip);
    this.SUBRULE(this.expression, { LABEL: "reason" });
    this.CONSUME(T.When);
    this.SUBRULE2(this.expression, { LABEL: "condition" });
  });

  action = this.RULE("action", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.writeAction) },
      { ALT: () => this.SUBRULE(this.deleteAction) },
    ]);
  });

  // create virtuous.gifts key ... { ... }  /  upsert momentum.portfolios key ... { ... }  /  update ... (only records that are there)
  writeAction = this.RULE("writeAction", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Create) }, { ALT: () => this.CONSUME(T.Upsert) }, { ALT: () => this.CONSUME(T.Update) }]);
    this.SUBRULE(this.expression, { LABEL: "target" });
    this.CONSUME(T.Key);
    this.SUBRULE2(this.expression, { LABEL: "key" });
    this.SUBRULE(this.assignmentBlock);
  });

  // delete relationship  /  delete altru.timesheets key "vh-reg-" + registration.RegistrationUid
  deleteAction = this.RULE("deleteAction", () => {
    this.CONSUME(T.Delete);
    this.SUBRULE(this.expression, { LABEL: "target" });
    this.OPTION(() => {
      this.CONSUME(T.Key);
      this.SUBRULE2(this.expression, { LABEL: "key" });
    });
  });

  assignmentBlock = this.RULE("assignmentBlock", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.assignment));
    this.CONSUME(T.RCurly);
  });

  // [initially] field = expression [add only when condition]
  assignment = this.RULE("assignment", () => {
    this.OPTION(() => this.CONSUME(T.Initially));
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION2(() => {
      this.CONSUME(T.Add);
      this.CONSUME(T.Only);
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: "condition" });
    });
  });

  // limit removals of momentum.portfolios.donor_ids to 50%
  // limit deletes of altru.relationships to 50% when more than 20
  limitStatement = this.RULE("limitStatement", () => {
    this.CONSUME(T.Limit);
    this.CONSUME(T.Identifier, { LABEL: "kind" });
    this.CONSUME(T.Of);
    this.SUBRULE(this.expression, { LABEL: "target" });
    this.CONSUME(T.To);
    this.CONSUME(T.NumberLiteral, { LABEL: "percent" });
    this.CONSUME(T.Percent);
    // `more` and `than` are words the AST builder checks, as `any event` is: no new keywords,
    // so no field or name called `more` or `than` stops parsing.
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.CONSUME2(T.Identifier, { LABEL: "more" });
      this.CONSUME3(T.Identifier, { LABEL: "than" });
      this.CONSUME2(T.NumberLiteral, { LABEL: "floor" });
    });
  });

  // on raisedonors donor.updated, gift.created by admin, donor: raisedonors -> virtuous
  // on raisedonors gift.created as gift: raisedonors -> virtuous resyncs raisedonors.donors[gift.donorId]
  // on vomo any event
  eventTrigger = this.RULE("eventTrigger", () => {
    this.CONSUME(T.On);
    this.CONSUME(T.Identifier, { LABEL: "system" });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Any);
          this.CONSUME2(T.Identifier, { LABEL: "anyWord" });
        },
      },
      {
        ALT: () => {
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.eventName) });
        },
      },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => this.CONSUME3(T.Identifier, { LABEL: "actor" }) });
    });
    // as gift: the event's record, named for `resyncs`
    this.OPTION3(() => {
      this.CONSUME(T.As);
      this.CONSUME4(T.Identifier, { LABEL: "record" });
    });
    this.OPTION2(() => this.SUBRULE(this.directionSuffix));
    // resyncs raisedonors.donors[gift.donorId], virtuous.contacts[referenceId == gift.donorId]
    this.OPTION4(() => {
      this.CONSUME(T.Resyncs);
      this.AT_LEAST_ONE_SEP3({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "resync" }) });
    });
  });

  eventName = this.RULE("eventName", () => {
    this.CONSUME(T.Word);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Word);
    });
  });

  // every 10 minutes / every hour / every schedule / nightly at 02:00 in "America/New_York" / cron "0 2 * * *"
  scheduleTrigger = this.RULE("scheduleTrigger", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Every);
          this.OPTION(() => this.CONSUME(T.NumberLiteral));
          this.CONSUME(T.Identifier, { LABEL: "unit" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Nightly);
          this.OPTION2(() => {
            this.CONSUME(T.At);
            this.CONSUME(T.Time);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Cron);
          this.CONSUME(T.StringLiteral, { LABEL: "cron" });
        },
      },
    ]);
    this.OPTION3(() => {
      this.CONSUME(T.In);
      this.CONSUME2(T.StringLiteral, { LABEL: "zone" });
    });
    this.OPTION4(() => this.SUBRULE(this.directionSuffix));
  });

  directionSuffix = this.RULE("directionSuffix", () => {
    this.CONSUME(T.Colon);
    this.CONSUME(T.Identifier, { LABEL: "left" });
    this.SUBRULE(this.arrow);
    this.CONSUME2(T.Identifier, { LABEL: "right" });
  });

  // Expressions. Operators are flat here, `operand (operator operand)*`, and the AST builder
  // applies their precedence; an operand holds its prefixes, its value and its `.field` and
  // `[index]` steps. Two rule calls per operand instead of one per precedence level keep
  // parsing fast: a deep CST was most of the compile time, in garbage.
  expression = this.RULE("expression", () => {
    this.OR((this.expressionForms ??= [
      { ALT: () => this.SUBRULE(this.ifExpression) },
      {
        ALT: () => {
          this.SUBRULE(this.operand, OPERANDS);
          this.MANY((this.moreOperands ??= () => {
            this.CONSUME(T.BinaryOperator, OPERATORS);
            this.SUBRULE2(this.operand, OPERANDS);
          }));
        },
      },
    ]));
  });

  ifExpression = this.RULE("ifExpression", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expression, { LABEL: "then" });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expression, { LABEL: "else" });
  });

  // not x, -x, donor.address.city, raisedonors.donors[gift.donorId], lower(x), (x), [x], {a: x}
  operand = this.RULE("operand", () => {
    this.MANY((this.prefixes ??= () => this.CONSUME(T.PrefixOperator, PREFIXES)));
    this.OR((this.operandValues ??= [
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          // A call's `(` stays on its name's line, so a line starting with `(` is not glued to the one before.
          // (The token is tested first as it is the cheaper question, asked after every name.)
          this.OPTION((this.callArguments ??= {
            GATE: () => this.LA(1).tokenType === T.LParen && this.sameLine(this.LA(0), this.LA(1)),
            DEF: () => {
              this.CONSUME(T.LParen);
              this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "arguments" }) });
              this.CONSUME(T.RParen);
            },
          }));
        },
      },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.objectLiteral) },
    ]));
    // An index stays on its line: a line starting with `[` is not glued to the one before.
    this.MANY2((this.steps ??= {
      GATE: () => this.LA(1).tokenType === T.Dot || (this.LA(1).tokenType === T.LBracket && this.sameLine(this.LA(0), this.LA(1))),
      DEF: () => {
        this.OR2((this.stepKinds ??= [
          {
            ALT: () => {
              this.CONSUME(T.Dot);
              this.CONSUME(T.Word, FIELD);
            },
          },
          {
            ALT: () => {
              this.CONSUME(T.LBracket);
              this.SUBRULE2(this.expression, { LABEL: "index" });
              this.CONSUME(T.RBracket);
            },
          },
        ]));
      },
    }));
  });

  parenthesized = this.RULE("parenthesized", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  listLiteral = this.RULE("listLiteral", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "items" }) });
    this.CONSUME(T.RBracket);
  });

  objectLiteral = this.RULE("objectLiteral", () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.objectEntry) });
    this.CONSUME(T.RCurly);
  });

  objectEntry = this.RULE("objectEntry", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Word, { LABEL: "name" }) }, { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "name" }) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });
}


/** One parser instance serves every parse: Chevrotain's self-analysis is the expensive part. */
export const parser = new SpecParser();
