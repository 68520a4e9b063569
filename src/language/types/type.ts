// The language's types: what the checker infers for every expression and what system
// definitions declare for every field. Nullability is not tracked: every value may be null.
import { message, type Message } from "../../diagnostics/catalog.js";
import { isDateText, isDatetimeText } from "../../json/datetime.js";

export type Type =
  | { readonly kind: "str" }
  | { readonly kind: "int" }
  | { readonly kind: "num" }
  | { readonly kind: "bool" }
  | { readonly kind: "date" }
  | { readonly kind: "datetime" }
  | { readonly kind: "schedule" }
  /** A string from a fixed set ("Succeeded" | "Failed"). */
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "list"; readonly item: Type }
  /** A record or nested object. Records also know their collection. */
  | { readonly kind: "object"; readonly fields: ReadonlyMap<string, Type>; readonly record?: RecordOrigin }
  /** The type of the `null` literal: fits anywhere. */
  | { readonly kind: "null" }
  /** Unknown after an error: fits anywhere, so one mistake is reported once. */
  | { readonly kind: "any" };

export interface RecordOrigin {
  readonly system: string;
  readonly collection: string;
  readonly key: string;
}

export type ObjectType = Extract<Type, { kind: "object" }>;

export const STR: Type = { kind: "str" };
export const INT: Type = { kind: "int" };
export const NUM: Type = { kind: "num" };
export const BOOL: Type = { kind: "bool" };
export const DATE: Type = { kind: "date" };
export const DATETIME: Type = { kind: "datetime" };
export const SCHEDULE: Type = { kind: "schedule" };
export const NULL: Type = { kind: "null" };
export const ANY: Type = { kind: "any" };

export function list(item: Type): Type {
  return { kind: "list", item };
}

/** The scalar types a param may be declared with, by the name an author writes. */
export const NAMED_TYPES: ReadonlyMap<string, Type> = new Map<string, Type>([
  ["str", STR],
  ["int", INT],
  ["num", NUM],
  ["bool", BOOL],
  ["date", DATE],
  ["datetime", DATETIME],
  ["schedule", SCHEDULE],
]);

/** How a type reads in a message: `str`, `"M" | "F"`, `str[]`, `raisedonors.donors record`. */
export function describe(type: Type): string {
  switch (type.kind) {
    case "enum":
      // A string literal's type is the one-value enum of its value.
      if (type.values.length === 1) return message("TYP001", "typeString", { value: JSON.stringify(type.values[0]) }).text;
      return type.values.length <= 4 ? type.values.map((v) => JSON.stringify(v)).join(" | ") : message("TYP001", "typeOneOf", { count: type.values.length }).text;
    case "list":
      return type.item.kind === "object" || type.item.kind === "enum" ? message("TYP001", "typeListOf", { item: describe(type.item) }).text : `${describe(type.item)}[]`;
    case "object":
      if (!type.record) return message("TYP001", "typeObject", { fields: [...type.fields.keys()].join(", ") }).text;
      return recordPhrase(`${type.record.system}.${type.record.collection}`);
    case "null":
      return "null";
    case "any":
      return message("TYP001", "typeUnknown").text;
    default:
      return type.kind;
  }
}

/** A record of a collection, `system.collection`, as a message names it: "a raisedonors.donors record", "an altru.jobs record". */
export function recordPhrase(collection: string): string {
  return message("TYP001", /^[aeiou]/i.test(collection) ? "anRecord" : "aRecord", { name: collection }).text;
}

export function isNumeric(type: Type): boolean {
  return type.kind === "int" || type.kind === "num" || type.kind === "any" || type.kind === "null";
}

export function isStringLike(type: Type): boolean {
  return type.kind === "str" || type.kind === "enum" || type.kind === "any" || type.kind === "null";
}


/** A string literal written as a date ("2026-11-01") or datetime ("2026-11-01T14:05:00Z") stands for one. */
function literalFits(from: Type, to: Type): boolean {
  if (from.kind !== "enum" || from.values.length !== 1) return false;
  const text = from.values[0]!;
  if (to.kind === "date") return isDateText(text);
  if (to.kind === "datetime") return isDatetimeText(text);
  return false;
}

/** Whether a value of type `from` may be stored where `to` is expected. */
export function assignable(from: Type, to: Type): boolean {
  if (from.kind === "any" || to.kind === "any" || from.kind === "null") return true;
  if (literalFits(from, to)) return true;
  switch (to.kind) {
    case "str":
      return from.kind === "str" || from.kind === "enum";
    case "enum":
      if (from.kind === "enum") return from.values.every((v) => to.values.includes(v));
      return false;
    case "num":
      return from.kind === "num" || from.kind === "int";
    case "int":
      return from.kind === "int";
    case "schedule":
      return from.kind === "schedule";
    case "list":
      return from.kind === "list" && assignable(from.item, to.item);
    case "object":
      if (from.kind !== "object") return false;
      for (const [name, fieldType] of to.fields) {
        const given = from.fields.get(name);
        if (given && !assignable(given, fieldType)) return false;
      }
      for (const name of from.fields.keys()) if (!to.fields.has(name)) return false;
      return true;
    default:
      return from.kind === to.kind;
  }
}

/** Whether two values can be compared with `==`. */
export function comparable(a: Type, b: Type): boolean {
  return assignable(a, b) || assignable(b, a) || (isNumeric(a) && isNumeric(b)) || (isStringLike(a) && isStringLike(b));
}

/** The type both branches of an `if` (or items of a list) fit in. */
export function unify(a: Type, b: Type): Type | undefined {
  if (a.kind === "any" || b.kind === "any") return ANY;
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if (a.kind === "enum" && b.kind === "enum") return { kind: "enum", values: [...new Set([...a.values, ...b.values])] };
  if (isStringLike(a) && isStringLike(b)) return STR;
  if (isNumeric(a) && isNumeric(b)) return a.kind === "int" && b.kind === "int" ? INT : NUM;
  if (assignable(a, b)) return b;
  if (assignable(b, a)) return a;
  return undefined;
}

/** A type as a kind, not a value: the string "x" reads as `str` (for lists of mixed items). */
export function describeKind(type: Type): string {
  return type.kind === "enum" && type.values.length === 1 ? "str" : describe(type);
}

/** Why a string literal cannot stand for a date or datetime, or undefined when it can (or is no such literal). */
export function dateLiteralProblem(literal: Type, to: Type): Message<"TYP009"> | undefined {
  if (literal.kind !== "enum" || literal.values.length !== 1 || (to.kind !== "date" && to.kind !== "datetime")) return undefined;
  if (literalFits(literal, to)) return undefined;
  return message("TYP009", to.kind === "date" ? "notDate" : "notDatetime", { text: JSON.stringify(literal.values[0]!) });
}

/** Whether values of the type have an order (`<`, `min`, `max`). */
export function ordered(type: Type): boolean {
  return ["int", "num", "str", "enum", "date", "datetime", "any", "null"].includes(type.kind);
}
