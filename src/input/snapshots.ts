// Reads a system's snapshot (JSON or YAML) and checks it against the system's definition:
// known collections, string keys that equal each record's key field, no key written twice,
// and every record valid against its collection's JSON Schema. Anything wrong is reported
// with the file and a JSON Pointer, and the snapshot is not used.
import { constants } from "node:buffer";
import { readFileSync, statSync } from "node:fs";
import { isMap, isScalar, parseDocument } from "yaml";
import type { SystemDefinition } from "../language/systems/load.js";
import { message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { findNotHeld } from "../json/held-values.js";
import { notHeldProblem, notUtf8Problem, parseJsonInput, yamlProblem } from "../json/parse.js";
import { decodeUtf8 } from "../json/read-text.js";
import { countMembers, findDuplicateKey } from "./duplicate-keys.js";
import { escapePointer } from "../json/pointer.js";
import { nextMessage, readOutlined, startReadingSnapshot, stopReading, type SnapshotRead } from "./outlined-snapshot.js";
import type { OutlineMessage } from "./snapshot-outline.js";
import { gather, MAX_PROBLEMS, RecordChecks, type CheckedCollection } from "./record-checks.js";
import type { LoadedSnapshot, Snapshot } from "./snapshot.js";
export type { LoadedSnapshot, Snapshot };


/** Reads a snapshot file; `started`, a reading of it begun earlier, is used up. */
export function readSnapshotFile(file: string, system: SystemDefinition, started?: SnapshotRead): LoadedSnapshot {
  let reading = started;
  try {
    const size = statSync(file).size;
    // A larger file cannot be decoded into one string, so it is refused by its size, before any of it is read.
    if (size > constants.MAX_STRING_LENGTH) {
      return { problems: [problem({ file }, message("INP001", "tooLarge", { size: Math.round(size / 2 ** 20), limit: Math.floor(constants.MAX_STRING_LENGTH / 2 ** 20) }))] };
    }
    // From 16 MB on, a JSON snapshot is outlined by a worker and read a batch of records at a time (outlined-snapshot.ts).
    reading ??= startReadingSnapshot(file);
    if (reading) {
      const outlining = reading;
      return readOutlinedSnapshot(file, system, outlining.bytes, () => nextMessage(outlining), () => stopReading(outlining));
    }
    return parseSnapshotBytes(readFileSync(file), file, system);
  } catch {
    return { problems: [problem({ file }, message("INP001", "cannotRead"))] };
  } finally {
    // Whoever started the reading, it ends here, even when reading the file failed.
    if (reading) stopReading(reading);
  }
}

/** A large JSON snapshot read by its outline (readOutlined's arguments), or whole when the outline cannot be had. */
export function readOutlinedSnapshot(file: string, system: SystemDefinition, bytes: ArrayBufferLike, next: () => OutlineMessage | undefined, done?: () => void): LoadedSnapshot {
  const read = readOutlined(file, system, bytes, next, done);
  if ("loaded" in read) return read.loaded;
  return parseSnapshotBytes(read.readWhole === "these bytes" ? new Uint8Array(bytes) : readFileSync(file), file, system);
}

/**
 * Reads a snapshot file's bytes whole. They must be UTF-8: decoding would make a byte that is
 * not a U+FFFD, copied on to the other system with the byte lost, so such a file is refused
 * with the byte's place.
 */
export function parseSnapshotBytes(bytes: Uint8Array, file: string, system: SystemDefinition): LoadedSnapshot {
  const decoded = decodeUtf8(bytes);
  if ("notUtf8" in decoded) return { problems: [notUtf8Problem(decoded.notUtf8, file, isYaml(file) ? "INP003" : "INP002")] };
  return parseSnapshot(withoutByteOrderMark(decoded.text), file, system);
}

/** Some editors begin a UTF-8 file with a byte-order mark; it is not part of the data. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isYaml(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/** Reads a snapshot's whole text, JSON or YAML by the file's name. */
export function parseSnapshot(text: string, file: string, system: SystemDefinition): LoadedSnapshot {
  const yaml = isYaml(file);
  const parsed = yaml ? parseYaml(text, file) : parseJson(text, file);
  if (!("data" in parsed)) return { problems: parsed.problems };
  const checked = checkSnapshot(parsed.data, file, system);
  return { ...checked, document: parsed.data, format: yaml ? "yaml" : "json" };
}

/** JSON text as data: JSON, each key written once in its object, and every value one syncspec holds as written. */
function parseJson(text: string, file: string): { data: unknown } | { problems: Problem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const { first, members } = findNotHeld(parsed.data);
  // A text with more members than its parse writes a key twice (or nests past the limit, where the walk stopped counting).
  const duplicate = members === countMembers(text) ? undefined : findDuplicateKey(text);
  if (duplicate) return { problems: [problem({ file, pointer: duplicate.pointer }, message("INP004", "writtenTwice"))] };
  if (first) return { problems: [notHeldProblem(first, file, "INP002")] };
  return parsed;
}

function parseYaml(text: string, file: string): { data: unknown } | { problems: Problem[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, MAX_PROBLEMS).map((e) =>
        yamlProblem(e, { file, ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}) }),
      ),
    };
  }
  // YAML allows keys that are not strings (1001: ...); a snapshot's keys are strings.
  const problems: Problem[] = [];
  const top = doc.contents;
  if (isMap(top)) {
    for (const pair of top.items) {
      const collection = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof collection !== "string") {
        problems.push(problem({ file, pointer: `/${String(collection)}` }, message("SNP006", "collectionName")));
        continue;
      }
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        const key = isScalar(entry.key) ? entry.key.value : undefined;
        if (typeof key !== "string") {
          const shown = String(key);
          problems.push(problem({ file, pointer: `/${escapePointer(collection)}/${escapePointer(shown)}` }, message("SNP006", "recordKey", { key: shown })));
        }
      }
    }
  }
  if (problems.length > 0) return { problems };
  // The parser's own check of keys written twice covers every depth; values are checked here.
  const data = doc.toJS() as unknown;
  const { first } = findNotHeld(data);
  if (first) return { problems: [notHeldProblem(first, file, "INP003")] };
  return { data };
}

/** Checks a parsed snapshot against the system's definition. */
function checkSnapshot(data: unknown, file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: Problem[] } {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return { problems: [problem({ file, pointer: "" }, message("SNP001", "notObject"))] };
  const collections: CheckedCollection[] = [];
  for (const [name, records] of Object.entries(data)) {
    const definition = system.collections.get(name);
    if (!definition || records === null || typeof records !== "object" || Array.isArray(records)) {
      collections.push({ name, keys: [], records: [], byKey: new Map() });
      continue;
    }
    const all = records as Record<string, unknown>;
    const keys = Object.keys(all);
    const inOrder = keys.map((key) => all[key]);
    const checks = new RecordChecks(file, name, definition);
    for (let i = 0; i < keys.length; i++) checks.check(keys[i]!, inOrder[i]);
    collections.push({ name, keys, records: inOrder, byKey: new Map(keys.map((key, i) => [key, inOrder[i]])), checks });
  }
  return gather(collections, file, system);
}
