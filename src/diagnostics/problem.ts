// A problem with something other than a spec's text: an input file (snapshot, param, event,
// state, plan, deployment, settings, test file), a run that stopped, the service's store.
// It is the same model as a spec's diagnostic (a code from the one catalog, a severity, a
// place and a message), with its place given as a file and a JSON Pointer or a line and
// column, since inputs are data. render.ts renders both kinds, as text and as JSON.
import { CATALOG, type Code, type Message, type Severity } from "./catalog.js";

/** Where a problem is: the file (or the option, such as `--param`), then a JSON Pointer into it, or a line and column, or both. */
export interface Place {
  readonly file: string;
  /** JSON Pointer into the document ("" for the whole document). */
  readonly pointer?: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Problem extends Place {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
}

/** A problem at `place` with a message from the catalog. */
export function problem(place: Place, message: Message): Problem {
  return { code: message.code, severity: CATALOG[message.code].severity, ...place, message: message.text };
}

/** A problem that stops what the caller was doing, thrown through layers that cannot return it (the store). */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}
