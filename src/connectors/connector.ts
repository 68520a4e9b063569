// How the service reads a system and writes to it. A connector reads whole collections (a
// collection it cannot read whole is reported, never half-given, since a missing record would
// look deleted; so is one it cannot prove whole, having changed under the read, and one whose
// read ran into its bounds) and writes a run's changes one record at a time, so one refused
// record does not stop the rest. A connector may also answer requests for part of a
// collection (records by key, by a field's values, modified since a time), where the system's
// API can. Here: the interface, files, HTTP (undici), and webhook bodies.
import type { RecordWrite, WriteFence } from "../engine/changes.js";
import type { ReadHints, ReadRequest, RequestedRead } from "../input/read-request.js";

/** A system's records: collection -> key -> record. */
export type Document = Record<string, Record<string, Record<string, unknown>>>;

export interface ReadResult {
  /** The collections read whole. */
  readonly document: Document;
  /** Collection -> why its read is not whole (or not proven whole); such a collection is left out of `document`. */
  readonly incomplete: ReadonlyMap<string, string>;
}

export type { ReadHints, RequestAnswer, RequestedRead } from "../input/read-request.js";

/** A change as a system takes it (engine/changes.ts renders one from each change). */
export type { RecordWrite };

export interface WriteFailure {
  readonly write: RecordWrite;
  /** The HTTP status the system answered with, when it answered. */
  readonly status?: number;
  readonly reason: string;
}

export interface WriteResult {
  readonly applied: RecordWrite[];
  readonly failed: WriteFailure[];
}

/** Writes stopped by the fence: those before it landed and were journaled, none after. */
export class WriteFenced extends Error {
  override readonly name = "WriteFenced";
}

export type { WriteFence };

export interface Connector {
  readonly system: string;
  read(collections: readonly string[]): Promise<ReadResult>;
  /** Reads what the requests select, where the system can answer them; absent when it reads whole only (files). */
  readRequests?(requests: readonly ReadRequest[], hints?: ReadHints): Promise<RequestedRead>;
  /** Applies writes in order, one request each; a record the system refuses is a failure, the rest go on.
   *  onApplied is called after each write the system accepted, and awaited before the next (the runner journals it);
   *  the fence is asked before each write. */
  write(writes: readonly RecordWrite[], onApplied?: (w: RecordWrite) => void | Promise<void>, fence?: WriteFence): Promise<WriteResult>;
  /** One record as the system has it now: null when it is not there, undefined when that cannot be told. */
  readRecord(collection: string, key: string): Promise<Record<string, unknown> | null | undefined>;
  close(): Promise<void>;
}
