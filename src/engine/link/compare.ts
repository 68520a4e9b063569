// When two values of a mapping are the same: equal, or equal through the mapping's `as`
// function (`as digits`). A value the same through it does not flow, so a field written in
// another format is not rewritten every run.
import type { MappingPlan } from "../../plan/types.js";
import { FUNCTIONS_BY_NAME } from "../../language/functions/catalog.js";
import { equal } from "../../json/values.js";

export type Normalize = (value: unknown) => unknown;

/** The mapping's `as` function as one value in, one out; none without `as`. */
export function normalizer(m: MappingPlan): Normalize | undefined {
  const evaluate = m.compare ? FUNCTIONS_BY_NAME.get(m.compare)?.evaluate : undefined;
  return evaluate ? (v: unknown) => evaluate([v]) : undefined;
}

/** Whether two values are the same for a mapping: equal, or equal through its `as` function. */
export function sameThrough(normalize: Normalize | undefined, a: unknown, b: unknown): boolean {
  return normalize ? equal(normalize(a), normalize(b)) : equal(a, b);
}
