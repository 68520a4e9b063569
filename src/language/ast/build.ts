// Stage 3: concrete syntax tree -> typed AST. Walks Chevrotain's CST, gives every node its
// span, and checks the words the grammar leaves open (units, `any event`, `limit removals`, `when more than`).
import type { CstElement, CstNode, IToken, TokenType } from "chevrotain";
import { diagnostic, type Diagnostic, type Result } from "../../diagnostics/diagnostic.js";
import { message } from "../../diagnostics/catalog.js";
import { stringValue } from "../lexer/lex.js";
import type { Tokens } from "../lexer/lex.js";
import * as T from "../lexer/tokens.js";
import type { Span } from "../../source/source-file.js";
import { MAX_NESTING } from "../parser/nesting.js";
import type * as A from "./nodes.js";

type Children = Record<string, CstElement[] | undefined>;

function isToken(element: CstElement): element is IToken {
  return (element as IToken).image !== undefined;
}

const COMPARISON = 4;
const NOT = 3;
/** The precedence of each operator as the AST names it; the same as BINARY_PRECEDENCE's. */
const LEVEL: Record<A.BinaryOperator, number> = {
  or: 1,
  and: 2,
  "==": COMPARISON,
  "!=": COMPARISON,
  "<": COMPARISON,
  "<=": COMPARISON,
  ">": COMPARISON,
  ">=": COMPARISON,
  in: COMPARISON,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
};
// Keyed by token type, not text: a token's text is a fresh string, slow to look up by.
const BINARY_PRECEDENCE = new Map<TokenType, number>([
  [T.Or, 1],
  [T.And, 2],
  [T.EqualEqual, COMPARISON],
  [T.NotEqual, COMPARISON],
  [T.Less, COMPARISON],
  [T.LessEqual, COMPARISON],
  [T.Greater, COMPARISON],
  [T.GreaterEqual, COMPARISON],
  [T.In, COMPARISON],
  [T.Plus, 5],
  [T.Minus, 5],
  [T.Star, 6],
  [T.Slash, 6],
]);

// The helpers below read CST children by key without building intermediate arrays: on a
// large spec the AST builder's allocations showed up as garbage-collection time.
function node(parent: CstNode, key: string, index = 0): CstNode {
  const element = parent.children[key]?.[index];
  if (!element || isToken(element)) throw new Error(`syntax tree: no node ${key}[${index}] in ${parent.name}`);
  return element;
}
function nodes(parent: CstNode, key: string): CstNode[] {
  return (parent.children[key] as CstNode[] | undefined) ?? [];
}
function maybeNode(parent: CstNode, key: string, index = 0): CstNode | undefined {
  const element = parent.children[key]?.[index];
  return element && !isToken(element) ? element : undefined;
}
function token(parent: CstNode, key: string, index = 0): IToken {
  const element = parent.children[key]?.[index];
  if (!element || !isToken(element)) throw new Error(`syntax tree: no token ${key}[${index}] in ${parent.name}`);
  return element;
}
function maybeToken(parent: CstNode, key: string, index = 0): IToken | undefined {
  const element = parent.children[key]?.[index];
  return element && isToken(element) ? element : undefined;
}
const NO_TOKENS: IToken[] = [];
function tokens(parent: CstNode, key: string): IToken[] {
  return (parent.children[key] as IToken[] | undefined) ?? NO_TOKENS;
}
function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}
function nodeSpan(n: CstNode): Span {
  return { start: n.location!.startOffset, end: n.location!.endOffset! + 1 };
}
function name(t: IToken): A.Name {
  return { name: t.image, span: tokenSpan(t) };
}
/** The function names of `lower(trim(x))` written after `as`, innermost first: the order they apply in. */
function nestedNames(n: CstNode): string[] {
  const names: string[] = [];
  const visit = (node: CstNode): void => {
    for (const key of Object.keys(node.children).sort()) {
      for (const child of node.children[key] ?? []) {
        if (isToken(child)) {
          if (child.tokenType.name === "Identifier") names.push(child.image);
        } else visit(child);
      }
    }
  };
  visit(n);
  return names.reverse();
}

/** The one child of a node that is an OR of sub-rules. */
function onlyChild(parent: CstNode): CstNode {
  const children = parent.children as Children;
  for (const key in children) {
    const first = children[key]?.[0];
    if (first && !isToken(first)) return first;
  }
  throw new Error(`syntax tree: ${parent.name} has no child rule`);
}

/**
 * The first node, in the order written, nested more than MAX_NESTING levels inside an
 * expression `depth` levels deep, if any. Its recursion stops there, so it never goes deeper.
 */
function nestedTooDeep(e: A.Expr, depth: number): A.Expr | undefined {
  if (depth > MAX_NESTING) return e;
  const inner = depth + 1;
  switch (e.kind) {
    case "member":
      return nestedTooDeep(e.object, inner);
    case "index":
      return nestedTooDeep(e.object, inner) ?? nestedTooDeep(e.index, inner);
    case "unary":
      return nestedTooDeep(e.operand, inner);
    case "if":
      return nestedTooDeep(e.condition, inner) ?? nestedTooDeep(e.then, inner) ?? nestedTooDeep(e.otherwise, inner);
    case "binary":
      return firstTooDeep(e.operands, inner);
    case "call":
      return firstTooDeep(e.args, inner);
    case "list":
      return firstTooDeep(e.items, inner);
    case "object":
      for (const entry of e.entries) {
        const found = nestedTooDeep(entry.value, inner);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

function firstTooDeep(exprs: readonly A.Expr[], depth: number): A.Expr | undefined {
  for (const e of exprs) {
    const found = nestedTooDeep(e, depth);
    if (found) return found;
  }
  return undefined;
}

const TIME_UNITS = new Set(["minute", "minutes", "hour", "hours"]);
const LIMIT_MEASURES = new Set(["removals", "deletes"]);

export function buildAst(cst: CstNode, lexed: Tokens, textLength: number): Result<A.Spec> {
  const diagnostics: Diagnostic[] = [];

  function direction(arrowNode: CstNode): A.Direction {
    const t = onlyToken(arrowNode);
    return t.image as A.Direction;
  }
  function onlyToken(n: CstNode): IToken {
    for (const list of Object.values(n.children as Children)) {
      const first = list?.[0];
      if (first && isToken(first)) return first;
    }
    throw new Error(`syntax tree: ${n.name} has no token`);
  }

  function statement(n: CstNode): A.Statement {
    const inner = onlyChild(n);
    switch (inner.name) {
      case "syncStatement":
        return {
          kind: "sync",
          left: name(token(inner, "left")),
          direction: direction(node(inner, "arrow")),
          right: name(token(inner, "right")),
          span: nodeSpan(inner),
        };
      case "paramStatement": {
        const defaultNode = maybeNode(inner, "expression");
        return {
          kind: "param",
          name: name(token(inner, "Identifier")),
          type: typeRef(node(inner, "typeRef")),
          ...(defaultNode ? { default: expression(defaultNode) } : {}),
          span: nodeSpan(inner),
        };
      }
      case "viewStatement":
        return {
          kind: "view",
          name: name(token(inner, "Identifier")),
          clauses: [fromClause(node(inner, "fromClause")), ...nodes(inner, "clause").map(clause)],
          select: expression(node(inner, "expression")),
          span: nodeSpan(inner),
        };
      case "linkStatement":
        return link(inner);
      case "ruleStatement":
        return {
          kind: "rule",
          clauses: [fromClause(node(inner, "fromClause")), ...nodes(inner, "clause").map(clause)],
          action: action(node(inner, "action")),
          span: nodeSpan(inner),
        };
      case "limitStatement": {
        const measure = name(token(inner, "kind"));
        if (!LIMIT_MEASURES.has(measure.name)) {
          diagnostics.push(diagnostic(measure.span, message("SYN006", "notMeasure", { measure: measure.name })));
        }
        const percentToken = token(inner, "percent");
        const percent = number(percentToken);
        if (percent > 100) diagnostics.push(diagnostic(tokenSpan(percentToken), message("SYN006", "notShare", { percent })));
        const floor = limitFloor(inner);
        return {
          kind: "limit",
          measure,
          target: expression(node(inner, "target")),
          percent: { value: percent, span: tokenSpan(percentToken) },
          ...(floor ? { floor } : {}),
          span: nodeSpan(inner),
        };
      }
      case "eventTrigger":
        return eventTrigger(inner);
      case "scheduleTrigger":
        return scheduleTrigger(inner);
      default:
        throw new Error(`syntax tree: unknown statement ${inner.name}`);
    }
  }

  function typeRef(n: CstNode): A.TypeRef {
    const strings = tokens(n, "StringLiteral");
    if (strings.length > 0) {
      return { kind: "enumType", values: strings.map((t) => ({ value: stringValue(t.image), span: tokenSpan(t) })), span: nodeSpan(n) };
    }
    return { kind: "namedType", name: name(token(n, "Identifier")), list: maybeToken(n, "LBracket") !== undefined, span: nodeSpan(n) };
  }

  function link(n: CstNode): A.LinkStatement {
    const side = (s: CstNode): A.LinkSide => ({ alias: name(token(s, "Identifier")), source: expression(node(s, "expression")) });
    const arrowNode = node(n, "arrow");
    return {
      kind: "link",
      left: side(node(n, "left")),
      direction: direction(arrowNode),
      directionSpan: nodeSpan(arrowNode),
      right: side(node(n, "right")),
      items: nodes(n, "linkItem").map(linkItem),
      span: nodeSpan(n),
    };
  }

  function linkItem(n: CstNode): A.LinkItem {
    const inner = onlyChild(n);
    switch (inner.name) {
      case "matchItem":
        return { kind: "match", fallback: false, condition: expression(node(inner, "expression")), span: nodeSpan(inner) };
      case "elseMatchItem":
        return { kind: "match", fallback: true, condition: expression(node(inner, "expression")), span: nodeSpan(inner) };
      case "writeBackItem":
        return { kind: "writeBack", value: expression(node(inner, "value")), target: expression(node(inner, "target")), span: nodeSpan(inner) };
      case "skipClause":
        return skipClause(inner);
      case "createItem": {
        const condition = maybeNode(inner, "condition");
        return {
          kind: "create",
          alias: name(token(inner, "Identifier")),
          key: expression(node(inner, "key")),
          ...(condition ? { condition: expression(condition) } : {}),
          assignments: assignments(node(inner, "assignmentBlock")),
          span: nodeSpan(inner),
        };
      }
      case "whenBlock":
        return {
          kind: "when",
          condition: expression(node(inner, "expression")),
          mappings: nodes(inner, "mapping").map(mapping),
          span: nodeSpan(inner),
        };
      case "conflictsItem":
        return { kind: "conflicts", policy: conflictPolicy(inner), span: nodeSpan(inner) };
      case "mapping":
        return mapping(inner);
      default:
        throw new Error(`syntax tree: unknown link item ${inner.name}`);
    }
  }

  function conflictPolicy(n: CstNode): A.ConflictPolicy {
    const prefer = maybeToken(n, "prefer");
    if (prefer) return { kind: "prefer", system: name(prefer), span: nodeSpan(n) };
    const tie = maybeToken(n, "tie");
    return {
      kind: "newest",
      timestamps: nodes(n, "expression").map(expression),
      ...(tie ? { tie: name(tie) } : {}),
      span: nodeSpan(n),
    };
  }

  function mapping(n: CstNode): A.Mapping {
    const renamesNode = maybeNode(n, "renames");
    const condition = maybeNode(n, "condition");
    const arrowNode = node(n, "arrow");
    const nested = maybeNode(n, "nested");
    if (nested) {
      // `as lower(trim)`: the author means trim, then lower; `as` names them in that order.
      const inner = nestedNames(nested);
      const outer = tokens(n, "compare").map((t) => t.image);
      const open = token(n, "nestedOpen");
      diagnostics.push(diagnostic({ start: open.startOffset, end: token(n, "nestedClose").endOffset! + 1 }, message("TYP002", "asNested", { chain: [...inner, ...outer].join(", ") })));
    }
    return {
      kind: "mapping",
      left: expression(node(n, "left")),
      ...(renamesNode
        ? {
            renames: nodes(renamesNode, "rename").map((r) => {
              const from = name(token(r, "from"));
              const to = maybeToken(r, "to");
              return { from, to: to ? name(to) : from };
            }),
          }
        : {}),
      direction: direction(arrowNode),
      directionSpan: nodeSpan(arrowNode),
      right: expression(node(n, "right")),
      ...(maybeToken(n, "compare") ? { compare: tokens(n, "compare").map(name) } : {}),
      ...(condition ? { condition: expression(condition) } : {}),
      span: nodeSpan(n),
    };
  }

  function clause(n: CstNode): A.Clause {
    const inner = onlyChild(n);
    switch (inner.name) {
      case "fromClause":
        return fromClause(inner);
      case "letClause":
        return { kind: "let", name: name(token(inner, "Identifier")), value: expression(node(inner, "expression")), span: nodeSpan(inner) };
      case "whereClause":
        return { kind: "where", condition: expression(node(inner, "expression")), span: nodeSpan(inner) };
      case "skipClause":
        return skipClause(inner);
      default:
        throw new Error(`syntax tree: unknown clause ${inner.name}`);
    }
  }

  function fromClause(n: CstNode): A.FromClause {
    return { kind: "from", alias: name(token(n, "Identifier")), source: expression(node(n, "expression")), span: nodeSpan(n) };
  }

  function skipClause(n: CstNode): A.SkipClause {
    return { kind: "skip", reason: expression(node(n, "reason")), condition: expression(node(n, "condition")), span: nodeSpan(n) };
  }

  function action(n: CstNode): A.Action {
    const inner = onlyChild(n);
    if (inner.name === "writeAction") {
      return {
        kind: "write",
        mode: maybeToken(inner, "Create") ? "create" : maybeToken(inner, "Update") ? "update" : "upsert",
        target: expression(node(inner, "target")),
        key: expression(node(inner, "key")),
        assignments: assignments(node(inner, "assignmentBlock")),
        span: nodeSpan(inner),
      };
    }
    const key = maybeNode(inner, "key");
    return { kind: "delete", target: expression(node(inner, "target")), ...(key ? { key: expression(key) } : {}), span: nodeSpan(inner) };
  }

  function assignments(block: CstNode): A.Assignment[] {
    return nodes(block, "assignment").map((n) => {
      const condition = maybeNode(n, "condition");
      const initially = maybeToken(n, "Initially") !== undefined;
      const field = name(token(n, "Identifier"));
      const value = expression(node(n, "value"));
      // Two literals rather than one with a spread, which V8 builds slowly: this runs per written field.
      return condition
        ? { kind: "assignment", initially, field, value, addOnlyWhen: expression(condition), span: nodeSpan(n) }
        : { kind: "assignment", initially, field, value, span: nodeSpan(n) };
    });
  }

  function directionRef(n: CstNode | undefined): { direction?: A.DirectionRef } {
    if (!n) return {};
    return {
      direction: { left: name(token(n, "left")), direction: direction(node(n, "arrow")), right: name(token(n, "right")), span: nodeSpan(n) },
    };
  }

  /** A limit's `when more than N`, the words checked here since the grammar takes any two names. */
  function limitFloor(n: CstNode): A.Literal<number> | undefined {
    const floorToken = maybeToken(n, "floor");
    if (!floorToken) return undefined;
    const more = token(n, "more");
    const than = token(n, "than");
    if (more.image !== "more" || than.image !== "than") {
      diagnostics.push(diagnostic({ start: more.startOffset, end: than.endOffset! + 1 }, message("SYN006", "notMoreThan", { words: `${more.image} ${than.image}` })));
    }
    const floor = number(floorToken);
    if (!Number.isInteger(floor)) diagnostics.push(diagnostic(tokenSpan(floorToken), message("SYN006", "notCount", { floor })));
    return { value: floor, span: tokenSpan(floorToken) };
  }

  function eventTrigger(n: CstNode): A.EventTrigger {
    const anyWord = maybeToken(n, "anyWord");
    if (anyWord && anyWord.image !== "event") {
      diagnostics.push(diagnostic(tokenSpan(anyWord), message("SYN001", "eventAfterAny", { name: anyWord.image })));
    }
    const events = anyWord
      ? undefined
      : nodes(n, "eventName").map((e) => ({ name: tokens(e, "Word").map((t) => t.image).join("."), span: nodeSpan(e) }));
    const record = maybeToken(n, "record");
    const resyncs = nodes(n, "resync").map(expression);
    return {
      kind: "eventTrigger",
      system: name(token(n, "system")),
      ...(events ? { events } : {}),
      actors: tokens(n, "actor").map(name),
      ...(record ? { record: name(record) } : {}),
      ...directionRef(maybeNode(n, "directionSuffix")),
      ...(resyncs.length > 0 ? { resyncs } : {}),
      span: nodeSpan(n),
    };
  }

  function scheduleTrigger(n: CstNode): A.ScheduleTrigger {
    let schedule: A.ScheduleRef;
    const unitToken = maybeToken(n, "unit");
    const cron = maybeToken(n, "cron");
    if (unitToken) {
      const countToken = maybeToken(n, "NumberLiteral");
      const unit = name(unitToken);
      const start = token(n, "Every").startOffset;
      schedule = {
        kind: "every",
        ...(countToken ? { count: { value: number(countToken), span: tokenSpan(countToken) } } : {}),
        unit,
        span: { start, end: unit.span.end },
      };
      if (countToken && !TIME_UNITS.has(unit.name)) {
        diagnostics.push(diagnostic(unit.span, message("SYN005", "unitAfterNumber", { name: unit.name })));
      } else if (countToken) {
        const count = number(countToken);
        if (!Number.isInteger(count) || count < 1) diagnostics.push(diagnostic(tokenSpan(countToken), message("SYN005", "wholeNumber")));
      }
    } else if (cron) {
      schedule = { kind: "cron", expression: { value: stringValue(cron.image), span: tokenSpan(cron) }, span: { start: token(n, "Cron").startOffset, end: tokenSpan(cron).end } };
    } else {
      const at = maybeToken(n, "Time");
      const nightly = token(n, "Nightly");
      schedule = {
        kind: "nightly",
        ...(at ? { at: { value: at.image, span: tokenSpan(at) } } : {}),
        span: { start: nightly.startOffset, end: at ? tokenSpan(at).end : tokenSpan(nightly).end },
      };
    }
    const zone = maybeToken(n, "zone");
    return {
      kind: "scheduleTrigger",
      schedule,
      ...(zone ? { zone: { value: stringValue(zone.image), span: tokenSpan(zone) } } : {}),
      ...directionRef(maybeNode(n, "directionSuffix")),
      span: nodeSpan(n),
    };
  }

  function number(t: IToken): number {
    const value = Number(t.image);
    if (!Number.isFinite(value)) {
      diagnostics.push(diagnostic(tokenSpan(t), message("SYN008", "tooLarge", { digits: t.image.slice(0, 20) })));
      return 0;
    }
    return value;
  }

  // ---- expressions ----

  /** How many prefixes (`not`, `-`) enclose what is being built. */
  let prefixDepth = 0;
  /** Set when part of the expression being built was left out for nesting too deep: what is left is not the author's. */
  let leftOut = false;

  /**
   * An expression that a statement holds, held to MAX_NESTING levels (parser/nesting.ts): the
   * parser has counted brackets and `if`s, and what else nests (prefixes, `.field` steps) is
   * counted here, so that no later stage recurses deeper.
   */
  function expression(n: CstNode): A.Expr {
    const built = subexpression(n);
    leftOut = false;
    const deep = nestedTooDeep(built, 0);
    if (deep) diagnostics.push(diagnostic(placeOf(deep), message("SYN004", "expressionTooDeep", { limit: MAX_NESTING })));
    return built;
  }

  /** Where a node that nests too deep is shown: its own step of a `.field` path, or its first token. */
  function placeOf(e: A.Expr): Span {
    if (e.kind === "member") return e.field.span;
    const all = lexed.tokens;
    let low = 0;
    let high = all.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const t = all[middle]!;
      if (t.startOffset === e.span.start) return tokenSpan(t);
      if (t.startOffset < e.span.start) low = middle + 1;
      else high = middle - 1;
    }
    return { start: e.span.start, end: e.span.start + 1 };
  }

  function subexpression(n: CstNode): A.Expr {
    if (n.name === "ifExpression") {
      return {
        kind: "if",
        condition: subexpression(node(n, "condition")),
        then: subexpression(node(n, "then")),
        otherwise: subexpression(node(n, "else")),
        span: nodeSpan(n),
      };
    }
    const inner = maybeNode(n, "ifExpression");
    if (inner) return subexpression(inner);
    return operation(n);
  }

  /**
   * Applies precedence to a flat `operand (operator operand)*` by precedence climbing:
   * or < and < not < comparisons and `in` < + - < * / < unary minus. `not` reaches over a
   * comparison (`not a == b` is `not (a == b)`); comparisons do not chain. The operators of one
   * precedence in a row make one node, `a + b - c` with three operands, built in a loop.
   */
  function operation(n: CstNode): A.Expr {
    const operands = nodes(n, "operands");
    const operators = tokens(n, "operators");
    // Most expressions are one operand without prefixes (`donor.email`): no climbing needed.
    if (operators.length === 0 && tokens(operands[0]!, "prefixes").length === 0) return postfix(operands[0]!);
    let operandAt = 0; // the next operand to read
    let prefixAt = 0; // the next prefix of that operand

    const climb = (min: number): A.Expr => {
      let left = unary();
      // operators[i] stands between operands[i] and operands[i + 1].
      while (operandAt - 1 < operators.length) {
        const first = operators[operandAt - 1]!;
        const precedence = BINARY_PRECEDENCE.get(first.tokenType)!;
        if (precedence < min) break;
        // A chain in parentheses before more of its operators, `(a + b) + c`, is `a + b + c`,
        // as it is when applied from the left.
        const joined = left.kind === "binary" && precedence !== COMPARISON && LEVEL[left.operators[0]!] === precedence ? left : undefined;
        const chainOperands: A.Expr[] = joined ? [...joined.operands] : [left];
        const chainOperators: A.BinaryOperator[] = joined ? [...joined.operators] : [];
        let op: IToken | undefined = first;
        do {
          // Comparisons do not chain: the second is reported, once however many follow.
          if (precedence === COMPARISON && op !== first && chainOperators.length === 1 && !leftOut) {
            diagnostics.push(diagnostic(tokenSpan(op), message("SYN009", "chained", { first: first.image, second: op.image })));
          }
          chainOperators.push(op.image as A.BinaryOperator);
          chainOperands.push(climb(precedence + 1));
          op = operators[operandAt - 1];
        } while (op && BINARY_PRECEDENCE.get(op.tokenType) === precedence);
        left = { kind: "binary", operators: chainOperators, operands: chainOperands, span: { start: chainOperands[0]!.span.start, end: chainOperands[chainOperands.length - 1]!.span.end } };
      }
      return left;
    };

    const unary = (): A.Expr => {
      const current = operands[operandAt]!;
      const prefix = tokens(current, "prefixes")[prefixAt];
      if (!prefix) {
        operandAt++;
        prefixAt = 0;
        return postfix(current);
      }
      // Prefixes nest, and so does what follows a `not` (`a == not b == not c ...`), and building
      // them recurses. Past MAX_NESTING the rest of this operand is left out, so the recursion
      // stops, and what is left nests too deep all the same, for `expression` to report where.
      if (prefixDepth > MAX_NESTING) {
        leftOut = true;
        operandAt++;
        prefixAt = 0;
        return { kind: "null", span: tokenSpan(prefix) };
      }
      prefixAt++;
      prefixDepth++;
      // `not` takes everything after it that binds tighter than `not`; `-` only its operand.
      const inner = prefix.image === "not" ? climb(NOT + 1) : unary();
      prefixDepth--;
      return { kind: "unary", operator: prefix.image === "not" ? "not" : "-", operand: inner, span: { start: prefix.startOffset, end: inner.span.end } };
    };

    return climb(0);
  }

  /** An operand's value, then its `.field` and `[index]` steps in the order written. */
  function postfix(n: CstNode): A.Expr {
    let result = atom(n);
    const fields = tokens(n, "field");
    const indexes = nodes(n, "index");
    if (fields.length === 0 && indexes.length === 0) return result;
    // Dots and brackets interleave: merge the two lists by where each stands in the text.
    const closers = tokens(n, "RBracket");
    let f = 0;
    let x = 0;
    while (f < fields.length || x < indexes.length) {
      const field = fields[f];
      const index = indexes[x];
      if (field && (!index || field.startOffset < index.location!.startOffset)) {
        result = { kind: "member", object: result, field: name(field), span: { start: result.span.start, end: field.endOffset! + 1 } };
        f++;
      } else {
        result = { kind: "index", object: result, index: subexpression(index!), span: { start: result.span.start, end: closers[x]!.endOffset! + 1 } };
        x++;
      }
    }
    return result;
  }

  /** The value an operand starts with, without its prefixes. */
  function atom(n: CstNode): A.Expr {
    // Children keep the order they were parsed in, so the first after any prefixes names the
    // value's kind: one step, where asking for each kind in turn cost a lookup apiece.
    const children = n.children as Children;
    for (const key in children) {
      switch (key) {
        case "prefixes":
          continue;
        case "Identifier": {
          const identifier = token(n, key);
          const close = maybeToken(n, "RParen");
          if (!close) return { kind: "name", name: identifier.image, span: tokenSpan(identifier) };
          return {
            kind: "call",
            callee: name(identifier),
            args: nodes(n, "arguments").map(subexpression),
            span: { start: identifier.startOffset, end: close.endOffset! + 1 },
          };
        }
        case "StringLiteral": {
          const t = token(n, key);
          return { kind: "string", value: stringValue(t.image), span: tokenSpan(t) };
        }
        case "NumberLiteral": {
          const t = token(n, key);
          return { kind: "number", value: number(t), span: tokenSpan(t) };
        }
        case "True":
        case "False": {
          const t = token(n, key);
          return { kind: "bool", value: t.image === "true", span: tokenSpan(t) };
        }
        case "Null":
          return { kind: "null", span: tokenSpan(token(n, key)) };
        case "parenthesized":
          return subexpression(node(node(n, key), "expression"));
        case "listLiteral": {
          const list = node(n, key);
          return { kind: "list", items: nodes(list, "items").map(subexpression), span: nodeSpan(list) };
        }
        case "objectLiteral":
          return objectLiteral(node(n, key));
      }
    }
    throw new Error("syntax tree: an operand without a value");
  }

  function objectLiteral(object: CstNode): A.Expr {
    return {
      kind: "object",
      entries: nodes(object, "objectEntry").map((entry) => {
        const nameToken = token(entry, "name");
        const quoted = nameToken.image.startsWith('"');
        return {
          name: { name: quoted ? stringValue(nameToken.image) : nameToken.image, span: tokenSpan(nameToken) },
          quoted,
          value: subexpression(node(entry, "expression")),
        };
      }),
      span: nodeSpan(object),
    };
  }

  const statements = nodes(cst, "statement").map(statement);
  const comments = lexed.comments.map((t) => ({ text: t.image, span: tokenSpan(t) }));
  return { value: { kind: "spec", statements, comments, span: { start: 0, end: textLength } }, diagnostics };
}
