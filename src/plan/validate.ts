// Every plan is checked against the committed plan.schema.json when it is written or
// loaded, so the compiler and the runtime cannot drift apart unnoticed.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import schema from "./plan.schema.json" with { type: "json" };

// Compiled on first use: compiling the schema costs more than checking every seed spec,
// and `syncspec check` neither writes nor loads a plan.
let validate: ValidateFunction | undefined;

/** The schema's complaints about a plan, each as "JSON Pointer: message"; empty when it is valid. */
export function planProblems(plan: unknown): string[] {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(schema);
  if (validate(plan)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"}: ${e.message ?? "is invalid"}`);
}
