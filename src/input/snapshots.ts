// Reads a system's snapshot (JSON or YAML) and checks it against the system's definition:
// known collections, string keys that equal each record's key field, no key written twice,
// and every record valid against its collection's JSON Schema. Anything wrong is reported
// with the file and a JSON Pointer, and the snapshot is not used.
import { constants } from "node:buffer";
import { statSync } from "node:fs";
import { isMap, isScalar, parseDocument } from "yaml";
import type { SystemDefinition } from "../language/systems/load.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { parseJsonInput } from "../json/parse.js";
import { readText } from "../json/read-text.js";
import { findDuplicateKey } from "./duplicate-keys.js";
import { escapePointer } from "../json/pointer.js";
import { nextMessage, readOutlined, startReadingSnapshot, stopReading, type SnapshotRead } from "./outlined-snapshot.js";
import type { OutlineMessage } from "./snapshot-outline.js";
import { gather, MAX_PROBLEMS, RecordChecks, WRITTEN_TWICE, type CheckedCollection } from "./record-checks.js";
import type { LoadedSnapshot, Snapshot } from "./snapshot.js";
export type { LoadedSnapshot, Snapshot };


/** Reads a snapshot file; `started`, a reading of it begun earlier, is used up. */
export function readSnapshotFile(file: string, system: SystemDefinition, started?: SnapshotRead): LoadedSnapshot {
  let reading = started;
  try {
    const size = statSync(file).size;
    // A larger file cannot be decoded into one string, so it is refused by its size, before any of it is read.
    if (size > constants.MAX_STRING_LENGTH) {
      return { problems: [problem("INP001", { file }, `the file is ${Math.round(size / 2 ** 20)} MiB; syncspec reads a snapshot of up to ${Math.floor(constants.MAX_STRING_LENGTH / 2 ** 20)} MiB, the longest text Node.js holds`)] };
    }
    // From 16 MB on, a JSON snapshot is outlined by a worker and read a batch of records at a time (outlined-snapshot.ts).
    reading ??= startReadingSnapshot(file);
    if (reading) {
      const outlining = reading;
      return readOutlinedSnapshot(file, system, outlining.bytes, () => nextMessage(outlining), () => stopReading(outlining));
    }
    return parseSnapshot(withoutByteOrderMark(readText(file)), file, system);
  } catch {
    return { problems: [problem("INP001", { file }, "cannot read the file")] };
  } finally {
    // Whoever started the reading, it ends here, even when reading the file failed.
    if (reading) stopReading(reading);
  }
}

/** A large JSON snapshot read by its outline (readOutlined's arguments), or whole when the outline cannot be had. */
export function readOutlinedSnapshot(file: string, system: SystemDefinition, bytes: ArrayBufferLike, next: () => OutlineMessage | undefined, done?: () => void): LoadedSnapshot {
  const read = readOutlined(file, system, bytes, next, done);
  if ("loaded" in read) return read.loaded;
  const text = read.readWhole === "these bytes" ? Buffer.from(bytes).toString("utf8") : readText(file);
  return parseSnapshot(withoutByteOrderMark(text), file, system);
}

/** Some editors begin a UTF-8 file with a byte-order mark; it is not part of the data. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads a snapshot's whole text, JSON or YAML by the file's name. */
export function parseSnapshot(text: string, file: string, system: SystemDefinition): LoadedSnapshot {
  const yaml = /\.ya?ml$/i.test(file);
  const parsed = yaml ? parseYaml(text, file) : parseJson(text, file);
  if (!("data" in parsed)) return { problems: parsed.problems };
  const checked = checkSnapshot(parsed.data, file, system);
  return { ...checked, document: parsed.data, format: yaml ? "yaml" : "json" };
}

function parseJson(text: string, file: string): { data: unknown } | { problems: Problem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const duplicate = findDuplicateKey(text);
  if (duplicate) return { problems: [problem("INP004", { file, pointer: duplicate.pointer }, WRITTEN_TWICE)] };
  return parsed;
}

function parseYaml(text: string, file: string): { data: unknown } | { problems: Problem[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, MAX_PROBLEMS).map((e) =>
        problem(
          e.code === "DUPLICATE_KEY" ? "INP004" : "INP003",
          { file, ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}) },
          `not valid YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        ),
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
        problems.push(problem("SNP006", { file, pointer: `/${String(collection)}` }, "a collection's name must be a string"));
        continue;
      }
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        const key = isScalar(entry.key) ? entry.key.value : undefined;
        if (typeof key !== "string") {
          const shown = String(key);
          problems.push(problem("SNP006", { file, pointer: `/${escapePointer(collection)}/${escapePointer(shown)}` }, `record keys are strings; write "${shown}" in quotes`));
        }
      }
    }
  }
  if (problems.length > 0) return { problems };
  return { data: doc.toJS() as unknown };
}

const NOT_A_SNAPSHOT = 'a snapshot is an object of collections, such as {"donors": {...}}';

/** Checks a parsed snapshot against the system's definition. */
function checkSnapshot(data: unknown, file: string, system: SystemDefinition): { snapshot?: Snapshot; problems: Problem[] } {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return { problems: [problem("SNP001", { file, pointer: "" }, NOT_A_SNAPSHOT)] };
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
