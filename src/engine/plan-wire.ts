// A run's input and result as they cross to a planning thread (plan-thread.ts) and back:
// structured-clone data only. Classes lose their methods in a clone, so a record table goes
// as its two arrays, a coverage as what it was told, a set of records as a list, and a state
// read by key as the pairs fetched for the run (the store stays with the thread that owns it).
import type { Rec } from "../json/values.js";
import type { RunEvent } from "../input/event.js";
import { RecordRefSet, type RecordRef } from "../input/record-ref.js";
import type { SystemReadRequest } from "../input/read-request.js";
import { RecordTable } from "../input/record-table.js";
import type { Snapshot } from "../input/snapshots.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { DirectionPlan, Plan } from "../plan/types.js";
import type { PairLookup, PairsByKey, SyncedPair, SyncedValues, SyncState } from "../state/state.js";
import type { Problem } from "../diagnostics/problem.js";
import { Coverage } from "./coverage.js";
import type { ReachedRecord } from "./events.js";
import type { Outcome } from "./outcomes.js";
import type { RecordChange } from "./changes.js";
import { renderPatches, type Operation } from "./patch.js";
import type { RunInput, RunResult } from "./run.js";

/** A collection's records in their order: the keys, and the records in the same order. */
interface WireRecords {
  readonly keys: string[];
  readonly records: Rec[];
}

interface WireCoverage {
  readonly keyField: string;
  readonly total?: number;
  readonly keys: string[];
  readonly values: [field: string, values: string[]][];
}

/** The state as the planning thread sees it: whole, or the pairs fetched by key (null: none stored). */
type WireState = { readonly whole: SyncState } | { readonly lastRun: string | null; readonly pairs: Map<string, Map<string, SyncedPair | null>> };

export interface WireRunInput {
  readonly plan: Plan;
  readonly systems: SystemCatalog;
  readonly snapshots: Map<string, Map<string, WireRecords>>;
  readonly state?: WireState;
  readonly now: string;
  readonly params: ReadonlyMap<string, unknown>;
  readonly events?: readonly RunEvent[];
  readonly directions?: readonly DirectionPlan[];
  readonly partial?: Map<string, WireCoverage>;
}

export interface WireRunResult {
  readonly changes: readonly RecordChange[];
  readonly outcomes: Outcome[];
  readonly state: SyncState;
  readonly failure?: Problem;
  readonly misses?: readonly SystemReadRequest[];
  readonly uncarried?: RecordRef[];
  readonly reached?: readonly ReachedRecord[];
}

/** A run to plan, as the planning thread is sent it. */
export interface PlanRequest {
  readonly id: number;
  readonly input: WireRunInput;
}

/** What the planning thread answers a request with. */
export type PlanAnswer =
  | { readonly id: number; readonly result: WireRunResult }
  /** Pairs the plan asked for that were not sent, by link: fetch them and ask again. */
  | { readonly id: number; readonly unfetched: [link: string, lefts: string[]][] }
  | { readonly id: number; readonly error: string };

/** The input to send: `pairs` are the pairs fetched for a state read by key. */
export function inputToWire(input: RunInput, pairs: Map<string, Map<string, SyncedPair | null>>): WireRunInput {
  const snapshots = new Map<string, Map<string, WireRecords>>();
  for (const [system, snapshot] of input.snapshots) {
    const collections = new Map<string, WireRecords>();
    for (const [name, table] of snapshot) collections.set(name, table instanceof RecordTable ? { keys: [...table.order], records: [...table.inOrder] } : { keys: [...table.keys()], records: [...table.values()] });
    snapshots.set(system, collections);
  }
  const events = input.events ?? (input.event ? [input.event] : undefined);
  const state: WireState | undefined = input.state === undefined ? undefined : "byKey" in input.state ? { lastRun: input.state.lastRun, pairs } : { whole: plainState(input.state) };
  return {
    plan: input.plan,
    systems: input.systems,
    snapshots,
    ...(state ? { state } : {}),
    now: input.now,
    params: input.params,
    ...(events ? { events } : {}),
    ...(input.directions ? { directions: input.directions } : {}),
    ...(input.partial ? { partial: new Map([...input.partial].map(([id, c]) => [id, coverageToWire(c)])) } : {}),
  };
}

/**
 * The input as the planning thread runs it. A pair asked for that was not fetched is noted in
 * `unfetched` and taken as none: the thread then answers with what it still needs, and the
 * run is planned again with those pairs, never decided on a pair it could not see.
 */
export function inputFromWire(wire: WireRunInput, unfetched: Map<string, Set<string>>): RunInput {
  const snapshots = new Map<string, Snapshot>();
  for (const [system, collections] of wire.snapshots) {
    const snapshot: Snapshot = new Map();
    for (const [name, { keys, records }] of collections) snapshot.set(name, new RecordTable(keys, records, new Map(keys.map((k, i) => [k, records[i]!]))));
    snapshots.set(system, snapshot);
  }
  let state: SyncState | PairsByKey | undefined;
  if (wire.state && "whole" in wire.state) state = wire.state.whole;
  else if (wire.state) {
    const { pairs, lastRun } = wire.state;
    state = {
      lastRun,
      byKey: true,
      link: (id: string): PairLookup => ({
        get(left: string): SyncedPair | undefined {
          const fetched = pairs.get(id);
          if (fetched?.has(left)) return fetched.get(left) ?? undefined;
          let wanted = unfetched.get(id);
          if (!wanted) unfetched.set(id, (wanted = new Set()));
          wanted.add(left);
          return undefined;
        },
      }),
    };
  }
  return {
    plan: wire.plan,
    systems: wire.systems,
    snapshots,
    ...(state ? { state } : {}),
    now: wire.now,
    params: wire.params,
    ...(wire.events ? { events: wire.events } : {}),
    ...(wire.directions ? { directions: wire.directions } : {}),
    ...(wire.partial ? { partial: new Map([...wire.partial].map(([id, c]) => [id, coverageFromWire(c)])) } : {}),
  };
}

/** What the planning thread sends back: the state built there, the patches left to render where they are asked for. */
export function resultToWire(result: RunResult): WireRunResult {
  return {
    changes: result.changes,
    outcomes: result.outcomes,
    state: plainState(result.state),
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.misses ? { misses: result.misses } : {}),
    ...(result.uncarried ? { uncarried: [...result.uncarried] } : {}),
    ...(result.reached ? { reached: result.reached } : {}),
  };
}

export function resultFromWire(wire: WireRunResult, plan: Plan, systems: SystemCatalog): RunResult {
  let patches: Record<string, Operation[]> | undefined;
  return {
    changes: wire.changes,
    outcomes: wire.outcomes,
    state: wire.state,
    ...(wire.failure ? { failure: wire.failure } : {}),
    ...(wire.misses ? { misses: wire.misses } : {}),
    ...(wire.uncarried ? { uncarried: new RecordRefSet(wire.uncarried) } : {}),
    ...(wire.reached ? { reached: wire.reached } : {}),
    get patches(): Record<string, Operation[]> {
      return (patches ??= renderPatches([plan.systems.left, plan.systems.right], wire.changes, systems));
    },
  };
}

function coverageToWire(coverage: Coverage): WireCoverage {
  const told = coverage.told();
  return { keyField: coverage.keyField, ...(coverage.total !== undefined ? { total: coverage.total } : {}), keys: told.keys, values: told.values };
}

function coverageFromWire(wire: WireCoverage): Coverage {
  const coverage = new Coverage(wire.keyField, wire.total);
  coverage.add({ collection: "", keys: wire.keys });
  for (const [field, values] of wire.values) coverage.add({ collection: "", field, values });
  return coverage;
}

/** A state whose pairs are plain data: a pair read where it was parsed (state.ts's packed pairs) is unpacked. */
function plainState(state: SyncState): SyncState {
  let packed = false;
  for (const pairs of state.synced.values()) {
    for (const pair of pairs.values()) {
      packed = Object.getPrototypeOf(pair) !== Object.prototype;
      break;
    }
    if (packed) break;
  }
  if (!packed) return state;
  const synced: SyncedValues = new Map();
  for (const [link, pairs] of state.synced) synced.set(link, new Map([...pairs].map(([left, p]) => [left, { right: p.right, values: p.values }])));
  return { ...state, synced };
}
