// `syncspec compile SPEC [-o FILE]`: the plan, as JSON, with the fingerprints of the system
// definitions it was compiled against; `plan`, `apply` and `run` take the file in place of the
// spec, and refuse it once a definition has changed. Nothing is written when the spec has an error.
import { readFileSync } from "node:fs";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { renderText, sortDiagnostics } from "../diagnostics/render.js";
import { renderProblem } from "../diagnostics/render.js";
import { compileSpec } from "../language/compile.js";
import { readPlanFile } from "../language/plan-file.js";
import { planProblems } from "../plan/validate.js";
import { loadSystems } from "../language/systems/load.js";
import { displayPath, findIntegrations, MissingPath } from "../source/files.js";
import { writeFileAtomic } from "../json/write-atomic.js";

export function runCompile(spec: string, output: string | undefined, systemsDir: string | undefined, out: (t: string) => void, err: (t: string) => void): number {
  let text: string;
  try {
    text = readFileSync(spec, "utf8");
  } catch {
    throw new MissingPath(`${spec}: no such file`);
  }
  const loaded = loadSystems(findIntegrations(spec, systemsDir));
  for (const problem of loaded.problems) for (const d of problem.diagnostics) err(`${renderText(d, problem.source)}\n\n`);
  const result = compileSpec(text, displayPath(spec), loaded.systems);
  for (const d of sortDiagnostics(result.diagnostics)) err(`${renderText(d, result.source)}\n\n`);
  if (!result.plan || hasErrors(result.diagnostics)) return 1;
  const problems = planProblems(result.plan);
  if (problems.length > 0) {
    // The checker made a plan its own schema rejects: a defect in syncspec, not in the spec.
    throw new Error(`the plan for ${spec} does not match plan.schema.json: ${problems.join("; ")}`);
  }
  const json = `${JSON.stringify(result.plan, null, 2)}\n`;
  // What compile writes, `plan`, `apply` and `run` read back: the fingerprints of the two
  // systems' definitions included. A plan they would refuse is a defect here too.
  const readBack = readPlanFile(json, output ?? "the plan", loaded.systems);
  if ("problems" in readBack) throw new Error(`the plan for ${spec} would not be read back: ${readBack.problems.map(renderProblem).join("; ")}`);
  if (output) writeFileAtomic(output, json);
  else out(json);
  return 0;
}
