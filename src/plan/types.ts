// The plan: a compiled spec as plain, versioned JSON. It is the contract between the
// compiler and the runtime (plan.schema.json is its schema, held to these types both ways by
// test/plan/schema-types.test.ts), so either can change alone.
// Every step keeps its span, [line, column, endLine, endColumn], so a runtime error can
// point at the spec line it came from.

export const PLAN_VERSION = 1;

export type PlanSpan = readonly [number, number, number, number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where rows come from: a collection of a system, or a view. */
export type Source = { readonly system: string; readonly collection: string } | { readonly view: string };

export type ArithmeticOperator = "+" | "-" | "*" | "/";

export type CompareAs = "number" | "string" | "date" | "datetime" | "bool" | "value";

export type Expr =
  | { readonly op: "literal"; readonly value: JsonValue }
  | { readonly op: "param"; readonly name: string }
  /** An alias, a `let`, or `$`: the candidate record inside a lookup's fields. */
  | { readonly op: "var"; readonly name: string }
  | { readonly op: "now" }
  | { readonly op: "lastRun" }
  /** A field; null-safe, and over a list it takes the field of every item. */
  | { readonly op: "get"; readonly of: Expr; readonly field: string }
  /** Every row of a collection or view. */
  | { readonly op: "rows"; readonly source: Source }
  /** The row with this key, or null. */
  | { readonly op: "byKey"; readonly source: Source; readonly key: Expr }
  /** The rows whose `fields` (expressions over `$`) equal `values`, in key order. */
  | { readonly op: "find"; readonly source: Source; readonly fields: readonly Expr[]; readonly values: readonly Expr[] }
  /** The counterpart of a record through a link; a record with two counterparts skips its row. */
  | { readonly op: "linked"; readonly link: number; readonly from: "left" | "right"; readonly record: Expr }
  /** `compare` tells `min` and `max` how their values order (datetimes as moments). */
  | { readonly op: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly compare?: CompareAs }
  /** An aggregate over the rows that produce one target record. */
  | { readonly op: "aggregate"; readonly fn: "count" | "sum" | "min" | "max" | "set"; readonly arg?: Expr; readonly compare?: CompareAs }
  | { readonly op: "compare"; readonly operator: "==" | "!=" | "<" | "<=" | ">" | ">="; readonly as: CompareAs; readonly left: Expr; readonly right: Expr }
  | { readonly op: "in"; readonly item: Expr; readonly list: Expr; readonly as: CompareAs }
  /**
   * `a + b - c`, applied from the left: `operators[i]` stands between `operands[i]` and
   * `operands[i + 1]`. A chain is one step however long, so nothing walks it by recursion.
   */
  | { readonly op: "arithmetic"; readonly operands: readonly Expr[]; readonly operators: readonly ArithmeticOperator[] }
  | { readonly op: "concat"; readonly parts: readonly Expr[] }
  | { readonly op: "and"; readonly args: readonly Expr[] }
  | { readonly op: "or"; readonly args: readonly Expr[] }
  | { readonly op: "not"; readonly arg: Expr }
  | { readonly op: "negate"; readonly arg: Expr }
  | { readonly op: "if"; readonly condition: Expr; readonly then: Expr; readonly else: Expr }
  | { readonly op: "list"; readonly items: readonly Expr[] }
  /** Entries as pairs, so that keys such as `__proto__` stay data. */
  | { readonly op: "object"; readonly entries: readonly (readonly [string, Expr])[] };

export type Clause =
  | { readonly kind: "from"; readonly alias: string; readonly source: Expr; readonly span: PlanSpan }
  | { readonly kind: "let"; readonly name: string; readonly value: Expr; readonly span: PlanSpan }
  | { readonly kind: "where"; readonly condition: Expr; readonly span: PlanSpan }
  | { readonly kind: "skip"; readonly reason: Expr; readonly condition: Expr; readonly span: PlanSpan };

export interface Assignment {
  /** The field's path in the target record; more than one step writes inside a nested object. */
  readonly field: readonly string[];
  readonly value: Expr;
  /** Set when the record is created, never updated afterwards. */
  readonly initially: boolean;
  /** While this holds, a set field only grows: nothing is removed from it. */
  readonly addOnlyWhen?: Expr;
  readonly span: PlanSpan;
}

export interface ParamPlan {
  readonly name: string;
  readonly type: TypeName;
  /** The allowed values of a param declared as "a" | "b". */
  readonly values?: readonly string[];
  readonly default?: JsonValue;
  readonly required: boolean;
  readonly span: PlanSpan;
}

export type TypeName = "str" | "int" | "num" | "bool" | "date" | "datetime" | "schedule" | "str[]" | "int[]" | "num[]" | "bool[]" | "date[]" | "datetime[]";

export interface ViewPlan {
  readonly name: string;
  readonly clauses: readonly Clause[];
  readonly select: Expr;
  /** The key of each row, when rows are the records of the first `from`: lets `view[key]` work. */
  readonly keyAlias?: string;
  readonly span: PlanSpan;
}

export interface LinkSide {
  readonly alias: string;
  readonly system: string;
  readonly collection: string;
  readonly source: Source;
}

export type Side = "left" | "right";

export interface MatchPlan {
  /** Pairs of key expressions, one over each side, that must be equal. */
  readonly keys: readonly { readonly left: Expr; readonly right: Expr }[];
  readonly leftCondition?: Expr;
  readonly rightCondition?: Expr;
  readonly span: PlanSpan;
}

export type MappingPlan =
  | {
      /** Stable across edits of other lines: the state keeps last synced values under it. */
      readonly id: string;
      readonly kind: "oneWay";
      /** The side written. */
      readonly into: Side;
      readonly value: Expr;
      readonly target: readonly string[];
      /** The functions both values pass through, in order, before they are compared: `as digits` is "digits", `as trim, lower` is "trim, lower". */
      readonly compare?: string;
      readonly condition?: Expr;
      readonly span: PlanSpan;
    }
  | {
      readonly id: string;
      readonly kind: "twoWay";
      readonly left: readonly string[];
      readonly right: readonly string[];
      /** For objects mapped as one field: [left sub-field, right sub-field]. */
      readonly renames?: readonly (readonly [string, string])[];
      /** The functions both values pass through, in order, before they are compared: `as digits` is "digits", `as trim, lower` is "trim, lower". */
      readonly compare?: string;
      readonly condition?: Expr;
      readonly span: PlanSpan;
    };

export type ConflictPlan =
  | { readonly policy: "newest"; readonly left: Expr; readonly right: Expr; readonly tie: Side; readonly span: PlanSpan }
  | { readonly policy: "prefer"; readonly side: Side; readonly span: PlanSpan };

export interface LinkPlan {
  /** Stable across edits of other lines: the state keeps a link's pairs under it. */
  readonly id: string;
  readonly left: LinkSide;
  readonly right: LinkSide;
  readonly direction: "<->" | "->" | "<-";
  /** Tried in order; a later match is used when an earlier one has nothing to compare. */
  readonly matches: readonly MatchPlan[];
  readonly skips: readonly { readonly side: Side; readonly reason: Expr; readonly condition: Expr; readonly span: PlanSpan }[];
  readonly creates: readonly {
    /** The side on which the record is created, for a record of the other side. */
    readonly into: Side;
    readonly key: Expr;
    readonly condition?: Expr;
    readonly assignments: readonly Assignment[];
    readonly span: PlanSpan;
  }[];
  readonly writeBack?: { readonly into: Side; readonly value: Expr; readonly target: readonly string[]; readonly span: PlanSpan };
  readonly mappings: readonly MappingPlan[];
  readonly conflicts?: ConflictPlan;
  readonly span: PlanSpan;
}

export type ActionPlan =
  | {
      readonly kind: "write";
      /** create: new records only; upsert: new and existing; update: existing only, none created. */
      readonly mode: "create" | "upsert" | "update";
      readonly system: string;
      readonly collection: string;
      readonly key: Expr;
      readonly assignments: readonly Assignment[];
      /** Whether the block aggregates over the rows that share a key. */
      readonly grouped: boolean;
      readonly span: PlanSpan;
    }
  | { readonly kind: "delete"; readonly system: string; readonly collection: string; readonly key: Expr; readonly span: PlanSpan };

export interface RulePlan {
  readonly id: number;
  readonly clauses: readonly Clause[];
  readonly action: ActionPlan;
  readonly span: PlanSpan;
}

export interface LimitPlan {
  readonly measure: "removals" | "deletes";
  readonly system: string;
  readonly collection: string;
  readonly field?: string;
  readonly percent: number;
  /**
   * `when more than N`: the run fails only when it would delete (remove) more than this many
   * records (entries) as well as more than `percent`. Without it, the share alone decides.
   */
  readonly floor?: number;
  readonly span: PlanSpan;
}

export interface DirectionPlan {
  readonly from: string;
  readonly to: string;
}

/** When a scheduled trigger fires: the schedule as the spec wrote it, its zone resolved. */
export type Schedule =
  | { readonly kind: "every"; readonly minutes: number }
  | { readonly kind: "daily"; readonly at: string; readonly zone: string }
  | { readonly kind: "cron"; readonly expression: string; readonly zone: string };

export type ScheduleOrParam = Schedule | { readonly kind: "param"; readonly name: string };

export type TriggerPlan =
  | {
      readonly kind: "event";
      readonly system: string;
      /** Null: any event of the system. */
      readonly events: readonly string[] | null;
      /** Null: any actor. */
      readonly actors: readonly string[] | null;
      readonly directions: readonly DirectionPlan[];
      readonly resyncs?: EventResyncs;
      readonly span: PlanSpan;
    }
  | { readonly kind: "schedule"; readonly schedule: ScheduleOrParam; readonly directions: readonly DirectionPlan[]; readonly span: PlanSpan };

/** `as ALIAS resyncs ...`: records an event's run covers besides its own, each a lookup (byKey or find) over the event's record, named alias. */
export interface EventResyncs {
  readonly alias: string;
  readonly records: readonly { readonly system: string; readonly collection: string; readonly expr: Expr }[];
}

export interface Plan {
  readonly syncspec: "plan";
  readonly version: typeof PLAN_VERSION;
  readonly integration: string;
  readonly source: string;
  readonly systems: { readonly left: string; readonly right: string; readonly direction: "<->" | "->" | "<-" };
  /**
   * System -> the fingerprint ("sha256:" and 64 hex digits) of the definition the plan was
   * compiled against, for each of its two systems: a plan file whose systems' definitions have
   * changed since is refused. Optional only in memory: the checker makes a plan without it and
   * compileSpec adds it; every plan written or loaded has it (the schema requires it).
   */
  readonly fingerprints: { readonly [system: string]: string };
  /** The key field of every collection the plan reads or writes. */
  readonly collections: { readonly [system: string]: { readonly [collection: string]: { readonly key: string } } };
  readonly params: readonly ParamPlan[];
  readonly views: readonly ViewPlan[];
  readonly links: readonly LinkPlan[];
  readonly rules: readonly RulePlan[];
  readonly limits: readonly LimitPlan[];
  readonly triggers: readonly TriggerPlan[];
}
