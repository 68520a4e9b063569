// What an editor asks of a spec, answered from the checker's own index (language/check/
// spec-index.ts): completion in context, hover, go to definition, document symbols and
// formatting. Positions are the protocol's (0-based lines, UTF-16 characters); the spec's
// spans are offsets into the text.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseDocument } from "yaml";
import {
  CompletionItemKind,
  DiagnosticSeverity,
  SymbolKind,
  type CompletionItem,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type Range,
  type TextEdit,
} from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Statement } from "../language/ast/nodes.js";
import type { Binding } from "../language/check/context.js";
import type { MemberRef, NameRef } from "../language/check/spec-index.js";
import { parseSpec } from "../language/compile.js";
import { formatSpec } from "../language/format/format.js";
import { FUNCTIONS, type FunctionDeclaration } from "../language/functions/catalog.js";
import { KEYWORDS } from "../language/lexer/tokens.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";
import { describe, type Type } from "../language/types/type.js";
import type { Span } from "../source/source-file.js";
import { yamlKeySpan } from "../source/yaml-span.js";
import { SourceFile } from "../source/source-file.js";
import type { Analysis, Workspace } from "./analysis.js";

/** A word put where the cursor is, so that a spec in the middle of one still parses and checks: the checker then says what may stand there. */
const HERE = "syncspec_completion_here";

const rangeOf = (doc: TextDocument, span: Span): Range => ({ start: doc.positionAt(span.start), end: doc.positionAt(span.end) });

/** The spec's diagnostics as the protocol carries them: the same codes and messages as `syncspec check`, its did-you-mean and notes after the message. */
export function diagnosticsOf(doc: TextDocument, analysis: Analysis): LspDiagnostic[] {
  const found: LspDiagnostic[] = analysis.compiled.diagnostics.map((d: Diagnostic) => ({
    range: rangeOf(doc, d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "syncspec",
    message: [d.message, ...(d.suggestion !== undefined ? [`did you mean \`${d.suggestion}\`?`] : []), ...(d.notes ?? []).map((n) => n.message)].join("\n"),
    ...((d.notes ?? []).some((n) => n.span) ? { relatedInformation: (d.notes ?? []).flatMap((n) => (n.span ? [{ location: { uri: doc.uri, range: rangeOf(doc, n.span) }, message: n.message }] : [])) } : {}),
  }));
  // A broken system definition stops every spec that names it: said at the top, with its own place.
  for (const problem of analysis.systems.problems) {
    for (const d of problem.diagnostics) {
      const at = problem.source.position(d.span.start);
      found.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, code: d.code, source: "syncspec", message: `${problem.source.path}:${at.line}:${at.column}: ${d.message}` });
    }
  }
  return found;
}

export function completion(workspace: Workspace, doc: TextDocument, path: string, position: { line: number; character: number }): CompletionItem[] {
  const text = doc.getText();
  const offset = doc.offsetAt(position);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(0, offset))?.[0] ?? "";
  const start = offset - word.length;
  const afterDot = text[start - 1] === ".";
  const patched = `${text.slice(0, start)}${HERE}${text.slice(offset)}`;
  const analysis = workspace.analyze(path, patched);
  const index = analysis.compiled.index;
  const systems = analysis.systems.systems;
  if (afterDot) {
    const member = index?.members.find((m) => m.span.start === start);
    return member ? membersOf(member) : [];
  }
  // Inside a string compared with, or written into, a field of allowed values: those values.
  const allowed = index?.allowed.find((a) => a.span.start < start && start < a.span.end);
  if (allowed) return allowed.values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
  const name = index?.names.find((n) => n.span.start === start);
  if (name) return [...namesIn(name), ...functionItems(), ...keywordItems()];
  // Where no expression can stand (a statement's start, a system's name): the words and the systems.
  return [...keywordItems(), ...[...systems.values()].map((s) => ({ label: s.name, kind: CompletionItemKind.Module, detail: s.title }))];
}

function membersOf(member: MemberRef): CompletionItem[] {
  if (member.kind === "collection") {
    return [...member.system.collections.values()].map((c) => ({ label: c.name, kind: CompletionItemKind.Class, detail: `${member.system.name}.${c.name} (key ${c.key})` }));
  }
  return [...member.owner.fields].map(([field, type]) => ({ label: field, kind: CompletionItemKind.Field, detail: describe(type) }));
}

function namesIn(ref: NameRef): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const name of ref.scope.allNames()) {
    if (seen.has(name) || name === HERE) continue;
    seen.add(name);
    const binding = ref.scope.lookup(name);
    if (!binding || binding.kind === "unavailable") continue;
    items.push({ label: name, kind: kindOf(binding), detail: bindingDetail(name, binding) });
  }
  return items;
}

function kindOf(binding: Binding): CompletionItemKind {
  switch (binding.kind) {
    case "system":
      return CompletionItemKind.Module;
    case "param":
      return CompletionItemKind.Constant;
    case "view":
      return CompletionItemKind.Interface;
    case "builtin":
      return CompletionItemKind.Constant;
    default:
      return CompletionItemKind.Variable;
  }
}

function functionItems(): CompletionItem[] {
  return FUNCTIONS.map((fn) => ({ label: fn.name, kind: CompletionItemKind.Function, detail: fn.signature, documentation: { kind: "markdown", value: functionDoc(fn) } }));
}

function keywordItems(): CompletionItem[] {
  return KEYWORDS.map((k) => ({ label: k, kind: CompletionItemKind.Keyword }));
}

function functionDoc(fn: FunctionDeclaration): string {
  const examples = fn.examples.map((e) => `${e.call}  →  ${JSON.stringify(e.result)}`).join("\n");
  return `\`${fn.signature}\`\n\n${fn.summary}${examples ? `\n\n\`\`\`\n${examples}\n\`\`\`` : ""}`;
}

function typeDoc(type: Type): string {
  return type.kind === "enum" && type.values.length > 1 ? `one of ${type.values.map((v) => JSON.stringify(v)).join(", ")}` : describe(type);
}

function bindingDetail(name: string, binding: Binding): string {
  switch (binding.kind) {
    case "system":
      return `system ${binding.system.name}: ${binding.system.title}`;
    case "param":
      return `param ${name}: ${typeDoc(binding.type)}`;
    case "view":
      return `view ${name}: rows of ${describe(binding.rowType)}`;
    case "builtin":
      return `${name}: ${describe(binding.type)}`;
    case "candidateField":
      return `${name}: ${describe(binding.type)}, a field of the ${binding.owner} record looked up`;
    case "var":
      return `${name}: ${describe(binding.type)}`;
    case "unavailable":
      return binding.reason.text;
  }
}

export function hover(analysis: Analysis, doc: TextDocument, position: { line: number; character: number }): Hover | null {
  const index = analysis.compiled.index;
  if (!index) return null;
  const offset = doc.offsetAt(position);
  const call = index.callAt(offset);
  if (call) return { contents: { kind: "markdown", value: functionDoc(call.fn) }, range: rangeOf(doc, call.span) };
  const member = index.memberAt(offset);
  if (member) {
    if (member.kind === "collection") {
      const c = member.collection;
      return c ? { contents: { kind: "markdown", value: `\`${member.system.name}.${c.name}\`: a collection of ${member.system.title}, keyed by \`${c.key}\`` }, range: rangeOf(doc, member.span) } : null;
    }
    const owner = member.owner.record ? `${member.owner.record.system}.${member.owner.record.collection}` : "the object";
    return member.type ? { contents: { kind: "markdown", value: `\`${member.field}\`: ${typeDoc(member.type)}\n\na field of ${owner}` }, range: rangeOf(doc, member.span) } : null;
  }
  const name = index.nameAt(offset);
  if (name?.binding) return { contents: { kind: "markdown", value: `\`${bindingDetail(name.name, name.binding)}\`` }, range: rangeOf(doc, name.span) };
  return null;
}

export function definition(analysis: Analysis, doc: TextDocument, position: { line: number; character: number }, systems: SystemCatalog): Location | null {
  const index = analysis.compiled.index;
  if (!index) return null;
  const offset = doc.offsetAt(position);
  const member = index.memberAt(offset);
  if (member) {
    if (member.kind === "collection") return member.collection ? inSystemFile(member.system, ["collections", member.collection.name]) : null;
    const record = member.owner.record;
    const system = record ? systems.get(record.system) : undefined;
    return record && system && member.type ? inSystemFile(system, ["collections", record.collection, "schema", "properties", member.field]) : null;
  }
  const name = index.nameAt(offset);
  const binding = name?.binding;
  if (!binding) return null;
  if (binding.kind === "system") return inSystemFile(binding.system, ["system"]);
  if ("span" in binding && binding.span) return { uri: doc.uri, range: rangeOf(doc, binding.span) };
  return null;
}

/** A place in a system's definition: its file, at the key of the path. */
function inSystemFile(system: SystemDefinition, path: readonly string[]): Location | null {
  let text: string;
  try {
    text = readFileSync(system.file, "utf8");
  } catch {
    return null;
  }
  const span = yamlKeySpan(parseDocument(text), path);
  const source = new SourceFile(system.file, text);
  const start = source.position(span.start);
  const end = source.position(span.end);
  return { uri: pathToFileURL(system.file).href, range: { start: { line: start.line - 1, character: start.column - 1 }, end: { line: end.line - 1, character: end.column - 1 } } };
}

export function documentSymbols(analysis: Analysis, doc: TextDocument): DocumentSymbol[] {
  const ast = analysis.compiled.ast;
  if (!ast) return [];
  return ast.statements.map((s) => symbolOf(s, doc));
}

function symbolOf(s: Statement, doc: TextDocument): DocumentSymbol {
  const text = doc.getText();
  const words = (span: Span): string => text.slice(span.start, span.end).replace(/\s+/g, " ");
  const symbol = (name: string, kind: SymbolKind, selection: Span): DocumentSymbol => ({ name, kind, range: rangeOf(doc, s.span), selectionRange: rangeOf(doc, selection) });
  switch (s.kind) {
    case "sync":
      return symbol(`sync ${s.left.name} ${s.direction} ${s.right.name}`, SymbolKind.Package, s.span);
    case "param":
      return symbol(s.name.name, SymbolKind.Constant, s.name.span);
    case "view":
      return symbol(s.name.name, SymbolKind.Interface, s.name.span);
    case "link":
      return symbol(`link ${s.left.alias.name} ${s.direction} ${s.right.alias.name}`, SymbolKind.Class, s.left.alias.span);
    case "rule":
      return symbol(`rule: ${s.action.kind === "delete" ? "delete" : s.action.mode} ${words(s.action.target.span)}`, SymbolKind.Method, s.action.span);
    case "limit":
      return symbol(`limit ${s.measure.name} ${words(s.target.span)}`, SymbolKind.Property, s.span);
    case "eventTrigger":
      return symbol(`on ${s.system.name} ${s.events?.map((e) => e.name).join(", ") ?? "any event"}`, SymbolKind.Event, s.system.span);
    case "scheduleTrigger":
      return symbol(words(s.schedule.span), SymbolKind.Event, s.schedule.span);
  }
}

/** The whole document in the canonical layout, or no edit where it does not parse (its diagnostics say why). */
export function formatting(doc: TextDocument, path: string): TextEdit[] {
  const text = doc.getText();
  const parsed = parseSpec(text, path);
  if (!parsed.ast) return [];
  const formatted = formatSpec(parsed.ast, text);
  if (formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: formatted }];
}
