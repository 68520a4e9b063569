// Diagnostics and problems for people (code frames, one line per problem) and for tools (the
// JSON of `--json`). A spec's diagnostic has a span in its source; a problem with an input, a
// run or the store has a file and a pointer or a line and column: both carry a code from the
// one catalog, and render alike.
import type { SourceFile } from "../source/source-file.js";
import type { Diagnostic } from "./diagnostic.js";
import type { Problem } from "./problem.js";

/** `file:line:col: error CODE at /pointer: message`, each part of the place only when known. */
export function renderProblem(p: Problem): string {
  const place = p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : "";
  const pointer = p.pointer !== undefined ? ` at ${p.pointer === "" ? "the top" : p.pointer}` : "";
  return `${p.file}${place}: ${p.severity} ${p.code}${pointer}: ${p.message}`;
}

export interface JsonProblem {
  file: string;
  line?: number;
  column?: number;
  pointer?: string;
  code: string;
  severity: string;
  message: string;
}

export function problemToJson(p: Problem): JsonProblem {
  const json: JsonProblem = { file: p.file, code: p.code, severity: p.severity, message: p.message };
  if (p.line !== undefined) json.line = p.line;
  if (p.column !== undefined) json.column = p.column;
  if (p.pointer !== undefined) json.pointer = p.pointer;
  return json;
}

/** `file:line:col: error CODE: message`, the source line with the span underlined, notes, suggestion. */
export function renderText(d: Diagnostic, source: SourceFile): string {
  const start = source.position(d.span.start);
  const lines = [`${source.path}:${start.line}:${start.column}: ${d.severity} ${d.code}: ${d.message}`];
  lines.push(...frame(source, d.span.start, d.span.end));
  if (d.suggestion !== undefined) lines.push(`${gutter("")} = did you mean \`${d.suggestion}\`?`);
  for (const note of d.notes ?? []) {
    if (note.span) {
      const at = source.position(note.span.start);
      lines.push(`${gutter("")} note: ${note.message} (line ${at.line}, column ${at.column})`);
      lines.push(...frame(source, note.span.start, note.span.end));
    } else {
      lines.push(`${gutter("")} note: ${note.message}`);
    }
  }
  return lines.join("\n");
}

const GUTTER_WIDTH = 5;

function gutter(label: string): string {
  return label.padStart(GUTTER_WIDTH);
}

/** How much of a long line a frame shows, around the span. */
const FRAME_WIDTH = 120;

/** The first line of the span with carets under it; a span running past its line is marked to the line's end. */
function frame(source: SourceFile, startOffset: number, endOffset: number): string[] {
  const start = source.position(startOffset);
  const line = source.lineText(start.line).replace(/\t/g, " ");
  const end = source.position(Math.max(startOffset, endOffset));
  let first = start.column - 1; // 0-based, into `line`
  let last = end.line === start.line ? end.column - 1 : line.length; // exclusive
  let text = line;
  if (line.length > FRAME_WIDTH) {
    // Show a window of a long line: from its start when the span begins early, else from a
    // little before the span; "..." marks what is cut.
    const from = first < FRAME_WIDTH - 30 ? 0 : Math.min(first - 20, line.length - FRAME_WIDTH);
    const to = from + FRAME_WIDTH;
    text = `${from > 0 ? "..." : ""}${line.slice(from, to)}${to < line.length ? "..." : ""}`;
    const shift = from - (from > 0 ? 3 : 0);
    first -= shift;
    last = Math.min(last, to) - shift;
  }
  const width = Math.max(1, last - first);
  return [`${gutter(String(start.line))} | ${text}`, `${gutter("")} | ${" ".repeat(Math.max(0, first))}${"^".repeat(width)}`];
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: string;
  message: string;
  suggestion?: string;
  notes?: { message: string; line?: number; column?: number }[];
}

export function toJson(d: Diagnostic, source: SourceFile): JsonDiagnostic {
  const start = source.position(d.span.start);
  const end = source.position(d.span.end);
  const json: JsonDiagnostic = {
    file: source.path,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    code: d.code,
    severity: d.severity,
    message: d.message,
  };
  if (d.suggestion !== undefined) json.suggestion = d.suggestion;
  if (d.notes) {
    json.notes = d.notes.map((n) => {
      if (!n.span) return { message: n.message };
      const at = source.position(n.span.start);
      return { message: n.message, line: at.line, column: at.column };
    });
  }
  return json;
}

/** Errors first is not wanted: people read top to bottom, so order by place, then code. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
}
