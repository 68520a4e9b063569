// When two values of a mapping are the same: equal, or equal through the mapping's `as`
// function (`as digits`). A value the same through it does not flow, so a field written in
// another format is not rewritten every run.
import type { MappingPlan } from "../../plan/types.js";
import { FUNCTIONS_BY_NAME } from "../../language/functions/catalog.js";
import { equal } from "../../json/values.js";

export type Normalize = (value: unknown) => unknown;

/** The mapping's `as` functions as one value in, one out, applied in order; none without `as`. */
export function normalizer(m: MappingPlan): Normalize | undefined {
  if (m.compare === undefined) return undefined;
  const chain = m.compare.split(",").map((name) => FUNCTIONS_BY_NAME.get(name.trim())?.evaluate);
  if (chain.some((f) => f === undefined)) return undefined;
  const steps = chain as NonNullable<(typeof chain)[number]>[];
  return steps.length === 1 ? (v: unknown) => steps[0]!([v]) : (v: unknown) => steps.reduce((value, step) => step([value]), v);
}

/** Whether two values are the same for a mapping: equal, or equal through its `as` function. */
export function sameThrough(normalize: Normalize | undefined, a: unknown, b: unknown): boolean {
  return normalize ? equal(normalize(a), normalize(b)) : equal(a, b);
}
