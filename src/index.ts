// The public API: the stages of pipeline.ts, and what they take and give.
export { compile, evaluate, patchesOf, applyToDocument, write } from "./pipeline.js";
export { compileSpec, parseSpec, integrationName, type Compiled } from "./language/compile.js";
export { loadSystems, type SystemCatalog, type SystemDefinition } from "./language/systems/load.js";
export { renderText, toJson, type JsonDiagnostic } from "./diagnostics/render.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export type { Plan } from "./plan/types.js";
export { planProblems } from "./plan/validate.js";
export type { RunInput, RunResult } from "./engine/run.js";
export type { RecordChange, RecordRef } from "./engine/changes.js";
