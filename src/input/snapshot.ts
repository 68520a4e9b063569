// What reading a snapshot gives: the records of each collection it holds, or the problems that
// stopped it. Both readings (snapshots.ts, outlined-snapshot.ts) and the record checks share it.
import { type Problem } from "../diagnostics/problem.js";
import type { Rec } from "../json/values.js";

/** A system's records: collection -> key -> record. A collection left out is unknown. */
export type Snapshot = Map<string, ReadonlyMap<string, Rec>>;

export interface LoadedSnapshot {
  readonly snapshot?: Snapshot;
  /** The parsed document, for applying a patch to. */
  readonly document?: unknown;
  readonly format?: "json" | "yaml";
  readonly problems: Problem[];
}
