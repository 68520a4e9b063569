// Reads a system's snapshot (JSON or YAML) and checks it against the system's definition:
// known collections, string keys that equal each record's key field, no key written twice,
// and every record valid against its collection's JSON Schema. Anything wrong is reported
// with the file and a JSON Pointer, and the snapshot is not used.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { isMap, isScalar, parseDocument } from "yaml";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import { jsonErrorPlace, jsonErrorReason, type InputProblem } from "../diagnostics/input-problem.js";
import { escapePointer, findDuplicateKey } from "./json-keys.js";
import type { Rec } from "./values.js";

/** A system's records: collection -> key -> record. A collection left out is unknown. */
export type Snapshot = Map<string, Map<string, Rec>>;

const MAX_PROBLEMS = 20;

const ajv = new Ajv({ allErrors: false, strict: false });
ajv.addFormat("date", { validate: (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) });
ajv.addFormat("date-time", {
  validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
});
const validators = new WeakMap<CollectionDefinition, ValidateFunction>();

export function validatorFor(collection: CollectionDefinition): ValidateFunction {
  let validate = validators.get(collection);
  if (!validate) {
    validate = ajv.compile(collection.schema);
    validators.set(collection, validate);
  }
  return validate;
}

export interface LoadedSnapshot {
  readonly snapshot?: Snapshot;
  /** The parsed document, for applying a patch to. */
  readonly document?: unknown;
  readonly format?: "json" | "yaml";
  readonly problems: InputProblem[];
}

export function readSnapshotFile(file: string, system: SystemDefinition): LoadedSnapshot {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { problems: [{ file, message: "cannot read the file" }] };
  }
  // Some editors begin a UTF-8 file with a byte-order mark; it is not part of the data.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseSnapshot(text, file, system);
}

export function parseSnapshot(text: string, file: string, system: SystemDefinition): LoadedSnapshot {
  const yaml = /\.ya?ml$/i.test(file);
  const parsed = yaml ? parseYaml(text, file) : parseJson(text, file);
  if (!("data" in parsed)) return { problems: parsed.problems };
  const checked = checkSnapshot(parsed.data, file, system);
  return { ...checked, document: parsed.data, format: yaml ? "yaml" : "json" };
}

function parseJson(text: string, file: string): { data: unknown } | { problems: InputProblem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const place = jsonErrorPlace(text, error as Error);
    return { problems: [{ file, ...place, message: `not valid JSON: ${jsonErrorReason(error as Error)}` }] };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    return { problems: [{ file, pointer: duplicate.pointer, message: "this key is written twice; the second would silently replace the first" }] };
  }
  return { data };
}

function parseYaml(text: string, file: string): { data: unknown } | { problems: InputProblem[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, MAX_PROBLEMS).map((e) => ({
        file,
        ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
        message: `not valid YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    };
  }
  // YAML allows keys that are not strings (1001: ...); a snapshot's keys are strings.
  const problems: InputProblem[] = [];
  const top = doc.contents;
  if (isMap(top)) {
    for (const pair of top.items) {
      const collection = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof collection !== "string") {
        problems.push({ file, pointer: `/${String(collection)}`, message: "a collection's name must be a string" });
        continue;
      }
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        const key = isScalar(entry.key) ? entry.key.value : undefined;
        if (typeof key !== "string") {
          const shown = String(key);
          problems.push({ file, pointer: `/${escapePointer(collection)}/${escapePointer(shown)}`, message: `record keys are strings; write "${shown}" in quotes` });
        }
      }
    }
  }
  if (problems.length > 0) return { problems };
  return { data: doc.toJS() as unknown };
}

function checkSnapshot(data: unknown, file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { problems: [{ file, pointer: "", message: "a snapshot is an object of collections, such as {\"donors\": {...}}" }] };
  }
  const snapshot: Snapshot = new Map();
  for (const [name, records] of Object.entries(data)) {
    const pointer = `/${escapePointer(name)}`;
    const collection = system.collections.get(name);
    if (!collection) {
      problems.push({ file, pointer, message: `${system.name} has no collection "${name}"; its collections are ${[...system.collections.keys()].join(", ")}` });
      continue;
    }
    if (records === null || typeof records !== "object" || Array.isArray(records)) {
      problems.push({ file, pointer, message: "a collection is an object from record key to record" });
      continue;
    }
    const validate = validatorFor(collection);
    const map = new Map<string, Rec>();
    const all = records as Record<string, unknown>;
    const keyField = collection.key;
    // A million records pass here: nothing is built for a valid one but its place in the map.
    for (const key in all) {
      const record = all[key];
      if (!validate(record)) {
        const error = validate.errors![0]!;
        problems.push({ file, pointer: `${pointer}/${escapePointer(key)}${error.instancePath}`, message: schemaMessage(error.message ?? "is invalid", error.params, error.keyword) });
        if (problems.length >= MAX_PROBLEMS) break;
        continue;
      }
      const id = (record as Rec)[keyField];
      if (id !== key) {
        problems.push({ file, pointer: `${pointer}/${escapePointer(key)}/${escapePointer(keyField)}`, message: `the record's ${keyField} is ${JSON.stringify(id)}, but its key is "${key}"; they must be equal` });
        if (problems.length >= MAX_PROBLEMS) break;
        continue;
      }
      map.set(key, record as Rec);
    }
    snapshot.set(name, map);
  }
  if (problems.length > 0) return { problems };
  return { snapshot, problems };
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
