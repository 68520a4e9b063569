// Every plan is checked against the committed plan.schema.json when it is written or
// loaded, so the compiler and the runtime cannot drift apart unnoticed.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { message, type Message } from "../diagnostics/catalog.js";
import { escapePointer } from "../json/pointer.js";
import schema from "./plan.schema.json" with { type: "json" };

/** A place in a plan that the schema refuses: a JSON Pointer, and what is wrong there. */
export interface PlanSchemaProblem {
  readonly pointer: string;
  readonly message: Message;
}

// Compiled on first use: compiling the schema costs more than checking every seed spec,
// and `syncspec check` neither writes nor loads a plan. The schema's `discriminator`s make
// ajv check only the branch of a oneOf that a node's `op` or `kind` names, so a complaint
// comes from that branch instead of from every other one.
let validate: ValidateFunction | undefined;
// Every complaint, not only the first: compiled only once a plan has failed.
let validateAll: ValidateFunction | undefined;

const MOST = 20;

/** The schema's complaints about a plan, each with its JSON Pointer (up to 20); empty when it is valid. */
export function planSchemaProblems(plan: unknown): PlanSchemaProblem[] {
  validate ??= new Ajv({ allErrors: false, strict: false, discriminator: true }).compile(schema);
  if (validate(plan)) return [];
  validateAll ??= new Ajv({ allErrors: true, strict: false, discriminator: true }).compile(schema);
  validateAll(plan);
  const found = new Map<string, PlanSchemaProblem>();
  for (const error of validateAll.errors ?? validate.errors ?? []) {
    const problem = describe(error);
    found.set(`${problem.pointer}\u0000${problem.message.text}`, problem);
    if (found.size >= MOST) break;
  }
  return [...found.values()];
}

/** The schema's complaints about a plan, each as "JSON Pointer: message"; empty when it is valid. */
export function planProblems(plan: unknown): string[] {
  return planSchemaProblems(plan).map((p) => `${p.pointer || "/"}: ${p.message.text}`);
}

/** One of ajv's errors in a person's words, at the place it is about. */
function describe(error: ErrorObject): PlanSchemaProblem {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { pointer: at, message: message("PLN003", "missing", { name: JSON.stringify(params["missingProperty"]) }) };
    case "additionalProperties":
      return { pointer: `${at}/${escapePointer(String(params["additionalProperty"]))}`, message: message("PLN003", "notPartOfPlan") };
    case "const":
      return { pointer: at, message: message("PLN003", "mustBe", { value: JSON.stringify(params["allowedValue"]) }) };
    case "enum":
      return { pointer: at, message: message("PLN003", "notOneOf", { values: (params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ") }) };
    case "discriminator": {
      const tag = String(params["tag"]);
      const value = params["tagValue"];
      if (value === undefined) return { pointer: at, message: message("PLN003", "missing", { name: JSON.stringify(tag) }) };
      return { pointer: `${at}/${escapePointer(tag)}`, message: typeof value === "string" ? message("PLN003", "unknownKind", { tag, value: JSON.stringify(value) }) : message("PLN003", "notString") };
    }
    default:
      // Another keyword: ajv's own words, which are data here.
      return { pointer: at, message: message("PLN003", "invalid", { reason: error.message ?? "is invalid" }) };
  }
}
