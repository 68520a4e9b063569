// Checks a snapshot's records against their system's definition: each record valid against
// its collection's JSON Schema, and its key field equal to its key. A million records pass
// here, so a record is checked with a validator compiled once per collection, and at most
// MAX_PROBLEMS problems are kept.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { escapePointer } from "../json/pointer.js";
import { RecordTable } from "./record-table.js";
import type { Snapshot } from "./snapshot.js";
import type { Rec } from "../json/values.js";
import { isDate, isDatetime } from "../json/datetime.js";

export const MAX_PROBLEMS = 20;

// Dates and datetimes are checked by shape with exact ranges (month 01-12, hour 00-23 ...)
// and by the calendar (no 2026-02-30), without Date.parse: a snapshot of a million records
// has millions of them.
const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addFormat("date", { type: "string", validate: isDate });
ajv.addFormat("date-time", { type: "string", validate: isDatetime });
const validators = new WeakMap<CollectionDefinition, ValidateFunction>();

export function validatorFor(collection: CollectionDefinition): ValidateFunction {
  let validate = validators.get(collection);
  if (!validate) {
    validate = ajv.compile(collection.schema);
    validators.set(collection, validate);
  }
  return validate;
}


export interface CheckedCollection {
  readonly name: string;
  readonly keys: readonly string[];
  readonly records: readonly unknown[];
  readonly byKey: ReadonlyMap<string, unknown>;
  /** Undefined for a collection the system does not have, or one that is not an object of records. */
  readonly checks?: RecordChecks | undefined;
}

/**
 * The snapshot of checked collections, or their problems: each collection's first ones until
 * MAX_PROBLEMS are found, then at most one more per collection (and every unknown collection).
 */
export function gather(collections: readonly CheckedCollection[], file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: Problem[] } {
  const problems: Problem[] = [];
  const snapshot: Snapshot = new Map();
  for (const { name, keys, records, byKey, checks } of collections) {
    const pointer = `/${escapePointer(name)}`;
    if (!system.collections.has(name)) {
      problems.push(problem({ file, pointer }, message("SNP002", "unknown", { system: system.name, name, collections: [...system.collections.keys()].join(", ") })));
      continue;
    }
    if (!checks) {
      problems.push(problem({ file, pointer }, message("SNP003", "notObject")));
      continue;
    }
    for (const found of checks.problems) {
      problems.push(found);
      if (problems.length >= MAX_PROBLEMS) break;
    }
    snapshot.set(name, new RecordTable(keys, records as Rec[], byKey as ReadonlyMap<string, Rec>));
  }
  if (problems.length > 0) return { problems };
  return { snapshot, problems };
}

/** A collection's records checked one by one against its schema and key field, keeping the first MAX_PROBLEMS problems. */
export class RecordChecks {
  readonly problems: Problem[] = [];
  private readonly validate: ValidateFunction;
  private readonly keyField: string;
  private readonly pointer: string;

  constructor(
    private readonly file: string,
    name: string,
    definition: CollectionDefinition,
  ) {
    this.validate = validatorFor(definition);
    this.keyField = definition.key;
    this.pointer = `/${escapePointer(name)}`;
  }

  check(key: string, record: unknown): void {
    if (this.problems.length >= MAX_PROBLEMS) return;
    const { validate, keyField, file } = this;
    if (!validate(record)) {
      const error = validate.errors![0]!;
      this.problems.push(problem({ file, pointer: `${this.pointer}/${escapePointer(key)}${error.instancePath}` }, schemaMessage(error, "")));
      return;
    }
    const id = (record as Rec)[keyField];
    if (id !== key) {
      this.problems.push(problem({ file, pointer: `${this.pointer}/${escapePointer(key)}/${escapePointer(keyField)}` }, message("SNP005", "keyDiffers", { field: keyField, value: JSON.stringify(id), key })));
    }
  }
}

/** Why a record is not valid against its collection's schema, or undefined when it is. */
export function recordProblem(collection: CollectionDefinition, record: unknown): string | undefined {
  const validate = validatorFor(collection);
  if (validate(record)) return undefined;
  const error = validate.errors![0]!;
  return schemaMessage(error, error.instancePath === "" ? "" : `${error.instancePath.slice(1).replace(/\//g, ".")} `).text;
}

/** ajv's error in the catalog's words; `at` names the field when the place does not. */
function schemaMessage(error: ErrorObject, at: string): Message {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return message("SNP004", "missingField", { at, field: String(params["missingProperty"]) });
    case "type":
      if (params["type"] !== undefined) return message("SNP004", "wrongType", { at, types: String(params["type"]).replace(",null", "").replace(/,/g, " or ") });
      break;
    case "enum":
      return message("SNP004", "notAllowed", { at, values: (params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ") });
    case "format":
      return params["format"] === "date" ? message("SNP004", "notDate", { at }) : message("SNP004", "notDatetime", { at });
  }
  // Another keyword: ajv's own words, which are data here.
  return message("SNP004", "invalid", { at, reason: error.message ?? "is invalid" });
}
