// Large JSON snapshots, read by a worker thread that outlines them (snapshot-outline.ts) while
// this thread parses their records a batch at a time: the same records, in the same order,
// with the same problems as the general reading in snapshots.ts, which takes over whenever the
// outline cannot be had or finds the text unusual.
import { constants } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { problem, type Problem } from "../diagnostics/problem.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { escapePointer } from "../json/pointer.js";
import { gather, RecordChecks } from "./record-checks.js";
import { message } from "../diagnostics/catalog.js";
import { CLOSE_ARRAY, COLON, COMMA, OPEN_ARRAY, type OutlineMessage, type RecordBatch } from "./snapshot-outline.js";
import type { LoadedSnapshot, Snapshot } from "./snapshot.js";
import { setMember } from "../json/own.js";

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
    // A worker that fails falls silent, and the main thread reads the file the general way.
    worker.on("error", () => {});
    worker.unref();
    return { bytes, port: port1, posted: new Int32Array(signal), worker };
  } catch {
    return undefined;
  }
}

/** Ends a reading: its worker and port are let go, whether or not it was used. */
export function stopReading(reading: SnapshotRead): void {
  reading.port.close();
  void reading.worker.terminate();
}

/** The worker's next message, waited for; undefined when it falls silent. */
export function nextMessage(reading: SnapshotRead): OutlineMessage | undefined {
  for (;;) {
    const seen = Atomics.load(reading.posted, 0);
    const received = receiveMessageOnPort(reading.port);
    if (received) return received.message as OutlineMessage;
    if (Atomics.wait(reading.posted, 0, seen, OUTLINE_PATIENCE_MS) === "timed-out") return undefined;
  }
}

/** What an outlined reading gives: the snapshot, or which bytes to read the general way instead. */
export type OutlinedRead = { readonly loaded: LoadedSnapshot } | { readonly readWhole: "the file" | "these bytes" };

/**
 * A large JSON snapshot, parsed a batch of records at a time as its outline arrives from
 * `next`; `done` is called as soon as no more is wanted of it. When the outline finds the
 * text unusual, or a batch is not JSON, the snapshot is to be read whole from `bytes`, whose
 * errors say what is wrong and where; when the outline falls silent, or the worker could not
 * read the file as it was, the file is to be read again. `bytes` are the file's, all read
 * once the outline has said anything, and left as they were.
 */
export function readOutlined(file: string, system: SystemDefinition, bytes: ArrayBufferLike, next: () => OutlineMessage | undefined, done: () => void = () => {}): OutlinedRead {
  const buffer = Buffer.from(bytes);
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
      if ("collection" in message) collections.push((current = new ReadCollection(message.collection, file, system.collections.get(message.collection))));
      else if ("colons" in message) current!.add(buffer, message);
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
  if (outcome === "silent" || outcome === "unreadable") return { readWhole: "the file" };
  if (outcome === "unusual") return { readWhole: "these bytes" };
  let document: unknown;
  const loaded: LoadedSnapshot = {
    ...checkCollections(collections, file, system),
    format: "json",
    // Built only when asked for (by `apply`): for a million records it is a second's work.
    get document() {
      return (document ??= documentOf(collections));
    },
  };
  return { loaded };
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
  /** Whether a key is an array index ("12"), which JSON.parse enumerates before all others. */
  private indexed = false;
  checks: RecordChecks | undefined;

  constructor(
    readonly name: string,
    private readonly file: string,
    /** Undefined for a collection the system does not have. */
    private readonly definition: CollectionDefinition | undefined,
  ) {
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
    const definition = this.definition;
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
    for (let i = 0; i < collection.keys.length; i++) setMember(records, collection.keys[i]!, collection.records[i]);
    setMember(document, collection.name, records);
  }
  return document;
}

/** Checks collections read record by record from a large snapshot, as checkSnapshot checks a parsed one. */
function checkCollections(collections: readonly ReadCollection[], file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: Problem[] } {
  // The first key written twice, in the order of the text.
  const names = new Set<string>();
  for (const collection of collections) {
    if (names.has(collection.name)) return { problems: [problem({ file, pointer: `/${escapePointer(collection.name)}` }, message("INP004", "writtenTwice"))] };
    names.add(collection.name);
    if (collection.repeated !== undefined) return { problems: [problem({ file, pointer: `/${escapePointer(collection.name)}/${escapePointer(collection.repeated)}` }, message("INP004", "writtenTwice"))] };
  }
  for (const collection of collections) collection.inEnumerationOrder();
  return gather(enumerationOrder(collections.map((c) => c.name))?.map((i) => collections[i]!) ?? collections, file, system);
}
