// Checks a snapshot's records against their system's definition: each record valid against
// its collection's JSON Schema, and its key field equal to its key. A million records pass
// here, so a record is checked with a validator compiled once per collection, and at most
// MAX_PROBLEMS problems are kept.
import { Ajv, type ValidateFunction } from "ajv";
import { problem, type Problem } from "../diagnostics/problem.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { escapePointer } from "../json/pointer.js";
import { RecordTable } from "./record-table.js";
import type { Snapshot } from "./snapshot.js";
import type { Rec } from "../json/values.js";
import { DATE_SHAPE, DATETIME_SHAPE } from "../json/datetime.js";

export const MAX_PROBLEMS = 20;

// Dates and datetimes are checked by shape with exact ranges (month 01-12, hour 00-23 ...),
// without Date.parse: a snapshot of a million records has millions of them.
const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addFormat("date", DATE_SHAPE);
ajv.addFormat("date-time", DATETIME_SHAPE);
const validators = new WeakMap<CollectionDefinition, ValidateFunction>();

export function validatorFor(collection: CollectionDefinition): ValidateFunction {
  let validate = validators.get(collection);
  if (!validate) {
    validate = ajv.compile(collection.schema);
    validators.set(collection, validate);
  }
  return validate;
}

export const WRITTEN_TWICE = "this key is written twice; the second would silently replace the first";

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
      problems.push(problem("SNP002", { file, pointer }, `${system.name} has no collection "${name}"; its collections are ${[...system.collections.keys()].join(", ")}`));
      continue;
    }
    if (!checks) {
      problems.push(problem("SNP003", { file, pointer }, "a collection is an object from record key to record"));
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
      this.problems.push(problem("SNP004", { file, pointer: `${this.pointer}/${escapePointer(key)}${error.instancePath}` }, schemaMessage(error.message ?? "is invalid", error.params, error.keyword)));
      return;
    }
    const id = (record as Rec)[keyField];
    if (id !== key) {
      this.problems.push(problem("SNP005", { file, pointer: `${this.pointer}/${escapePointer(key)}/${escapePointer(keyField)}` }, `the record's ${keyField} is ${JSON.stringify(id)}, but its key is "${key}"; they must be equal`));
    }
  }
}

/** Why a record is not valid against its collection's schema, or undefined when it is. */
export function recordProblem(collection: CollectionDefinition, record: unknown): string | undefined {
  const validate = validatorFor(collection);
  if (validate(record)) return undefined;
  const error = validate.errors![0]!;
  const at = error.instancePath === "" ? "" : `${error.instancePath.slice(1).replace(/\//g, ".")} `;
  return `${at}${schemaMessage(error.message ?? "is invalid", error.params, error.keyword)}`;
}

function schemaMessage(message: string, params: Record<string, unknown>, keyword: string): string {
  if (keyword === "required") return `the field "${String(params["missingProperty"])}" is missing`;
  if (keyword === "type" && params["type"] !== undefined) return `must be ${String(params["type"]).replace(",null", "").replace(/,/g, " or ")}, not empty`.replace(", not empty", "");
  if (keyword === "enum") return `must be one of ${(params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  if (keyword === "format") return `must be a ${params["format"] === "date" ? "date, YYYY-MM-DD" : "datetime, such as 2026-11-01T14:05:00Z"}`;
  return message;
}
