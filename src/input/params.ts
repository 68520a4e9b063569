// Params given at run time (`--param NAME=VALUE`): a VALUE is read as JSON where it parses
// as JSON, else as a string; then checked against the spec's declaration. Defaults fill in.
import { didYouMean } from "../diagnostics/did-you-mean.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import type { ParamPlan, Plan } from "../plan/types.js";
import { parseSchedule } from "../language/schedule/schedule.js";
import { isDateText, isDatetimeText } from "../json/datetime.js";


export function readParamValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Why a value does not fit its param, as the reason part of a PAR002 message. */
function problemWith(param: ParamPlan, value: unknown): string | undefined {
  const [base, list] = param.type.endsWith("[]") ? [param.type.slice(0, -2), true] : [param.type, false];
  if (list) {
    if (!Array.isArray(value)) return message("PAR002", "notList", { name: param.name }).text;
    for (const item of value) {
      const p = scalarProblem(base, item);
      if (p) return message("PAR002", "eachItem", { reason: p }).text;
    }
    return undefined;
  }
  if (param.values && !param.values.includes(value as string)) {
    const near = typeof value === "string" ? didYouMean(value, param.values) : undefined;
    const values = param.values.map((v) => JSON.stringify(v)).join(", ");
    return (near ? message("PAR002", "notOneOfNear", { values, near: JSON.stringify(near) }) : message("PAR002", "notOneOf", { values })).text;
  }
  return scalarProblem(base, value);
}

function scalarProblem(type: string, value: unknown): string | undefined {
  const wrong = (ok: boolean, why: Message): string | undefined => (ok ? undefined : why.text);
  switch (type) {
    case "str":
      return wrong(typeof value === "string", message("PAR002", "notString"));
    case "int":
      return wrong(Number.isInteger(value), message("PAR002", "notWhole"));
    case "num":
      return wrong(typeof value === "number" && Number.isFinite(value), message("PAR002", "notNumber"));
    case "bool":
      return wrong(typeof value === "boolean", message("PAR002", "notBool"));
    case "date":
      return wrong(isDateText(value), message("PAR002", "notDate"));
    case "datetime":
      return wrong(isDatetimeText(value), message("PAR002", "notDatetime"));
    case "schedule": {
      if (typeof value !== "string") return message("PAR002", "notSchedule").text;
      // The schedule's own reason, from the language's schedule reader.
      const parsed = parseSchedule(value);
      return "error" in parsed ? parsed.error : undefined;
    }
    default:
      return message("PAR002", "unknownType", { type }).text;
  }
}

/** The params of a run: given values checked, defaults filled in, missing required ones reported. */
/** Where params come from, for the words that say how to give a missing one. */
export type ParamsGiven = "--param" | "deployment" | "lines";

export function resolveParams(plan: Plan, given: readonly (readonly [string, string])[], where = "--param", as: ParamsGiven = where === "--param" ? "--param" : "deployment"): Map<string, unknown> | { problems: Problem[] } {
  const problems: Problem[] = [];
  const values = new Map<string, unknown>();
  const declared = new Map(plan.params.map((p) => [p.name, p]));
  for (const [name, raw] of given) {
    const param = declared.get(name);
    if (!param) {
      const near = didYouMean(name, declared.keys());
      const integration = plan.integration;
      const why = near
        ? message("PAR001", "unknownNear", { integration, name, near })
        : declared.size > 0
          ? message("PAR001", "unknown", { integration, name, params: [...declared.keys()].join(", ") })
          : message("PAR001", "unknownNone", { integration, name });
      problems.push(problem({ file: where }, why));
      continue;
    }
    const value = readParamValue(raw);
    const wrong = problemWith(param, value);
    if (wrong) problems.push(problem({ file: where }, message("PAR002", "notAllowed", { name, reason: wrong, given: raw })));
    else values.set(name, value);
  }
  // A param given a value it cannot take has its problem already: it is not missing too.
  const named = new Set(given.map(([name]) => name));
  for (const param of plan.params) {
    if (values.has(param.name) || named.has(param.name)) continue;
    if (param.default !== undefined) values.set(param.name, param.default);
    else if (param.required) problems.push(problem({ file: where }, message("PAR003", as === "--param" ? "missingOption" : as === "lines" ? "missingLine" : "missingDeployment", { integration: plan.integration, name: param.name, type: param.type })));
  }
  return problems.length > 0 ? { problems } : values;
}
