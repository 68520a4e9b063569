// `syncspec check [PATH ...]`: compiles every spec and reports what is wrong, for people
// (code frames) or CI (--json). Exit 1 when any spec or system definition has an error.
import { readFileSync } from "node:fs";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderText, sortDiagnostics, toJson, type JsonDiagnostic } from "../diagnostics/render.js";
import { compileSpec } from "../language/compile.js";
import type { SourceFile } from "../source/source-file.js";
import { loadSystems } from "../language/systems/load.js";
import { displayPath, findIntegrations, findSpecs } from "../source/files.js";

export interface CheckOptions {
  paths: string[];
  json: boolean;
  systems?: string;
}

export function runCheck(options: CheckOptions, out: (text: string) => void): number {
  const specs = findSpecs(options.paths.length > 0 ? options.paths : ["specs"]);
  const integrations = findIntegrations(specs[0] ? specs[0] : ".", options.systems);
  const loaded = loadSystems(integrations);
  const reports: { source: SourceFile; diagnostics: readonly Diagnostic[] }[] = [...loaded.problems];
  for (const file of specs) {
    const shown = displayPath(file);
    const result = compileSpec(readFileSync(file, "utf8"), shown, loaded.systems);
    if (result.diagnostics.length > 0) reports.push({ source: result.source, diagnostics: result.diagnostics });
  }
  const failed = reports.some((r) => hasErrors(r.diagnostics));
  if (options.json) {
    const all: JsonDiagnostic[] = reports.flatMap((r) => sortDiagnostics(r.diagnostics).map((d) => toJson(d, r.source)));
    out(`${JSON.stringify(all, null, 2)}\n`);
  } else {
    for (const report of reports) {
      for (const d of sortDiagnostics(report.diagnostics)) out(`${renderText(d, report.source)}\n\n`);
    }
    const errors = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === "error").length, 0);
    const warnings = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === "warning").length, 0);
    const counts = [`${errors} error${errors === 1 ? "" : "s"}`, ...(warnings > 0 ? [`${warnings} warning${warnings === 1 ? "" : "s"}`] : [])];
    out(`checked ${specs.length} spec${specs.length === 1 ? "" : "s"} against ${loaded.systems.size} systems: ${counts.join(", ")}\n`);
  }
  return failed ? 1 : 0;
}
