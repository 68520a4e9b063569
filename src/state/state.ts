// The engine's memory between runs of one integration: when the last successful run was,
// and the last synced value of every two-way field of every linked pair. The store is an
// interface so that a transactional one (SQLite, for the scheduler) can stand in for the
// JSON file that `--state` names.
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs/write-atomic.js";
import { parseJsonInput, type InputProblem } from "../diagnostics/input-problem.js";

export const STATE_VERSION = 1;

/** One pair's last synced values: mapping id -> value, read by own property (as JSON.parse made it). */
export type PairValues = Readonly<Record<string, unknown>>;

/** A left record's pair: its counterpart's key, and their last synced values. */
export interface SyncedPair {
  readonly right: string;
  readonly values: PairValues;
}

/**
 * Last synced values: link id -> left key -> pair. A record pairs with one counterpart at
 * most, so the left key finds the pair; the right key must match too, or the pair is new.
 */
export type SyncedValues = Map<string, Map<string, SyncedPair>>;

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether a pair has a last synced value for a mapping, and which. */
export function syncedValue(values: PairValues | undefined, mapping: string): { has: boolean; value: unknown } {
  if (!values || !hasOwn.call(values, mapping)) return { has: false, value: undefined };
  return { has: true, value: values[mapping] };
}

export interface SyncState {
  /** When the last successful run was (its `--now`); null before the first. */
  readonly lastRun: string | null;
  readonly synced: SyncedValues;
}

export function emptyState(): SyncState {
  return { lastRun: null, synced: new Map() };
}

export interface StateStore {
  /** The state after the last successful run; an empty state before the first. */
  load(integration: string): SyncState | { problems: InputProblem[] };
  save(integration: string, state: SyncState): void;
}

interface StateFile {
  syncspec: "state";
  version: number;
  integration: string;
  lastRun: string | null;
  /** link id -> [left key, right key, {mapping id: value}][] */
  links: Record<string, [string, string, Record<string, unknown>][]>;
}

export function serializeState(integration: string, state: SyncState): string {
  const links: StateFile["links"] = {};
  for (const linkId of [...state.synced.keys()].sort()) {
    const pairs = state.synced.get(linkId)!;
    links[linkId] = [...pairs.keys()].sort().map((left) => {
      const { right, values: stored } = pairs.get(left)!;
      const values: Record<string, unknown> = {};
      for (const mapping of Object.keys(stored).sort()) values[mapping] = stored[mapping];
      return [left, right, values];
    });
  }
  const file: StateFile = { syncspec: "state", version: STATE_VERSION, integration, lastRun: state.lastRun, links };
  return `${JSON.stringify(file, null, 1)}\n`;
}

export function parseState(text: string, file: string, integration: string): SyncState | { problems: InputProblem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const data = parsed.data;
  const problem = (pointer: string, message: string) => ({ problems: [{ file, pointer, message }] });
  if (!data || typeof data !== "object" || Array.isArray(data)) return problem("", "a state file is an object written by `syncspec apply`");
  const d = data as Partial<StateFile>;
  if (d.syncspec !== "state") return problem("/syncspec", 'this is not a syncspec state file (its "syncspec" is not "state")');
  if (d.version !== STATE_VERSION) return problem("/version", `this state file is version ${JSON.stringify(d.version)}; this syncspec reads version ${STATE_VERSION}`);
  if (d.integration !== integration) return problem("/integration", `this state belongs to ${JSON.stringify(d.integration)}, not ${JSON.stringify(integration)}`);
  if (d.lastRun !== null && (typeof d.lastRun !== "string" || Number.isNaN(Date.parse(d.lastRun)))) return problem("/lastRun", "must be a datetime or null");
  if (!d.links || typeof d.links !== "object" || Array.isArray(d.links)) return problem("/links", "must be an object");
  const synced: SyncedValues = new Map();
  for (const [linkId, pairs] of Object.entries(d.links)) {
    if (!Array.isArray(pairs)) return problem(`/links/${linkId}`, "must be a list of [left key, right key, values]");
    const map = new Map<string, SyncedPair>();
    for (let i = 0; i < pairs.length; i++) {
      const entry = pairs[i] as unknown;
      if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== "string" || typeof entry[1] !== "string" || !entry[2] || typeof entry[2] !== "object") {
        return problem(`/links/${linkId}/${i}`, "must be [left key, right key, {mapping: value}]");
      }
      // Kept as JSON.parse made it: building a map for each of 200,000 pairs costs a second.
      map.set(entry[0], { right: entry[1], values: entry[2] as PairValues });
    }
    synced.set(linkId, map);
  }
  return { lastRun: d.lastRun ?? null, synced };
}

/** The state in a JSON file: a missing file is a first run. */
export class JsonFileStateStore implements StateStore {
  constructor(readonly file: string) {}

  load(integration: string): SyncState | { problems: InputProblem[] } {
    if (!existsSync(this.file)) return emptyState();
    return parseState(readFileSync(this.file, "utf8"), this.file, integration);
  }

  save(integration: string, state: SyncState): void {
    writeFileAtomic(this.file, serializeState(integration, state));
  }
}
