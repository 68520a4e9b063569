// The language's functions, each declared once: its signature and summary (for the
// reference in grammar/README.md), its examples (run as tests), how it types its arguments
// (for the checker) and, for plain functions, how it computes (for the runtime).
import { message, type Message } from "../../diagnostics/catalog.js";
import { lowerCase, upperCase } from "./case-fold.js";
import { BOOL, DATE, INT, NUM, STR, describe, isNumeric, isStringLike, list, ordered, unify, type Type } from "../types/type.js";

export interface FunctionExample {
  readonly call: string;
  readonly result: unknown;
}

export type Evaluate = (args: readonly unknown[]) => unknown;

/** Why a call's arguments do not fit: its TYP011 message, made once the checker gives the function's name as called. */
export type ArgumentProblem = (name: string) => Message<"TYP011">;

export interface FunctionDeclaration {
  readonly name: string;
  readonly signature: string;
  readonly summary: string;
  readonly examples: readonly FunctionExample[];
  /** The allowed numbers of arguments. */
  readonly arity: readonly [min: number, max: number];
  /** The result type, or why an argument does not fit. */
  readonly type: (args: readonly Type[]) => Type | ArgumentProblem;
  /**
   * Plain functions compute here. The others are forms the checker compiles to their own
   * plan steps: `linked` and `one` (lookups that may skip a row), and aggregates given a
   * single value (which add up the rows of one target record).
   */
  readonly evaluate?: Evaluate;
  /** An aggregate: with a single value instead of a list, it adds up the rows of a group. */
  readonly aggregate?: boolean;
}

function isList(t: Type): boolean {
  return t.kind === "list" || t.kind === "any" || t.kind === "null";
}
function itemOf(t: Type): Type {
  return t.kind === "list" ? t.item : t;
}
/** The TYP011 messages that say what a function needs, and what it was given. */
type Needs = "needsString" | "needsStringOrList" | "needsDatetime" | "needsSingleValue" | "needsStringToLookUp" | "needsTable" | "needsLookupList" | "needsList" | "needsNumbers" | "needsOrder";

function needs(what: Needs, t: Type): ArgumentProblem {
  return (name) => message("TYP011", what, { name, found: describe(t) });
}

/** Arguments that should share one type and do not. */
function mixed(what: "valuesOfOneType" | "tableOfOneType"): ArgumentProblem {
  return (name) => message("TYP011", what, { name });
}
function str(arg: unknown): string | null {
  return arg === null || arg === undefined ? null : String(arg);
}
function present(items: readonly unknown[]): unknown[] {
  return items.filter((v) => v !== null && v !== undefined);
}
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
function stringFunction(name: string, summary: string, examples: FunctionExample[], f: (s: string) => unknown, result: Type = STR): FunctionDeclaration {
  return {
    name,
    signature: `${name}(text: str) -> ${describe(result)}`,
    summary,
    examples,
    arity: [1, 1],
    type: ([t]) => (isStringLike(t!) ? result : needs("needsString", t!)),
    evaluate: ([s]) => {
      const v = str(s);
      return v === null ? null : f(v);
    },
  };
}

const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

export const FUNCTIONS: readonly FunctionDeclaration[] = [
  // Matching keys pass through lower and upper, so these never map a character of another
  // script into ASCII: the Kelvin sign stays itself rather than becoming "k" (case-fold.ts).
  stringFunction(
    "lower",
    "The text in lower case, in Unicode NFC. A character outside ASCII never becomes ASCII: the Kelvin sign stays, and so does a dotted capital I.",
    [
      { call: 'lower("Ann@Example.org")', result: "ann@example.org" },
      { call: 'lower("ÉLODIE")', result: "élodie" },
    ],
    lowerCase,
  ),
  stringFunction("upper", "The text in upper case, by the rules of lower: a sharp s stays ß rather than becoming SS.", [{ call: 'upper("ny")', result: "NY" }, { call: 'upper("straße")', result: "STRAßE" }], upperCase),
  stringFunction("trim", "The text without spaces at either end.", [{ call: 'trim("  Ann ")', result: "Ann" }], (s) => s.trim()),
  stringFunction("digits", "Only the digits of the text, as phone numbers are compared.", [{ call: 'digits("+1 (202) 555-1234")', result: "12025551234" }], (s) =>
    s.replace(/[^0-9]/g, ""),
  ),
  stringFunction(
    "number",
    "The number a decimal text stands for; null when the text is not a decimal.",
    [
      { call: 'number("2.50")', result: 2.5 },
      { call: 'number("n/a")', result: null },
    ],
    (s) => (DECIMAL.test(s) ? Number(s) : null),
    NUM,
  ),
  {
    name: "length",
    signature: "length(value: str | list) -> int",
    summary: "The number of characters of a text, or of items of a list.",
    examples: [
      { call: 'length("Spring Gala")', result: 11 },
      { call: 'length(["a", "b"])', result: 2 },
    ],
    arity: [1, 1],
    type: ([t]) => (isStringLike(t!) || isList(t!) ? INT : needs("needsStringOrList", t!)),
    evaluate: ([v]) => (v === null || v === undefined ? null : Array.isArray(v) ? v.length : [...String(v)].length),
  },
  {
    name: "date",
    signature: "date(moment: datetime | date | str) -> date",
    summary: "The UTC date of a datetime; a date, or a text such as \"2026-11-01\", read as a date.",
    examples: [{ call: 'date("2026-11-01T23:30:00Z")', result: "2026-11-01" }],
    arity: [1, 1],
    type: ([t]) => (t!.kind === "datetime" || t!.kind === "date" || isStringLike(t!) ? DATE : needs("needsDatetime", t!)),
    evaluate: ([v]) => {
      if (v === null || v === undefined) return null;
      const ms = Date.parse(String(v));
      return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
    },
  },
  {
    name: "string",
    signature: "string(value) -> str",
    summary: "A number, date or flag written as text.",
    examples: [{ call: "string(2.5)", result: "2.5" }],
    arity: [1, 1],
    type: ([t]) => (t!.kind === "list" || t!.kind === "object" ? needs("needsSingleValue", t!) : STR),
    evaluate: ([v]) => (v === null || v === undefined ? null : String(v)),
  },
  {
    name: "coalesce",
    signature: "coalesce(value, fallback, ...) -> the values' type",
    summary: "The first value that is not null.",
    examples: [{ call: 'coalesce(null, "Household")', result: "Household" }],
    arity: [2, 16],
    type: (args) => {
      let t: Type | undefined = args[0]!;
      for (const a of args.slice(1)) {
        t = t && unify(t, a);
        if (!t) return mixed("valuesOfOneType");
      }
      return t!;
    },
    evaluate: (args) => args.find((v) => v !== null && v !== undefined) ?? null,
  },
  {
    name: "map",
    signature: "map(value: str, table: {str: T}, default?: T) -> T",
    summary: "The table's entry for the value; the default (or null) when it has none.",
    examples: [
      { call: 'map("F", {"M": "Male", "F": "Female"})', result: "Female" },
      { call: 'map("X", {"M": "Male"}, "Unknown")', result: "Unknown" },
    ],
    arity: [2, 3],
    type: ([value, table, fallback]) => {
      if (!isStringLike(value!)) return needs("needsStringToLookUp", value!);
      if (table!.kind !== "object") return needs("needsTable", table!);
      let t: Type | undefined = fallback ?? { kind: "null" };
      for (const entry of table!.fields.values()) {
        t = t && unify(t, entry);
        if (!t) return mixed("tableOfOneType");
      }
      return t!;
    },
    evaluate: ([value, table, fallback]) => {
      if (value === null || value === undefined) return fallback ?? null;
      const entries = table as Record<string, unknown>;
      const key = String(value);
      return Object.hasOwn(entries, key) ? entries[key] : (fallback ?? null);
    },
  },
  {
    name: "exists",
    signature: "exists(value | list) -> bool",
    summary: "Whether the value is not null, or the list has an item.",
    examples: [
      { call: "exists([])", result: false },
      { call: 'exists("x")', result: true },
    ],
    arity: [1, 1],
    type: () => BOOL,
    evaluate: ([v]) => (Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined),
  },
  {
    name: "one",
    signature: "one(list) -> item",
    summary: "The list's only item; null when it is empty. Two or more skip the row, with the reason.",
    examples: [{ call: 'one(["a"])', result: "a" }],
    arity: [1, 1],
    type: ([t]) => (isList(t!) ? itemOf(t!) : needs("needsLookupList", t!)),
  },
  {
    name: "linked",
    signature: "linked(record) -> record",
    summary: "The record's counterpart through the spec's link for its collection; null when unlinked. Two counterparts skip the row, with the reason.",
    examples: [],
    arity: [1, 1],
    type: ([t]) => t!,
  },
  {
    name: "count",
    signature: "count(list?) -> int",
    summary: "The number of items of a list; `count()` in a write block is the number of rows that make the record.",
    examples: [{ call: 'count(["a", "b"])', result: 2 }],
    arity: [0, 1],
    aggregate: true,
    type: (args) => (args.length === 0 || isList(args[0]!) ? INT : needs("needsList", args[0]!)),
    evaluate: ([v]) => (Array.isArray(v) ? v.length : 0),
  },
  {
    name: "sum",
    signature: "sum(numbers) -> int | num",
    summary: "The sum of a list of numbers, nulls left out (whole numbers sum to an int); of one number per row in a write block.",
    examples: [{ call: "sum([2.5, 1, null])", result: 3.5 }],
    arity: [1, 1],
    aggregate: true,
    type: ([t]) => (isNumeric(itemOf(t!)) ? (itemOf(t!).kind === "int" ? INT : NUM) : needs("needsNumbers", t!)),
    evaluate: ([v]) => present(v as unknown[]).reduce((a: number, b) => a + Number(b), 0),
  },
  {
    name: "min",
    signature: "min(values) -> value",
    summary: "The least of a list of numbers, texts, dates or datetimes, nulls left out; null for none.",
    examples: [{ call: "min([3, 1, 2])", result: 1 }],
    arity: [1, 1],
    aggregate: true,
    type: ([t]) => (ordered(itemOf(t!)) ? itemOf(t!) : needs("needsOrder", t!)),
    evaluate: ([v]) => present(v as unknown[]).reduce((a, b) => (a === null || compareValues(b, a) < 0 ? b : a), null),
  },
  {
    name: "max",
    signature: "max(values) -> value",
    summary: "The greatest of a list of numbers, texts, dates or datetimes, nulls left out; null for none.",
    examples: [{ call: 'max(["2026-01-02", "2026-03-01"])', result: "2026-03-01" }],
    arity: [1, 1],
    aggregate: true,
    type: ([t]) => (ordered(itemOf(t!)) ? itemOf(t!) : needs("needsOrder", t!)),
    evaluate: ([v]) => present(v as unknown[]).reduce((a, b) => (a === null || compareValues(b, a) > 0 ? b : a), null),
  },
  {
    name: "set",
    signature: "set(values) -> list",
    summary: "The distinct values of a list, nulls left out, in first-seen order: a set, whose order carries no meaning.",
    examples: [{ call: 'set(["b", "a", "b", null])', result: ["b", "a"] }],
    arity: [1, 1],
    aggregate: true,
    type: ([t]) => list(itemOf(t!)),
    evaluate: ([v]) => [...new Set(present(v as unknown[]).map((x) => x))],
  },
];

export const FUNCTIONS_BY_NAME: ReadonlyMap<string, FunctionDeclaration> = new Map(FUNCTIONS.map((f) => [f.name, f]));
