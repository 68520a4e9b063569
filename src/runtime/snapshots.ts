// Reads a system's snapshot (JSON or YAML) and checks it against the system's definition:
// known collections, string keys that equal each record's key field, no key written twice,
// and every record valid against its collection's JSON Schema. Anything wrong is reported
// with the file and a JSON Pointer, and the snapshot is not used.
import { constants } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { Ajv, type ValidateFunction } from "ajv";
import { isMap, isScalar, parseDocument } from "yaml";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import { parseJsonInput, type InputProblem } from "../diagnostics/input-problem.js";
import { readText } from "../fs/read-text.js";
import { escapePointer, findDuplicateKey } from "./json-keys.js";
import { CLOSE_ARRAY, COLON, COMMA, OPEN_ARRAY, type OutlineMessage, type RecordBatch } from "./snapshot-outline.js";
import { RecordTable } from "./record-table.js";
import { setField, type Rec } from "./values.js";

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

/** From this size on, a JSON snapshot is read and outlined by a worker thread (snapshot-outline.ts). */
const OUTLINE_FROM_BYTES = 16 * 1024 * 1024;
const OUTLINE_WORKER = new URL("./snapshot-outline-worker.js", import.meta.url);
/** How long the outline may fall silent before the snapshot is read the general way instead. */
const OUTLINE_PATIENCE_MS = 60_000;

/**
 * A large JSON snapshot being read into shared memory and outlined by a worker thread, which
 * posts the outline to `port` and counts its messages in `posted`.
 */
export interface SnapshotRead {
  readonly bytes: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly posted: Int32Array;
  readonly worker: Worker;
}

/**
 * Starts reading a large JSON snapshot on the other core, so that it is in memory and
 * outlined by the time it is parsed (`plan` starts it before compiling the spec). Undefined
 * for a snapshot read the plain way: YAML, smaller than 16 MB, or one that cannot be read.
 */
export function startReadingSnapshot(file: string): SnapshotRead | undefined {
  try {
    const size = statSync(file).size;
    if (/\.ya?ml$/i.test(file) || size < OUTLINE_FROM_BYTES || size > constants.MAX_STRING_LENGTH || !existsSync(fileURLToPath(OUTLINE_WORKER))) return undefined;
    const bytes = new SharedArrayBuffer(size);
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(OUTLINE_WORKER, { workerData: { file, bytes, port: port2, signal }, transferList: [port2] });
    // A worker that fails falls silent, and the main thread reads the file itself (readOutlined).
    worker.on("error", () => {});
    worker.unref();
    return { bytes, port: port1, posted: new Int32Array(signal), worker };
  } catch {
    return undefined;
  }
}

/** Reads a snapshot file; `started`, a reading of it begun earlier, is used up. */
export function readSnapshotFile(file: string, system: SystemDefinition, started?: SnapshotRead): LoadedSnapshot {
  try {
    const size = statSync(file).size;
    // A larger file cannot be decoded into one string, so it is refused by its size, before any of it is read.
    if (size > constants.MAX_STRING_LENGTH) {
      return { problems: [{ file, message: `the file is ${Math.round(size / 2 ** 20)} MiB; syncspec reads a snapshot of up to ${Math.floor(constants.MAX_STRING_LENGTH / 2 ** 20)} MiB, the longest text Node.js holds` }] };
    }
    const reading = started ?? startReadingSnapshot(file);
    if (reading) return readOutlined(file, system, reading.bytes, () => nextMessage(reading), () => stopReading(reading));
    return parseSnapshot(withoutByteOrderMark(readText(file)), file, system);
  } catch {
    return { problems: [{ file, message: "cannot read the file" }] };
  } finally {
    if (started) stopReading(started);
  }
}

/** Ends a reading: its worker and port are let go, whether or not it was used. */
export function stopReading(reading: SnapshotRead): void {
  reading.port.close();
  void reading.worker.terminate();
}

/** Some editors begin a UTF-8 file with a byte-order mark; it is not part of the data. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The worker's next message, waited for; undefined when it falls silent. */
function nextMessage(reading: SnapshotRead): OutlineMessage | undefined {
  for (;;) {
    const seen = Atomics.load(reading.posted, 0);
    const received = receiveMessageOnPort(reading.port);
    if (received) return received.message as OutlineMessage;
    if (Atomics.wait(reading.posted, 0, seen, OUTLINE_PATIENCE_MS) === "timed-out") return undefined;
  }
}

/**
 * A large JSON snapshot, parsed a batch of records at a time as its outline arrives from
 * `next`; `done` is called as soon as no more is wanted of it. When the outline finds the
 * text unusual, or a batch is not JSON, the snapshot is read the general way, which says what
 * is wrong and where; when the outline falls silent or the worker could not read the file as
 * it was, the file is read again. `bytes` are the file's, all read once the outline has said
 * anything, and left as they were.
 */
export function readOutlined(file: string, system: SystemDefinition, bytes: ArrayBufferLike, next: () => OutlineMessage | undefined, done: () => void = () => {}): LoadedSnapshot {
  const text = Buffer.from(bytes);
  const collections: ReadCollection[] = [];
  let current: ReadCollection | undefined;
  let heard = false;
  let outcome: "outlined" | "unusual" | "unreadable" | "silent";
  try {
    for (;;) {
      const message = next();
      if (message === undefined) {
        outcome = heard ? "unusual" : "silent";
        break;
      }
      heard = true;
      if ("collection" in message) collections.push((current = new ReadCollection(message.collection, file, system)));
      else if ("colons" in message) current!.add(text, message);
      else {
        outcome = message.end;
        break;
      }
    }
  } catch {
    // A batch that is not JSON: the general reading says where.
    outcome = "unusual";
  }
  done();
  if (outcome === "silent" || outcome === "unreadable") return parseSnapshot(withoutByteOrderMark(readText(file)), file, system);
  if (outcome === "unusual") return parseSnapshot(withoutByteOrderMark(text.toString("utf8")), file, system);
  let document: unknown;
  return {
    ...checkCollections(collections, file, system),
    format: "json",
    // Built only when asked for (by `apply`): for a million records it is a second's work.
    get document() {
      return (document ??= documentOf(collections));
    },
  };
}

/**
 * A collection as read record by record: keys and records in file order, each record checked
 * as it is parsed, while it is still in the CPU's caches.
 */
class ReadCollection {
  keys: string[] = [];
  records: unknown[] = [];
  readonly byKey = new Map<string, unknown>();
  /** The first key written twice. */
  repeated: string | undefined;
  readonly isObject = true;
  /** Whether a key is an array index ("12"), which JSON.parse enumerates before all others. */
  private indexed = false;
  checks: RecordChecks | undefined;

  constructor(
    readonly name: string,
    readonly file: string,
    readonly system: SystemDefinition,
  ) {
    const definition = system.collections.get(name);
    if (definition) this.checks = new RecordChecks(file, name, definition);
  }

  /** Parses a batch: its text made a JSON array of keys and records for the moment it is decoded (snapshot-outline.ts). */
  add(bytes: Buffer, batch: RecordBatch): void {
    const { from, to, colons, count } = batch;
    const first = bytes[from]!;
    const last = bytes[to - 1]!;
    let text: string;
    try {
      bytes[from] = OPEN_ARRAY;
      bytes[to - 1] = CLOSE_ARRAY;
      for (let i = 0; i < count; i++) bytes[colons[i]!] = COMMA;
      text = bytes.toString("utf8", from, to);
    } finally {
      // As they were: a reading that falls back to the general way decodes these same bytes.
      for (let i = 0; i < count; i++) bytes[colons[i]!] = COLON;
      bytes[from] = first;
      bytes[to - 1] = last;
    }
    const items = JSON.parse(text) as unknown[];
    if (items.length !== 2 * count) throw new Error("the outline and the text disagree");
    const { keys, records, byKey, checks } = this;
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (typeof key !== "string") throw new Error("the outline and the text disagree");
      const record = items[i + 1];
      if (byKey.has(key)) this.repeated ??= key;
      byKey.set(key, record);
      keys.push(key);
      records.push(record);
      if (!this.indexed && isArrayIndex(key)) this.indexed = true;
      checks?.check(key, record);
    }
  }

  /** Puts keys and records in the order JSON.parse would enumerate them, when that is not file order. */
  inEnumerationOrder(): void {
    if (!this.indexed) return;
    const order = enumerationOrder(this.keys);
    if (order === undefined) return;
    this.keys = order.map((i) => this.keys[i]!);
    this.records = order.map((i) => this.records[i]);
    const definition = this.system.collections.get(this.name);
    if (!definition) return;
    // Problems are reported in the order the general reading finds them: the records are
    // checked again in that order (a second pass, for a collection keyed by numbers).
    this.checks = new RecordChecks(this.file, this.name, definition);
    for (let i = 0; i < this.keys.length; i++) this.checks.check(this.keys[i]!, this.records[i]);
  }
}

/** Canonical decimal integers up to 2^32 - 2, which JavaScript objects keep in numeric order before other keys. */
function isArrayIndex(key: string): boolean {
  if (key.length === 0 || key.length > 10) return false;
  const first = key.charCodeAt(0);
  if (first < 0x30 || first > 0x39 || (first === 0x30 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(key) <= 4294967294;
}

/** Where each key goes in JavaScript's enumeration order (array indexes ascending, then the rest as they came); undefined when that is the order given. */
function enumerationOrder(keys: readonly string[]): number[] | undefined {
  const indexes: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < keys.length; i++) (isArrayIndex(keys[i]!) ? indexes : rest).push(i);
  indexes.sort((a, b) => Number(keys[a]) - Number(keys[b]));
  const order = [...indexes, ...rest];
  return order.every((at, i) => at === i) ? undefined : order;
}

/** The document the general reading would have parsed, built from the records read one by one. */
function documentOf(collections: readonly ReadCollection[]): Record<string, Record<string, unknown>> {
  const document: Record<string, Record<string, unknown>> = {};
  for (const collection of collections) {
    const records: Record<string, unknown> = {};
    for (let i = 0; i < collection.keys.length; i++) setField(records, collection.keys[i]!, collection.records[i]);
    setField(document, collection.name, records);
  }
  return document;
}

export function parseSnapshot(text: string, file: string, system: SystemDefinition): LoadedSnapshot {
  const yaml = /\.ya?ml$/i.test(file);
  const parsed = yaml ? parseYaml(text, file) : parseJson(text, file);
  if (!("data" in parsed)) return { problems: parsed.problems };
  const checked = checkSnapshot(parsed.data, file, system);
  return { ...checked, document: parsed.data, format: yaml ? "yaml" : "json" };
}

function parseJson(text: string, file: string): { data: unknown } | { problems: InputProblem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const duplicate = findDuplicateKey(text);
  if (duplicate) return { problems: [{ file, pointer: duplicate.pointer, message: WRITTEN_TWICE }] };
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

const NOT_A_SNAPSHOT = 'a snapshot is an object of collections, such as {"donors": {...}}';
const WRITTEN_TWICE = "this key is written twice; the second would silently replace the first";

/** Checks a parsed snapshot against the system's definition. */
function checkSnapshot(data: unknown, file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: InputProblem[] } {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return { problems: [{ file, pointer: "", message: NOT_A_SNAPSHOT }] };
  const collections: CheckedCollection[] = [];
  for (const [name, records] of Object.entries(data)) {
    const definition = system.collections.get(name);
    if (!definition || records === null || typeof records !== "object" || Array.isArray(records)) {
      collections.push({ name, keys: [], records: [], byKey: new Map(), isObject: false });
      continue;
    }
    const all = records as Record<string, unknown>;
    const keys = Object.keys(all);
    const inOrder = keys.map((key) => all[key]);
    const checks = new RecordChecks(file, name, definition);
    for (let i = 0; i < keys.length; i++) checks.check(keys[i]!, inOrder[i]);
    collections.push({ name, keys, records: inOrder, byKey: new Map(keys.map((key, i) => [key, inOrder[i]])), checks, isObject: true });
  }
  return gather(collections, file, system);
}

/** Checks collections read record by record from a large snapshot, as checkSnapshot checks a parsed one. */
function checkCollections(collections: readonly ReadCollection[], file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: InputProblem[] } {
  // The first key written twice, in the order of the text.
  const names = new Set<string>();
  for (const collection of collections) {
    if (names.has(collection.name)) return { problems: [{ file, pointer: `/${escapePointer(collection.name)}`, message: WRITTEN_TWICE }] };
    names.add(collection.name);
    if (collection.repeated !== undefined) return { problems: [{ file, pointer: `/${escapePointer(collection.name)}/${escapePointer(collection.repeated)}`, message: WRITTEN_TWICE }] };
  }
  for (const collection of collections) collection.inEnumerationOrder();
  return gather(enumerationOrder(collections.map((c) => c.name))?.map((i) => collections[i]!) ?? collections, file, system);
}

interface CheckedCollection {
  readonly name: string;
  readonly keys: readonly string[];
  readonly records: readonly unknown[];
  readonly byKey: ReadonlyMap<string, unknown>;
  /** Undefined for a collection the system does not have. */
  readonly checks?: RecordChecks | undefined;
  /** Whether the collection's name stands for an object of records in the document. */
  readonly isObject: boolean;
}

/**
 * The snapshot of checked collections, or their problems: each collection's first ones until
 * MAX_PROBLEMS are found, then at most one more per collection (and every unknown collection).
 */
function gather(collections: readonly CheckedCollection[], file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const snapshot: Snapshot = new Map();
  for (const { name, keys, records, byKey, checks, isObject } of collections) {
    const pointer = `/${escapePointer(name)}`;
    if (!system.collections.has(name)) {
      problems.push({ file, pointer, message: `${system.name} has no collection "${name}"; its collections are ${[...system.collections.keys()].join(", ")}` });
      continue;
    }
    if (!checks || !isObject) {
      problems.push({ file, pointer, message: "a collection is an object from record key to record" });
      continue;
    }
    for (const problem of checks.problems) {
      problems.push(problem);
      if (problems.length >= MAX_PROBLEMS) break;
    }
    snapshot.set(name, new RecordTable(keys, records as Rec[], byKey as ReadonlyMap<string, Rec>));
  }
  if (problems.length > 0) return { problems };
  return { snapshot, problems };
}

/** A collection's records checked one by one against its schema and key field, keeping the first MAX_PROBLEMS problems. */
class RecordChecks {
  readonly problems: InputProblem[] = [];
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
      this.problems.push({ file, pointer: `${this.pointer}/${escapePointer(key)}${error.instancePath}`, message: schemaMessage(error.message ?? "is invalid", error.params, error.keyword) });
      return;
    }
    const id = (record as Rec)[keyField];
    if (id !== key) {
      this.problems.push({ file, pointer: `${this.pointer}/${escapePointer(key)}/${escapePointer(keyField)}`, message: `the record's ${keyField} is ${JSON.stringify(id)}, but its key is "${key}"; they must be equal` });
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
