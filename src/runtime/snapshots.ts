// Reads a system's snapshot (JSON or YAML) and checks it against the system's definition:
// known collections, string keys that equal each record's key field, no key written twice,
// and every record valid against its collection's JSON Schema. Anything wrong is reported
// with the file and a JSON Pointer, and the snapshot is not used.
import { constants } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Ajv, type ValidateFunction } from "ajv";
import { isMap, isScalar, parseDocument } from "yaml";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import { parseJsonInput, type InputProblem } from "../diagnostics/input-problem.js";
import { readText } from "../fs/read-text.js";
import { escapePointer, findDuplicateKey } from "./json-keys.js";
import { REPLY_COUNTS_AT } from "./key-count.js";
import { RecordTable } from "./record-table.js";
import type { Rec } from "./values.js";

/** A system's records: collection -> key -> record. A collection left out is unknown. */
export type Snapshot = Map<string, ReadonlyMap<string, Rec>>;

const MAX_PROBLEMS = 20;

// Dates and datetimes are checked by shape with exact ranges (month 01-12, hour 00-23 ...),
// without Date.parse: a snapshot of a million records has millions of them.
export const DATE_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATETIME_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;
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

export interface LoadedSnapshot {
  readonly snapshot?: Snapshot;
  /** The parsed document, for applying a patch to. */
  readonly document?: unknown;
  readonly format?: "json" | "yaml";
  readonly problems: InputProblem[];
}

/** From this size on, a JSON snapshot's keys are counted in a worker thread while it is parsed. */
const COUNT_BESIDE_PARSE_BYTES = 16 * 1024 * 1024;
const KEY_COUNT_WORKER = new URL("./key-count-worker.js", import.meta.url);

/**
 * A large JSON snapshot being read into shared memory by a worker thread, which then counts
 * its record keys (key-count-worker.ts).
 */
export interface SnapshotRead {
  readonly bytes: SharedArrayBuffer;
  /** The worker's answers, laid out as key-count.ts's REPLY_COUNTS_AT says. */
  readonly reply: SharedArrayBuffer;
  readonly worker: Worker;
}

/**
 * Starts reading a large JSON snapshot on the other core, so that it is in memory by the time
 * it is parsed (`plan` starts it before compiling the spec). Undefined for a snapshot read
 * the plain way: YAML, smaller than 16 MB, or one that cannot be read at all.
 */
export function startReadingSnapshot(file: string): SnapshotRead | undefined {
  try {
    const size = statSync(file).size;
    if (/\.ya?ml$/i.test(file) || size < COUNT_BESIDE_PARSE_BYTES || size > constants.MAX_STRING_LENGTH || !existsSync(fileURLToPath(KEY_COUNT_WORKER))) return undefined;
    const bytes = new SharedArrayBuffer(size);
    const reply = new SharedArrayBuffer(REPLY_COUNTS_AT + 64 * 1024);
    const worker = new Worker(KEY_COUNT_WORKER, { workerData: { file, bytes, reply } });
    worker.unref();
    return { bytes, reply, worker };
  } catch {
    return undefined;
  }
}

export function readSnapshotFile(file: string, system: SystemDefinition, started?: SnapshotRead): LoadedSnapshot {
  try {
    const size = statSync(file).size;
    // A larger file cannot be decoded into one string, so it is refused by its size, before any of it is read.
    if (size > constants.MAX_STRING_LENGTH) {
      return { problems: [{ file, message: `the file is ${Math.round(size / 2 ** 20)} MiB; syncspec reads a snapshot of up to ${Math.floor(constants.MAX_STRING_LENGTH / 2 ** 20)} MiB, the longest text Node.js holds` }] };
    }
    const reading = started ?? startReadingSnapshot(file);
    if (reading) return readLargeJson(file, reading, system);
    return parseSnapshot(withoutByteOrderMark(readText(file)), file, system);
  } catch {
    return { problems: [{ file, message: "cannot read the file" }] };
  }
}

/** Some editors begin a UTF-8 file with a byte-order mark; it is not part of the data. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A large JSON snapshot: read into shared memory by a worker, which counts its record keys on
 * the other core while this thread parses it, so that finding a key written twice costs no time.
 */
function readLargeJson(file: string, reading: SnapshotRead, system: SystemDefinition): LoadedSnapshot {
  const { bytes, reply, worker } = reading;
  const header = new Int32Array(reply, 0, 3);
  while (Atomics.load(header, 0) === 0) Atomics.wait(header, 0, 0, 60_000);
  if (Atomics.load(header, 0) !== 1) {
    void worker.terminate();
    return { problems: [{ file, message: "cannot read the file" }] };
  }
  const text = withoutByteOrderMark(Buffer.from(bytes).toString("utf8"));
  const parsed = parseJson(text, file, false);
  if (!("data" in parsed)) {
    void worker.terminate();
    return { problems: parsed.problems };
  }
  while (Atomics.load(header, 1) === 0) Atomics.wait(header, 1, 0, 60_000);
  const answer = JSON.parse(new TextDecoder().decode(new Uint8Array(reply, REPLY_COUNTS_AT, header[2]))) as { counts: [string, number][]; repeatedCollection: string | null };
  if (answer.repeatedCollection !== null) {
    return { problems: [{ file, pointer: `/${escapePointer(answer.repeatedCollection)}`, message: "this key is written twice; the second would silently replace the first" }] };
  }
  const checked = checkSnapshot(parsed.data, file, system, new Map(answer.counts), text);
  return { ...checked, document: parsed.data, format: "json" };
}

export function parseSnapshot(text: string, file: string, system: SystemDefinition): LoadedSnapshot {
  const yaml = /\.ya?ml$/i.test(file);
  const parsed = yaml ? parseYaml(text, file) : parseJson(text, file, true);
  if (!("data" in parsed)) return { problems: parsed.problems };
  const checked = checkSnapshot(parsed.data, file, system);
  return { ...checked, document: parsed.data, format: yaml ? "yaml" : "json" };
}

function duplicateProblem(file: string, text: string): InputProblem | undefined {
  const duplicate = findDuplicateKey(text);
  return duplicate ? { file, pointer: duplicate.pointer, message: "this key is written twice; the second would silently replace the first" } : undefined;
}

function parseJson(text: string, file: string, scanForDuplicates: boolean): { data: unknown } | { problems: InputProblem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const duplicate = scanForDuplicates ? duplicateProblem(file, text) : undefined;
  if (duplicate) return { problems: [duplicate] };
  return parsed;
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

/**
 * Checks a parsed snapshot against the system's definition. `keyCounts`, when given, are the
 * record keys counted in the text: a collection with fewer records had a key written twice,
 * and `text` is scanned again to say which.
 */
function checkSnapshot(data: unknown, file: string, system: SystemDefinition, keyCounts?: ReadonlyMap<string, number>, text?: string): { snapshot?: Snapshot; problems: InputProblem[] } {
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
    const all = records as Record<string, Rec>;
    const keys = Object.keys(all);
    const keyField = collection.key;
    const inOrder: Rec[] = [];
    // A million records pass here: nothing is built for a valid one but its place in the list.
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const record = all[key]!;
      inOrder.push(record);
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
    }
    const counted = keyCounts?.get(name);
    if (counted !== undefined && counted !== keys.length && problems.length === 0 && text !== undefined) {
      const duplicate = duplicateProblem(file, text);
      if (duplicate) return { problems: [duplicate] };
    }
    snapshot.set(name, new RecordTable(all, keys, inOrder));
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
