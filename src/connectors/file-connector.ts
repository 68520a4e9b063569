// A system kept in a snapshot file (JSON or YAML), as `syncspec plan --snapshot` reads it.
// Reads check the file as snapshots.ts does: a collection with a problem is reported
// incomplete with the file and the JSON Pointer. Writes are applied to the document in
// memory and the file is replaced whole, once, so no reader or crash sees half of it.
import { stringify as toYaml } from "yaml";
import { renderProblem } from "../diagnostics/render.js";
import { writeFileAtomic } from "../json/write-atomic.js";
import { escapePointer, unescapePointer } from "../json/pointer.js";
import { recordProblem } from "../input/record-checks.js";
import { readSnapshotFile } from "../input/snapshots.js";
import type { SystemDefinition } from "../language/systems/load.js";
import { type Connector, type Document, type ReadResult, type RecordWrite, type WriteFailure, type WriteResult, type WriteFence, WriteFenced } from "./connector.js";
import { ownMember, setMember } from "../json/own.js";

export interface FileConnectorOptions {
  readonly system: SystemDefinition;
  readonly file: string;
}

export class FileConnector implements Connector {
  readonly system: string;
  private readonly definition: SystemDefinition;
  private readonly file: string;

  constructor(options: FileConnectorOptions) {
    this.definition = options.system;
    this.system = options.system.name;
    this.file = options.file;
  }

  async read(collections: readonly string[]): Promise<ReadResult> {
    const loaded = readSnapshotFile(this.file, this.definition);
    const document: Document = {};
    const incomplete = new Map<string, string>();
    const data = loaded.document as Document | undefined;
    // A problem at /collection/... spoils that collection only; one without a collection
    // (the file cannot be read or parsed) spoils every collection.
    const spoiled = new Map<string, string>();
    let whole: string | undefined;
    for (const problem of loaded.problems) {
      const collection = problem.pointer ? unescapePointer(problem.pointer.split("/")[1] ?? "") : "";
      if (collection === "") whole ??= renderProblem(problem);
      else if (!spoiled.has(collection)) spoiled.set(collection, renderProblem(problem));
    }
    for (const name of collections) {
      const records = data ? ownMember(data, name) : undefined;
      if (!this.definition.collections.has(name)) incomplete.set(name, `${this.system} has no collection "${name}"`);
      else if (whole !== undefined) incomplete.set(name, whole);
      else if (spoiled.has(name)) incomplete.set(name, spoiled.get(name)!);
      else if (records === undefined) incomplete.set(name, `${this.file} has no collection "${name}"; a collection left out is unknown, not empty`);
      else setMember(document, name, records);
    }
    return { document, incomplete };
  }

  async readRecord(collection: string, key: string): Promise<Record<string, unknown> | null | undefined> {
    const loaded = readSnapshotFile(this.file, this.definition);
    if (!loaded.snapshot) return undefined;
    const records = loaded.snapshot.get(collection);
    return records ? (records.get(key) ?? null) : undefined;
  }

  async write(writes: readonly RecordWrite[], onApplied?: (w: RecordWrite) => void | Promise<void>, fence?: WriteFence): Promise<WriteResult> {
    const applied: RecordWrite[] = [];
    const failed: WriteFailure[] = [];
    if (writes.length === 0) return { applied, failed };
    // The file is replaced once, with every write: the fence is asked before it.
    const stopped = fence?.stopped();
    if (stopped !== undefined) throw new WriteFenced(stopped);
    const loaded = readSnapshotFile(this.file, this.definition);
    if (!loaded.snapshot || loaded.document === undefined) {
      const reason = loaded.problems.length > 0 ? renderProblem(loaded.problems[0]!) : `${this.file} cannot be read`;
      return { applied, failed: writes.map((write) => ({ write, reason: `not written: ${reason}` })) };
    }
    const document = loaded.document as Document;
    for (const write of writes) {
      const reason = this.applyWrite(document, write);
      if (reason === undefined) applied.push(write);
      else failed.push({ write, reason });
    }
    if (applied.length > 0) {
      writeFileAtomic(this.file, loaded.format === "yaml" ? toYaml(document) : `${JSON.stringify(document, null, 2)}\n`);
    }
    // Only once the file is replaced are the writes applied: a crash before then wrote nothing.
    for (const write of applied) await onApplied?.(write);
    return { applied, failed };
  }

  async close(): Promise<void> {}

  /** Applies one write to the document, or says why the record is refused. */
  private applyWrite(document: Document, write: RecordWrite): string | undefined {
    const collection = this.definition.collections.get(write.collection);
    const at = `${this.file} at /${escapePointer(write.collection)}/${escapePointer(write.key)}`;
    if (!collection) return `${this.system} has no collection "${write.collection}"`;
    let records = ownMember(document, write.collection);
    if (records === undefined) {
      records = {};
      setMember(document, write.collection, records);
    }
    const existing = ownMember(records, write.key);
    if (write.action === "delete") {
      delete records[write.key];
      return undefined;
    }
    let record: Record<string, unknown>;
    if (write.action === "create") record = structuredClone(write.fields ?? {});
    else if (existing === undefined) return `${at}: there is no such record to update`;
    else {
      record = structuredClone(existing);
      for (const [name, value] of Object.entries(write.fields ?? {})) setMember(record, name, value);
    }
    const problem = recordProblem(collection, record);
    if (problem !== undefined) return `${at}: ${problem}`;
    if (ownMember(record, collection.key) !== write.key) return `${at}: the record's ${collection.key} is ${JSON.stringify(ownMember(record, collection.key))}, but its key is "${write.key}"; they must be equal`;
    setMember(records, write.key, record);
    return undefined;
  }
}
