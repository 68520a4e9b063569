// The planning thread (plan-thread.ts): runs each plan it is sent and sends back the result,
// or the pairs of a state read by key that the plan asked for and was not sent.
import { parentPort } from "node:worker_threads";
import { inputFromWire, resultToWire, type PlanAnswer, type PlanRequest } from "./plan-wire.js";
import { runPlan } from "./run.js";

const port = parentPort!;
port.on("message", ({ id, input }: PlanRequest) => {
  let answer: PlanAnswer;
  try {
    const unfetched = new Map<string, Set<string>>();
    const result = runPlan(inputFromWire(input, unfetched));
    answer = unfetched.size > 0 ? { id, unfetched: [...unfetched].map(([link, lefts]) => [link, [...lefts]]) } : { id, result: resultToWire(result) };
  } catch (error) {
    // A defect in the engine, as runPlan would throw it on the calling thread.
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(answer);
});
