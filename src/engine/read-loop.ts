// A run that reads what it needs instead of everything: it starts from what its trigger
// names (an event's record), plans over what it was told, and each time the plan needed a
// record it was not told of (a counterpart by key, the contacts whose referenceId is 1001, a
// collection whole) it reads those and plans again. When a plan needs nothing more, it is
// the plan a run over everything would make for the same records: each decision it made
// read only records it was told of in full (coverage.ts).
//
// What it does not read stays unknown: nothing is deleted or removed for not being seen.
// After MAX_READ_ROUNDS rounds, what is still missing is read whole, so a run always ends.
import { byCodeUnits, type Rec } from "../json/values.js";
import { describeRequest, type ReadRequest, type RequestedRead, type SystemReadRequest } from "../input/read-request.js";
import type { Snapshot } from "../input/snapshot.js";
import { Coverage } from "./coverage.js";
import { planHere, type Planner } from "./plan-thread.js";
import type { RunInput, RunResult } from "./run.js";
import type { Plan, Source } from "../plan/types.js";

/** Rounds of reading misses before what is still missing is read whole. */
export const MAX_READ_ROUNDS = 6;

/** Reads part of a system: a connector's readRequests, or an answer from records at hand. */
export type ReadPart = (system: string, requests: readonly ReadRequest[]) => Promise<RequestedRead>;

export interface ReadingRunInput extends Omit<RunInput, "snapshots" | "partial"> {
  /** What to read before the first plan: the records the trigger names. */
  readonly first: readonly SystemReadRequest[];
  readonly read: ReadPart;
  /** "system.collection" -> its number of records when last read whole: what safety limits measure against. */
  readonly totals?: ReadonlyMap<string, number>;
  /** Where each round plans: here, unless given a planning thread. */
  readonly planner?: Planner;
}

export interface ReadingRunResult {
  readonly result: RunResult;
  /** Rounds of reading, the first included. */
  readonly rounds: number;
  /** The requests made, in order, with the system asked. */
  readonly asked: readonly SystemReadRequest[];
  /** "system.collection" for each collection read whole. */
  readonly whole: readonly string[];
  /** Why a collection is unknown to the run: a request for it failed. Such a run is incomplete. */
  readonly incomplete: readonly string[];
}

/** One collection as the loop knows it: its records read so far, and what it was told (none once read whole or unknown). */
interface Known {
  readonly system: string;
  readonly name: string;
  records: Map<string, Rec>;
  coverage: Coverage | undefined;
  /** Set when a request for it failed: the collection is left out of the run, as a whole read that failed leaves it out. */
  unknown?: string;
}

export async function runReading(input: ReadingRunInput): Promise<ReadingRunResult> {
  const { plan } = input;
  const known = new Map<string, Known>();
  for (const [system, collections] of Object.entries(plan.collections)) {
    for (const [name, { key }] of Object.entries(collections)) {
      const id = `${system}.${name}`;
      known.set(id, { system, name, records: new Map(), coverage: new Coverage(key, input.totals?.get(id)) });
    }
  }
  const asked: SystemReadRequest[] = [];
  const incomplete: string[] = [];
  const askedBefore = new Set<string>();
  let requests = [...input.first];
  for (let round = 1; ; round++) {
    // The last rounds ask whole: a plan that keeps finding more would otherwise read a record at a time.
    if (round > MAX_READ_ROUNDS) requests = requests.map(({ system, request }) => ({ system, request: { collection: request.collection, whole: true } }));
    // A request asked before and missed again would be asked for ever: its collection is read whole.
    requests = requests.map((r) => (askedBefore.has(JSON.stringify(r)) ? { system: r.system, request: { collection: r.request.collection, whole: true as const } } : r));
    requests = requests.filter((r) => {
      const collection = known.get(`${r.system}.${r.request.collection}`);
      return collection !== undefined && collection.coverage !== undefined && collection.unknown === undefined;
    });
    for (const r of requests) askedBefore.add(JSON.stringify(r));
    asked.push(...requests);
    await readInto(known, requests, input.read, incomplete);

    const snapshots = new Map<string, Snapshot>();
    const partial = new Map<string, Coverage>();
    for (const [id, collection] of known) {
      if (collection.unknown !== undefined) continue;
      let snapshot = snapshots.get(collection.system);
      if (!snapshot) snapshots.set(collection.system, (snapshot = new Map()));
      // In key order, as a system lists a collection: records read in part come in the order they were asked for.
      snapshot.set(collection.name, collection.coverage ? inKeyOrder(collection.records) : collection.records);
      if (collection.coverage) partial.set(id, collection.coverage);
    }
    const { first: _first, read: _read, totals: _totals, planner = planHere, ...run } = input;
    const result = await planner({ ...run, snapshots, partial });
    if (!result.misses) {
      const whole = [...known].filter(([, c]) => c.coverage === undefined && c.unknown === undefined).map(([id]) => id);
      return { result, rounds: round, asked, whole, incomplete };
    }
    requests = [...result.misses];
  }
}

/** Reads the requests, each system's at once, into what the loop knows; a failed request leaves its collection unknown. */
async function readInto(known: Map<string, Known>, requests: readonly SystemReadRequest[], read: ReadPart, incomplete: string[]): Promise<void> {
  const bySystem = new Map<string, ReadRequest[]>();
  for (const { system, request } of requests) {
    const list = bySystem.get(system);
    if (list) list.push(request);
    else bySystem.set(system, [request]);
  }
  const answers = await Promise.all([...bySystem].map(async ([system, asked]) => ({ system, answer: await read(system, asked) })));
  for (const { system, answer } of answers) {
    for (const given of answer.answers) {
      const collection = known.get(`${system}.${given.request.collection}`);
      if (!collection || collection.unknown !== undefined) continue;
      if ("problem" in given) {
        // Unknown, as a collection a whole read could not finish is: nothing is decided on what was not seen.
        collection.unknown = given.problem;
        collection.records = new Map();
        collection.coverage = undefined;
        incomplete.push(`${system}.${collection.name}: ${given.problem}`);
        continue;
      }
      const found = Object.hasOwn(answer.document, collection.name) ? answer.document[collection.name]! : {};
      if (given.as === "whole") {
        collection.records = new Map(Object.entries(found));
        collection.coverage = undefined;
        continue;
      }
      if (!collection.coverage) continue;
      for (const key of Object.keys(found)) collection.records.set(key, found[key]!);
      collection.coverage.add(given.request);
    }
  }
}

function inKeyOrder(records: ReadonlyMap<string, Rec>): Map<string, Rec> {
  return new Map([...records].sort(([a], [b]) => byCodeUnits(a, b)));
}

/**
 * The collections a run passes over record by record: each link's sides, each rule's and
 * view's first `from` (through views to their collections). An incremental run reads what
 * changed in these; what they look up is read as it is needed.
 */
export function passedOver(plan: Plan): { system: string; collection: string }[] {
  const found = new Map<string, { system: string; collection: string }>();
  const add = (source: Source, hops = 0): void => {
    if ("view" in source) {
      const view = plan.views.find((v) => v.name === source.view);
      const first = view?.clauses[0];
      if (first?.kind === "from" && first.source.op === "rows" && hops <= plan.views.length) add(first.source.source, hops + 1);
      return;
    }
    found.set(`${source.system}.${source.collection}`, { system: source.system, collection: source.collection });
  };
  for (const link of plan.links) {
    add(link.left.source);
    add(link.right.source);
  }
  for (const item of [...plan.rules, ...plan.views]) {
    const first = item.clauses[0];
    if (first?.kind === "from" && first.source.op === "rows") add(first.source.source);
  }
  return [...found.values()];
}

/** A read's requests in words, for a run's log: "raisedonors donors 1001; virtuous contacts whose referenceId is "1001"". */
export function describeReads(asked: readonly SystemReadRequest[]): string {
  return asked.map(({ system, request }) => `${system} ${describeRequest(request)}`).join("; ");
}
