// Params given at run time (`--param NAME=VALUE`): a VALUE is read as JSON where it parses
// as JSON, else as a string; then checked against the spec's declaration. Defaults fill in.
import { didYouMean } from "../diagnostics/did-you-mean.js";
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

function problemWith(param: ParamPlan, value: unknown): string | undefined {
  const [base, list] = param.type.endsWith("[]") ? [param.type.slice(0, -2), true] : [param.type, false];
  if (list) {
    if (!Array.isArray(value)) return `must be a list, such as --param ${param.name}='["a", "b"]'`;
    for (const item of value) {
      const p = scalarProblem(base, item);
      if (p) return `each item ${p}`;
    }
    return undefined;
  }
  if (param.values && !param.values.includes(value as string)) {
    const near = typeof value === "string" ? didYouMean(value, param.values) : undefined;
    return `must be one of ${param.values.map((v) => JSON.stringify(v)).join(", ")}${near ? `; did you mean ${JSON.stringify(near)}?` : ""}`;
  }
  return scalarProblem(base, value);
}

function scalarProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case "str":
      return typeof value === "string" ? undefined : "must be a string";
    case "int":
      return Number.isInteger(value) ? undefined : "must be a whole number";
    case "num":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "must be a number";
    case "bool":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "date":
      return isDateText(value) ? undefined : 'must be a date, such as "2026-11-01"';
    case "datetime":
      return isDatetimeText(value) ? undefined : 'must be a datetime, such as "2026-11-01T14:05:00Z"';
    case "schedule": {
      if (typeof value !== "string") return 'must be a schedule, such as "every 10 minutes"';
      const parsed = parseSchedule(value);
      return "error" in parsed ? parsed.error : undefined;
    }
    default:
      return `has a type (${type}) this syncspec does not know`;
  }
}

/** The params of a run: given values checked, defaults filled in, missing required ones reported. */
export function resolveParams(plan: Plan, given: readonly (readonly [string, string])[], where = "--param"): Map<string, unknown> | { problems: Problem[] } {
  const problems: Problem[] = [];
  const values = new Map<string, unknown>();
  const declared = new Map(plan.params.map((p) => [p.name, p]));
  for (const [name, raw] of given) {
    const param = declared.get(name);
    if (!param) {
      const near = didYouMean(name, declared.keys());
      const known = declared.size > 0 ? `its params are ${[...declared.keys()].join(", ")}` : "it declares none";
      problems.push(problem("PAR001", { file: where }, `${plan.integration} has no param "${name}"${near ? `; did you mean "${near}"?` : `; ${known}`}`));
      continue;
    }
    const value = readParamValue(raw);
    const wrong = problemWith(param, value);
    if (wrong) problems.push(problem("PAR002", { file: where }, `${name} ${wrong} (given: ${raw})`));
    else values.set(name, value);
  }
  for (const param of plan.params) {
    if (values.has(param.name)) continue;
    if (param.default !== undefined) values.set(param.name, param.default);
    else if (param.required) problems.push(problem("PAR003", { file: where }, `${plan.integration} needs the param ${param.name} (${param.type}); give it ${where === "--param" ? `with --param ${param.name}=VALUE` : `under params (${param.name}: VALUE)`}`));
  }
  return problems.length > 0 ? { problems } : values;
}
