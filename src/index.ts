// The public API: compile a spec to a plan, and load the systems a spec is checked against.
export { compileSpec, parseSpec, integrationName, type Compiled } from "./language/compile.js";
export { loadSystems, type SystemCatalog, type SystemDefinition } from "./language/systems/load.js";
export { renderText, toJson, type JsonDiagnostic } from "./diagnostics/render.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export type { Plan } from "./plan/types.js";
export { planProblems } from "./plan/validate.js";
