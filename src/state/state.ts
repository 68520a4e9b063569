// The engine's memory between runs of one integration: when the last successful run was,
// and the last synced value of every two-way field of every linked pair. The store is an
// interface so that a transactional one (SQLite, for the scheduler) can stand in for the
// JSON file that `--state` names.
import { existsSync } from "node:fs";
import { readText } from "../json/read-text.js";
import { writeFileAtomic } from "../json/write-atomic.js";
import { parseJsonInput } from "../json/parse.js";
import { escapePointer } from "../json/pointer.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { message, type Message } from "../diagnostics/catalog.js";

/** The version `apply` writes. Version 1 (values by mapping name in each pair) is still read: spec tests write it by hand. */
export const STATE_VERSION = 2;

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

/** A pair's presence, as characters: "1" a mapping has a value, "0" it has none. */
const ONE = 0x31;
const ZERO = 0x30;

/** What `syncedValue` gives for a mapping never synced: distinct from null, a value synced as empty. */
export const NOT_SYNCED: unique symbol = Symbol("not synced");

/** A pair's last synced value for a mapping, or NOT_SYNCED. */
export function syncedValue(pair: SyncedPair | undefined, mapping: string): unknown {
  if (!pair) return NOT_SYNCED;
  if (pair instanceof PackedPair) return pair.value(mapping);
  const values = pair.values;
  return hasOwn.call(values, mapping) ? values[mapping] : NOT_SYNCED;
}

export interface SyncState {
  /** When the last successful run was (its `--now`); null before the first. */
  readonly lastRun: string | null;
  readonly synced: SyncedValues;
  /**
   * Set on the state a run over a state read by key (PairsByKey) keeps: `synced` holds only
   * the pairs it changed, and every other pair stands as stored.
   */
  readonly changedOnly?: true;
}

/** One link's pairs as a run looks them up: by left key. */
export type PairLookup = Pick<ReadonlyMap<string, SyncedPair>, "get">;

/**
 * A state a run reads a pair at a time, for a run that reads a few records of many (an event
 * among 200,000 linked donors): loading every pair would cost more than the run. Its new
 * state is the pairs it changed (SyncState.changedOnly).
 */
export interface PairsByKey {
  readonly lastRun: string | null;
  readonly byKey: true;
  /** A link's pairs, looked up as they are asked for. */
  link(id: string): PairLookup;
}

/**
 * A store's pairs, read by left key as a run asks for them (SQLite at once, PostgreSQL over
 * the network): FetchedPairs gives the engine its PairsByKey over them.
 */
export interface StoredPairs {
  readonly lastRun: string | null;
  /** The pairs of these left keys of a link; a key with no pair is absent. */
  pairs(link: string, lefts: readonly string[]): Promise<Map<string, SyncedPair>>;
}

export function emptyState(): SyncState {
  return { lastRun: null, synced: new Map() };
}

export interface StateStore {
  /** The state after the last successful run; an empty state before the first. */
  load(integration: string): SyncState | { problems: Problem[] };
  save(integration: string, state: SyncState): void;
}

/**
 * A pair as version 2 keeps it: [left key, right key, presence, ...values]. The link lists its
 * two-way mappings once; presence has a "1" for each mapping the pair has a value for ("0":
 * never synced, as a field whose condition has not held), and the values follow in that order.
 * Mapping names are not repeated 200,000 times, so the file is a third smaller and parses faster.
 */
type PackedEntry = readonly [string, string, string, ...unknown[]];

/** A version 2 link's mappings: by name, the place of each in a pair's presence. */
class PackedColumns {
  readonly place: ReadonlyMap<string, number>;
  constructor(readonly mappings: readonly string[]) {
    this.place = new Map(mappings.map((m, i) => [m, i]));
  }
}

/** A version 2 pair, read where it was parsed: a run reads each of 200,000 pairs once, a value at a time. */
class PackedPair implements SyncedPair {
  constructor(
    private readonly entry: PackedEntry,
    private readonly columns: PackedColumns,
  ) {}

  get right(): string {
    return this.entry[1];
  }

  value(mapping: string): unknown {
    const i = this.columns.place.get(mapping);
    const presence = this.entry[2];
    if (i === undefined || presence.charCodeAt(i) !== ONE) return NOT_SYNCED;
    let at = 3;
    for (let j = 0; j < i; j++) if (presence.charCodeAt(j) === ONE) at++;
    return this.entry[at];
  }

  get values(): PairValues {
    const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const presence = this.entry[2];
    for (let i = 0, at = 3; i < presence.length; i++) if (presence.charCodeAt(i) === ONE) values[this.columns.mappings[i]!] = this.entry[at++];
    return values;
  }
}

/** The state file `apply` writes: one pair to a line, so that a diff of two states reads as pairs. */
export function serializeState(integration: string, state: SyncState): string {
  const head = JSON.stringify({ syncspec: "state", version: STATE_VERSION, integration, lastRun: state.lastRun });
  const links: string[] = [];
  for (const linkId of [...state.synced.keys()].sort()) {
    const pairs = state.synced.get(linkId)!;
    const lefts = [...pairs.keys()].sort();
    const values = lefts.map((left) => pairs.get(left)!.values);
    const mappings = [...new Set(values.flatMap((v) => Object.keys(v)))].sort();
    const rows = lefts.map((left, i) => {
      const pair = values[i]!;
      const present = mappings.map((m) => hasOwn.call(pair, m));
      return JSON.stringify([left, pairs.get(left)!.right, present.map((p) => (p ? "1" : "0")).join(""), ...mappings.filter((_, j) => present[j]).map((m) => pair[m])]);
    });
    links.push(`${JSON.stringify(linkId)}: {"mappings": ${JSON.stringify(mappings)}, "pairs": [${rows.length > 0 ? `\n${rows.join(",\n")}\n` : ""}]}`);
  }
  return `${head.slice(0, -1)}, "links": {${links.length > 0 ? `\n${links.join(",\n")}\n` : ""}}}\n`;
}

export function parseState(text: string, file: string, integration: string): SyncState | { problems: Problem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const data = parsed.data;
  const refuse = (pointer: string, why: Message) => ({ problems: [problem({ file, pointer }, why)] });
  if (!data || typeof data !== "object" || Array.isArray(data)) return refuse("", message("STA001", "notObject"));
  const d = data as { syncspec?: unknown; version?: unknown; integration?: unknown; lastRun?: unknown; links?: unknown };
  if (d.syncspec !== "state") return refuse("/syncspec", message("STA001", "notState"));
  if (d.version !== 1 && d.version !== STATE_VERSION) return refuse("/version", message("STA002", "version", { version: JSON.stringify(d.version), current: STATE_VERSION }));
  if (d.integration !== integration) return refuse("/integration", message("STA003", "otherIntegration", { found: JSON.stringify(d.integration), expected: JSON.stringify(integration) }));
  if (d.lastRun !== null && (typeof d.lastRun !== "string" || Number.isNaN(Date.parse(d.lastRun)))) return refuse("/lastRun", message("STA004", "lastRun"));
  if (!d.links || typeof d.links !== "object" || Array.isArray(d.links)) return refuse("/links", message("STA004", "links"));
  const synced: SyncedValues = new Map();
  for (const [linkId, link] of Object.entries(d.links)) {
    const at = `/links/${escapePointer(linkId)}`;
    const pairs = d.version === 1 ? readVersion1(link) : readVersion2(link);
    if ("problem" in pairs) return refuse(`${at}${pairs.at}`, pairs.problem);
    synced.set(linkId, pairs);
  }
  return { lastRun: (d.lastRun as string | null | undefined) ?? null, synced };
}

type LinkPairs = Map<string, SyncedPair> | { at: string; problem: Message };

/** Version 1: [left key, right key, {mapping: value}][]. */
function readVersion1(link: unknown): LinkPairs {
  if (!Array.isArray(link)) return { at: "", problem: message("STA004", "v1Link") };
  const map = new Map<string, SyncedPair>();
  for (let i = 0; i < link.length; i++) {
    const entry = link[i] as unknown;
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== "string" || typeof entry[1] !== "string" || !entry[2] || typeof entry[2] !== "object" || Array.isArray(entry[2])) {
      return { at: `/${i}`, problem: message("STA004", "v1Entry") };
    }
    // Kept as JSON.parse made it: building a map for each of 200,000 pairs costs a second.
    map.set(entry[0], { right: entry[1], values: entry[2] as PairValues });
  }
  return map;
}

/** Version 2: {"mappings": [...], "pairs": [[left key, right key, presence, ...values], ...]}. */
function readVersion2(link: unknown): LinkPairs {
  if (!link || typeof link !== "object" || Array.isArray(link)) return { at: "", problem: message("STA004", "v2Link") };
  const { mappings, pairs } = link as { mappings?: unknown; pairs?: unknown };
  if (!Array.isArray(mappings) || mappings.some((m) => typeof m !== "string") || new Set(mappings).size !== mappings.length) {
    return { at: "/mappings", problem: message("STA004", "v2Mappings") };
  }
  if (!Array.isArray(pairs)) return { at: "/pairs", problem: message("STA004", "v2Pairs") };
  const columns = new PackedColumns(mappings as string[]);
  const map = new Map<string, SyncedPair>();
  for (let i = 0; i < pairs.length; i++) {
    const entry = pairs[i] as unknown;
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "string" || typeof entry[2] !== "string" || !presenceFits(entry[2], mappings.length, entry.length - 3)) {
      return { at: `/pairs/${i}`, problem: message("STA004", "v2Pair", { count: mappings.length }) };
    }
    map.set(entry[0], new PackedPair(entry as unknown as PackedEntry, columns));
  }
  return map;
}

function presenceFits(presence: string, mappings: number, values: number): boolean {
  if (presence.length !== mappings) return false;
  let ones = 0;
  for (let i = 0; i < presence.length; i++) {
    const c = presence.charCodeAt(i);
    if (c === ONE) ones++;
    else if (c !== ZERO) return false;
  }
  return ones === values;
}

/** The state in a JSON file: a missing file is a first run. */
export class JsonFileStateStore implements StateStore {
  constructor(readonly file: string) {}

  load(integration: string): SyncState | { problems: Problem[] } {
    if (!existsSync(this.file)) return emptyState();
    return parseState(readText(this.file), this.file, integration);
  }

  save(integration: string, state: SyncState): void {
    // A file holds the whole state: changes alone would drop every other pair. No command
    // reads a file's state by key, so this is a defect, not an input.
    if (state.changedOnly) throw new Error(`a state that holds a run's changes alone cannot replace ${this.file}`);
    writeFileAtomic(this.file, serializeState(integration, state));
  }
}
