// Parsing a spec again after an edit, for an editor that parses on every keystroke: only the
// top-level statements the edit touches are parsed again, and the rest of the previous syntax
// tree is kept, moved by the edit's change of length. Where that cannot be trusted (the
// statements touched do not parse on their own, or the edit is not inside statements the
// previous tree has), it answers nothing and the caller parses the whole text.
// test/language/incremental-parse.test.ts holds it equal to a whole parse, edit after edit.
import type * as A from "./ast/nodes.js";
import { parseSpec } from "./compile.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { SourceFile, type Span } from "../source/source-file.js";

export interface Parsed {
  readonly source: SourceFile;
  readonly ast?: A.Spec;
  readonly diagnostics: readonly Diagnostic[];
}

export function reparse(previous: Parsed, text: string, file: string): Parsed | undefined {
  const ast = previous.ast;
  if (!ast || hasErrors(previous.diagnostics)) return undefined;
  const old = previous.source.text;
  // The edit: what differs between the common start and the common end of the two texts.
  const shortest = Math.min(old.length, text.length);
  let start = 0;
  while (start < shortest && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < shortest - start && old.charCodeAt(old.length - 1 - tail) === text.charCodeAt(text.length - 1 - tail)) tail++;
  const oldEnd = old.length - tail;
  const delta = text.length - old.length;
  if (delta === 0 && start === old.length) return { ...previous, source: new SourceFile(file, text) };

  // The statements the edit touches, from the line of the first to the end of the last's line.
  const statements = ast.statements;
  if (statements.length === 0) return undefined;
  // An edit after the last statement (a comment at the end) takes the last one with it; one in
  // the blank lines or comments before a statement, that statement.
  let first = statements.findIndex((s) => s.span.end >= start);
  if (first < 0) first = statements.length - 1;
  let last = first;
  for (let i = statements.length - 1; i > first; i--) {
    if (statements[i]!.span.start <= oldEnd) {
      last = i;
      break;
    }
  }
  const from = lineStart(old, Math.min(start, statements[first]!.span.start));
  // Up to the next statement (or the end): the blank lines and comments between belong to the part parsed again.
  const to = last + 1 < statements.length ? lineStart(old, statements[last + 1]!.span.start) : old.length;
  if (oldEnd > to || from > start) return undefined;

  const region = parseSpec(text.slice(from, to + delta), file);
  if (!region.ast || hasErrors(region.diagnostics)) return undefined;
  const shift = <T>(value: T, by: number): T => (by === 0 ? value : moved(value, by));
  const before = (span: Span) => span.end <= from;
  const after = (span: Span) => span.start >= to;
  return {
    source: new SourceFile(file, text),
    ast: {
      kind: "spec",
      statements: [...statements.slice(0, first), ...region.ast.statements.map((s) => shift(s, from)), ...statements.slice(last + 1).map((s) => shift(s, delta))],
      comments: [...ast.comments.filter((c) => before(c.span)), ...region.ast.comments.map((c) => shift(c, from)), ...ast.comments.filter((c) => after(c.span)).map((c) => shift(c, delta))],
      span: { start: 0, end: text.length },
    },
    diagnostics: [
      ...previous.diagnostics.filter((d) => before(d.span)),
      ...region.diagnostics.map((d) => shift(d, from)),
      ...previous.diagnostics.filter((d) => after(d.span)).map((d) => shift(d, delta)),
    ],
  };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** A copy with every span (an object of exactly `start` and `end`) moved by `by`. */
function moved<T>(value: T, by: number): T {
  if (Array.isArray(value)) return value.map((v: unknown) => moved(v, by)) as T;
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 2 && typeof object["start"] === "number" && typeof object["end"] === "number") return { start: (object["start"] as number) + by, end: (object["end"] as number) + by } as T;
  const copy: Record<string, unknown> = {};
  for (const key of keys) copy[key] = moved(object[key], by);
  return copy as T;
}
