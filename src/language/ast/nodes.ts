// The typed syntax tree. Every node has a kind and a span; nothing here knows a system.
import type { Span } from "../../source/source-file.js";

export interface Name {
  readonly name: string;
  readonly span: Span;
}

export interface Literal<T> {
  readonly value: T;
  readonly span: Span;
}

export type Direction = "<->" | "->" | "<-";

// ---- Expressions ----

export type BinaryOperator = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/";

export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "null"; readonly span: Span }
  | { readonly kind: "name"; readonly name: string; readonly span: Span }
  | { readonly kind: "member"; readonly object: Expr; readonly field: Name; readonly span: Span }
  | { readonly kind: "index"; readonly object: Expr; readonly index: Expr; readonly span: Span }
  | { readonly kind: "call"; readonly callee: Name; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: "unary"; readonly operator: "not" | "-"; readonly operand: Expr; readonly span: Span }
  /**
   * Operands joined by operators of one precedence, applied from the left: `a - b + c` is
   * `(a - b) + c`, and `operators[i]` stands between `operands[i]` and `operands[i + 1]`. A
   * chain is one node however long, so that nothing walks it by recursion per operand.
   * Comparisons and `in` do not chain: theirs have two operands.
   */
  | { readonly kind: "binary"; readonly operators: readonly BinaryOperator[]; readonly operands: readonly Expr[]; readonly span: Span }
  | { readonly kind: "if"; readonly condition: Expr; readonly then: Expr; readonly otherwise: Expr; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: "object"; readonly entries: readonly ObjectEntry[]; readonly span: Span };

export interface ObjectEntry {
  readonly name: Name;
  /** Whether the name was written as a string ("Active Subscriber": ...). */
  readonly quoted: boolean;
  readonly value: Expr;
}

// ---- Clauses of rules and views ----

export interface FromClause {
  readonly kind: "from";
  readonly alias: Name;
  readonly source: Expr;
  readonly span: Span;
}
export interface LetClause {
  readonly kind: "let";
  readonly name: Name;
  readonly value: Expr;
  readonly span: Span;
}
export interface WhereClause {
  readonly kind: "where";
  readonly condition: Expr;
  readonly span: Span;
}
export interface SkipClause {
  readonly kind: "skip";
  readonly reason: Expr;
  readonly condition: Expr;
  readonly span: Span;
}
export type Clause = FromClause | LetClause | WhereClause | SkipClause;

export interface Assignment {
  readonly kind: "assignment";
  readonly initially: boolean;
  readonly field: Name;
  readonly value: Expr;
  /** `add only when ...`: the set field only grows while this holds. */
  readonly addOnlyWhen?: Expr;
  readonly span: Span;
}

// ---- Link items ----

export interface MatchItem {
  readonly kind: "match";
  /** `else match`: tried when the earlier matches found nothing to compare. */
  readonly fallback: boolean;
  readonly condition: Expr;
  readonly span: Span;
}
export interface WriteBackItem {
  readonly kind: "writeBack";
  readonly value: Expr;
  readonly target: Expr;
  readonly span: Span;
}
export interface CreateItem {
  readonly kind: "create";
  readonly alias: Name;
  readonly key: Expr;
  readonly condition?: Expr;
  readonly assignments: readonly Assignment[];
  readonly span: Span;
}
export interface Rename {
  readonly from: Name;
  readonly to: Name;
}
export interface Mapping {
  readonly kind: "mapping";
  readonly left: Expr;
  readonly renames?: readonly Rename[];
  readonly direction: Direction;
  readonly directionSpan: Span;
  readonly right: Expr;
  /** `as FUNCTION, ...`: the sides compare through these functions, applied in order. */
  readonly compare?: readonly Name[];
  readonly condition?: Expr;
  readonly span: Span;
}
export interface WhenBlock {
  readonly kind: "when";
  readonly condition: Expr;
  readonly mappings: readonly Mapping[];
  readonly span: Span;
}
export type ConflictPolicy =
  | { readonly kind: "newest"; readonly timestamps: readonly Expr[]; readonly tie?: Name; readonly span: Span }
  | { readonly kind: "prefer"; readonly system: Name; readonly span: Span };
export interface ConflictsItem {
  readonly kind: "conflicts";
  readonly policy: ConflictPolicy;
  readonly span: Span;
}
export type LinkItem = MatchItem | WriteBackItem | SkipClause | CreateItem | WhenBlock | ConflictsItem | Mapping;

export interface LinkSide {
  readonly alias: Name;
  readonly source: Expr;
}

// ---- Statements ----

export interface SyncStatement {
  readonly kind: "sync";
  readonly left: Name;
  readonly direction: Direction;
  readonly right: Name;
  readonly span: Span;
}

export type TypeRef =
  | { readonly kind: "enumType"; readonly values: readonly Literal<string>[]; readonly span: Span }
  | { readonly kind: "namedType"; readonly name: Name; readonly list: boolean; readonly span: Span };

export interface ParamStatement {
  readonly kind: "param";
  readonly name: Name;
  readonly type: TypeRef;
  readonly default?: Expr;
  readonly span: Span;
}

export interface ViewStatement {
  readonly kind: "view";
  readonly name: Name;
  readonly clauses: readonly Clause[];
  readonly select: Expr;
  readonly span: Span;
}

export interface LinkStatement {
  readonly kind: "link";
  readonly left: LinkSide;
  readonly direction: Direction;
  readonly directionSpan: Span;
  readonly right: LinkSide;
  readonly items: readonly LinkItem[];
  readonly span: Span;
}

export type Action =
  | {
      readonly kind: "write";
      /** create: new records only; upsert: new and existing; update: existing only, none created. */
      readonly mode: "create" | "upsert" | "update";
      readonly target: Expr;
      readonly key: Expr;
      readonly assignments: readonly Assignment[];
      readonly span: Span;
    }
  | { readonly kind: "delete"; readonly target: Expr; readonly key?: Expr; readonly span: Span };

export interface RuleStatement {
  readonly kind: "rule";
  readonly clauses: readonly Clause[];
  readonly action: Action;
  readonly span: Span;
}

export interface LimitStatement {
  readonly kind: "limit";
  readonly measure: Name;
  readonly target: Expr;
  readonly percent: Literal<number>;
  /** `when more than N`: the run fails only when it deletes (removes) more than N as well. */
  readonly floor?: Literal<number>;
  readonly span: Span;
}

export interface DirectionRef {
  readonly left: Name;
  readonly direction: Direction;
  readonly right: Name;
  readonly span: Span;
}

export interface EventTrigger {
  readonly kind: "eventTrigger";
  readonly system: Name;
  /** Undefined for `any event`. */
  readonly events?: readonly Name[];
  readonly actors: readonly Name[];
  /** `as NAME`: the event's record, as `resyncs` names it. */
  readonly record?: Name;
  readonly direction?: DirectionRef;
  /** `resyncs LOOKUP, ...`: records the event's run covers besides its own. */
  readonly resyncs?: readonly Expr[];
  readonly span: Span;
}

export type ScheduleRef =
  | { readonly kind: "every"; readonly count?: Literal<number>; readonly unit: Name; readonly span: Span }
  | { readonly kind: "nightly"; readonly at?: Literal<string>; readonly span: Span }
  | { readonly kind: "cron"; readonly expression: Literal<string>; readonly span: Span };

export interface ScheduleTrigger {
  readonly kind: "scheduleTrigger";
  readonly schedule: ScheduleRef;
  readonly zone?: Literal<string>;
  readonly direction?: DirectionRef;
  readonly span: Span;
}

export type Statement =
  | SyncStatement
  | ParamStatement
  | ViewStatement
  | LinkStatement
  | RuleStatement
  | LimitStatement
  | EventTrigger
  | ScheduleTrigger;

export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export interface Spec {
  readonly kind: "spec";
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  readonly span: Span;
}
