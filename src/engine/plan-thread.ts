// Planning on a thread of its own, so that the thread that answers webhooks and /healthz
// stays free while a run plans a million records: the service's runs plan here. The run's
// input crosses as data (plan-wire.ts); a state read by key crosses as the pairs fetched
// for the records the run holds, and any pair the plan asks for beyond those is fetched and
// the run planned again, so a decision is never made on a pair the thread could not see.
//
// Where the worker's script is not there (syncspec run from its sources, as the tests do),
// runs plan on the calling thread, as `plan` always does.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FetchedPairs } from "../state/fetched-pairs.js";
import { inputToWire, resultFromWire, type PlanAnswer, type PlanRequest, type WireRunInput } from "./plan-wire.js";
import { runPlan, type RunInput, type RunResult } from "./run.js";

/** Plans a run: on this thread, or on another. */
export type Planner = (input: RunInput) => Promise<RunResult>;

/**
 * Plans on this thread. Over pairs a store fetches (FetchedPairs), those of the records the
 * run holds are fetched first, and the run is planned again while it asks for more.
 */
export const planHere: Planner = async (input) => {
  const fetched = input.state instanceof FetchedPairs ? input.state : undefined;
  if (!fetched) return runPlan(input);
  await fetched.fetch(heldLeftKeys(input));
  for (;;) {
    const result = runPlan(input);
    const missed = fetched.takeMissed();
    // Each round asks for pairs not yet fetched: the fetched grow, and the asking ends.
    if (missed.length === 0) return result;
    await fetched.fetch(missed);
  }
};

/** The worker's script, built beside the service's code (scripts/build.js). */
export const PLAN_WORKER = new URL("./plan-worker.js", import.meta.url);

export class PlanThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (answer: PlanAnswer) => void; reject: (error: Error) => void }>();

  private constructor(private readonly script: URL) {}

  /** A planning thread, started at its first run; undefined where its script is not built. */
  static start(script: URL = PLAN_WORKER): PlanThread | undefined {
    return existsSync(fileURLToPath(script)) ? new PlanThread(script) : undefined;
  }

  /** Plans a run on the thread: the same result runPlan gives on this one. */
  readonly plan: Planner = async (input) => {
    const fetched = input.state instanceof FetchedPairs ? input.state : undefined;
    if (input.state !== undefined && "byKey" in input.state && !fetched) throw new Error("the planning thread plans over a state read by key only as FetchedPairs");
    await fetched?.fetch(heldLeftKeys(input));
    for (;;) {
      const answer = await this.ask(inputToWire(input, fetched?.fetched ?? new Map()));
      if ("result" in answer) return resultFromWire(answer.result, input.plan, input.systems);
      if ("error" in answer) throw new Error(answer.error);
      // Each answer asks for pairs not yet fetched: the fetched grow, and the asking ends.
      if (!fetched || answer.unfetched.length === 0) throw new Error("the planning thread asked for pairs of a state that is not read by key");
      await fetched.fetch(answer.unfetched);
    }
  };

  /** Ends the thread; a run planning there fails. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ask(input: WireRunInput): Promise<PlanAnswer> {
    const worker = (this.worker ??= this.spawn());
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Only while a run plans does the thread keep the process up.
      worker.ref();
      worker.postMessage({ id, input } satisfies PlanRequest);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(this.script);
    worker.unref();
    worker.on("message", (answer: PlanAnswer) => {
      const waiting = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      waiting?.resolve(answer);
    });
    // A thread that died (out of memory, a defect) fails the runs it held; the next run starts another.
    const died = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    };
    worker.on("error", died);
    worker.on("exit", (code) => died(new Error(`the planning thread stopped (exit code ${code})`)));
    return worker;
  }
}

/** Each link's left keys among the records the run holds: the pairs it will look up. */
function heldLeftKeys(input: RunInput): [link: string, lefts: Iterable<string>][] {
  const keys: [string, Iterable<string>][] = [];
  for (const link of input.plan.links) {
    const source = link.left.source;
    // A link over a view pairs the view's rows: their keys are known once it runs, and asked for then.
    if (!("collection" in source)) continue;
    const held = input.snapshots.get(source.system)?.get(source.collection);
    if (held) keys.push([link.id, held.keys()]);
  }
  return keys;
}
