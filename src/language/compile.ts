// The stages of compiling a spec, in order. Each takes plain data and returns
// { value, diagnostics }; after a stage reports an error, later stages do not run, so one
// mistake is reported once.
//
//   tokenize    text -> tokens          characters that form no token, limits on size
//   parse       tokens -> syntax tree   the shape of statements, in the author's words
//   buildAst    syntax tree -> AST      typed nodes with spans; units and soft words checked
//   check       AST -> plan             names resolved against integrations/, types, sides, and
//                                       the fingerprint of each system's definition
//
// A plan is validated against plan.schema.json where it is written (`syncspec compile`)
// or loaded (a plan file: plan-file.ts); tests hold that every plan of a valid spec passes.
//
// The engine (engine/) takes it from there; src/pipeline.ts shows the whole way.
import { buildAst } from "./ast/build.js";
import type { Spec } from "./ast/nodes.js";
import { check } from "./check/check.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { tokenize } from "./lexer/lex.js";
import { parse } from "./parser/parse.js";
import type { Plan } from "../plan/types.js";
import { SourceFile } from "../source/source-file.js";
import type { SystemCatalog } from "./systems/load.js";
import type { SpecIndex } from "./check/spec-index.js";

export interface Compiled {
  readonly source: SourceFile;
  readonly ast?: Spec;
  /** What each place refers to, as the checker resolved it (for editors); absent when the spec did not parse. */
  readonly index?: SpecIndex;
  /** Present only when there is no error. */
  readonly plan?: Plan;
  readonly diagnostics: readonly Diagnostic[];
}

/** Text -> AST: the stages the formatter and editors need, without systems. */
export function parseSpec(text: string, file: string): { source: SourceFile; ast?: Spec; diagnostics: readonly Diagnostic[] } {
  const source = new SourceFile(file, text);
  const lexed = tokenize(source);
  if (!lexed.value || hasErrors(lexed.diagnostics)) return { source, diagnostics: lexed.diagnostics };
  const cst = parse(source, lexed.value);
  if (!cst.value) return { source, diagnostics: cst.diagnostics };
  const ast = buildAst(cst.value, lexed.value, text.length);
  if (!ast.value || hasErrors(ast.diagnostics)) return { source, diagnostics: ast.diagnostics };
  return { source, ast: ast.value, diagnostics: ast.diagnostics };
}

/** Text -> plan. The integration is named after the spec's file: specs/raisedonors-virtuous.sync is "raisedonors-virtuous". */
export function compileSpec(text: string, file: string, systems: SystemCatalog): Compiled {
  return checkParsed(parseSpec(text, file), file, systems);
}

/** A parsed spec -> plan: the checker's stage alone, for an editor that parsed only what an edit changed (incremental-parse.ts). */
export function checkParsed(parsed: { source: SourceFile; ast?: Spec; diagnostics: readonly Diagnostic[] }, file: string, systems: SystemCatalog): Compiled {
  if (!parsed.ast) return parsed;
  const integration = integrationName(file);
  const checked = check(parsed.ast, parsed.source, systems, integration);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  if (!checked.value || hasErrors(diagnostics)) return { source: parsed.source, ast: parsed.ast, index: checked.index, diagnostics };
  return { source: parsed.source, ast: parsed.ast, index: checked.index, plan: checked.value, diagnostics };
}

export function integrationName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.sync$/, "") || "spec";
}
