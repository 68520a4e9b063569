// What both stores keep the same way: a run's message with its code, and instants and records as text.
import { CATALOG, message, type Code, type Message } from "../diagnostics/catalog.js";
import { StateStoreError, type RunEnd } from "./service-store.js";
import type { PairValues, SyncedPair } from "../state/state.js";

/** A link's pairs from the one JSON array its rows are joined into, [left, right, values, ...]; a pair whose values are not an object is `notObject` (its key as JSON). */
export function pairsOfFlat(flat: readonly unknown[], notObject: (key: string) => Error): Map<string, SyncedPair> {
  const pairs = new Map<string, SyncedPair>();
  for (let i = 0; i < flat.length; i += 3) {
    const values = flat[i + 2];
    if (!values || typeof values !== "object" || Array.isArray(values)) throw notObject(JSON.stringify(flat[i]));
    pairs.set(flat[i] as string, { right: flat[i + 1] as string, values: values as PairValues });
  }
  return pairs;
}

/**
 * A run's message as the runs table keeps it: a failed run's code first, as `RUN003: reading
 * failed: ...`. The table has no column for the code, and this needs no migration: a store
 * stays readable by the syncspec that wrote it before, which shows the code as part of the text.
 */
export function storedMessage(end: RunEnd): string | null {
  if (end.code === undefined) return end.message ?? null;
  return end.message !== undefined ? `${end.code}: ${end.message}` : end.code;
}

const CODED_MESSAGE = /^([A-Z]{3}\d{3})(?:: ([\s\S]*))?$/;

/** A stored message as its code and text: a prefix that is a catalog code is the code. */
export function readMessage(stored: string | null): { message: string | null; code?: Code } {
  const coded = stored === null ? null : CODED_MESSAGE.exec(stored);
  if (!coded || !Object.hasOwn(CATALOG, coded[1]!)) return { message: stored };
  return { message: coded[2] ?? null, code: coded[1] as Code };
}

/** A stored record, or undefined when the text is not a JSON object. */
export function parseRecord(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A timestamp in one form (UTC, milliseconds, `Z`), so that the stored ones compare as
 * text: pruning and "since" are index range scans on those strings.
 */
export function instant(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new TypeError(`not a timestamp: ${JSON.stringify(at)} (expected an ISO 8601 datetime)`);
  return new Date(ms).toISOString();
}

/** What a run that never finished says: how far it got, and that the next run finishes the work. */
export function interruptedMessage(integration: string, writes: number): string {
  return (
    `syncspec stopped before this run finished (the process was killed or crashed, the machine restarted, or another worker took the run over), after the systems had accepted ${writes} write${writes === 1 ? "" : "s"} (see its journal). ` +
    `None of the run's state was saved, so the next run of ${integration} reads the systems again and finishes the work; if runs keep being interrupted, look at the service's log from when it started.`
  );
}

/** `what` (one of SVC003's parts of a store) is not as syncspec wrote it: the store was changed outside syncspec. */
export function changedOutside(file: string, what: Message<"SVC003">): StateStoreError {
  return new StateStoreError(file, message("SVC003", "changedOutside", { file, what: what.text }));
}

/** JSON text syncspec wrote into a store; text that is not JSON is `what`, changed outside syncspec. */
export function parseStored(file: string, text: string, what: Message<"SVC003">): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw changedOutside(file, what);
  }
}
