// Diagnostics are data: every stage collects them and returns them; none is thrown for a
// user's mistake. Rendering (code frames, JSON) lives in render.ts.
import type { Span } from "../source/source-file.js";
import { CATALOG, type Code, type Message, type Severity } from "./catalog.js";
export type { Severity };


export interface Note {
  readonly message: string;
  /** Where the note points, in the same file; a note without a span is plain text. */
  readonly span?: Span;
}

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly notes?: readonly Note[];
  /** A replacement the author most likely meant, shown as "did you mean". */
  readonly suggestion?: string;
}

export interface Extras {
  notes?: Note[];
  suggestion?: string | undefined;
}

/** A diagnostic at `span` with a message from the catalog. */
export function diagnostic(span: Span, message: Message, extras: Extras = {}): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code: message.code,
    severity: CATALOG[message.code].severity,
    message: message.text,
    span,
  };
  if (extras.notes && extras.notes.length > 0) d.notes = extras.notes;
  if (extras.suggestion !== undefined) d.suggestion = extras.suggestion;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** What every stage returns: its value (absent when it could not produce one) and what it found. */
export interface Result<T> {
  readonly value: T | undefined;
  readonly diagnostics: readonly Diagnostic[];
}
