// Every plan is checked against the committed plan.schema.json when it is written or
// loaded, so the compiler and the runtime cannot drift apart unnoticed.
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import type { Plan } from "./types.js";

const schema = JSON.parse(readFileSync(new URL("../../src/plan/plan.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);

export const PLAN_SCHEMA = schema;

/** The schema's complaints about a plan, each as "JSON Pointer: message"; empty when it is valid. */
export function planProblems(plan: unknown): string[] {
  if (validate(plan)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"}: ${e.message ?? "is invalid"}`);
}

export function isPlan(value: unknown): value is Plan {
  return planProblems(value).length === 0;
}
