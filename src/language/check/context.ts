// What every check shares: the scope of names, the systems, the diagnostics being collected,
// and the conversion of spans to the plan's line/column form.
import { diagnostic, type Diagnostic, type Extras } from "../../diagnostics/diagnostic.js";
import type { Message } from "../../diagnostics/catalog.js";
import type { CollectionDefinition, SystemCatalog } from "../systems/load.js";
import type { SourceFile, Span } from "../../source/source-file.js";
import type { ObjectType } from "../types/type.js";
import type { PlanSpan } from "../../plan/types.js";
import { SpecIndex } from "./spec-index.js";

export { Scope, type Binding } from "./scope.js";

/** A link's header, known before any body is checked so that `linked(x)` resolves anywhere. */
export interface LinkHeader {
  readonly id: string;
  readonly left: { readonly alias: string; readonly collection: CollectionDefinition; readonly system: string; readonly type: ObjectType };
  readonly right: { readonly alias: string; readonly collection: CollectionDefinition; readonly system: string; readonly type: ObjectType };
  readonly span: Span;
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** What each place of the spec refers to, for editors (spec-index.ts). */
  readonly index = new SpecIndex();
  readonly links: LinkHeader[] = [];
  /** Collections read or written, with their system's name, for the plan's key table. */
  readonly collectionsUsed = new Map<CollectionDefinition, string>();
  /** Systems the sync allows writing into. */
  writable = new Set<string>();
  syncSystems: string[] = [];

  constructor(
    readonly source: SourceFile,
    readonly systems: SystemCatalog,
  ) {}

  error(span: Span, message: Message, extras?: Extras): void {
    this.diagnostics.push(diagnostic(span, message, extras));
  }

  /** The same as `error`, for a code the catalog makes a warning: the catalog sets the severity. */
  warn(span: Span, message: Message, extras?: Extras): void {
    this.diagnostics.push(diagnostic(span, message, extras));
  }

  /** The sync line's two systems, as the messages that name both take them; set once the line is checked. */
  syncPair(): { left: string; right: string } {
    const [left = "", right = ""] = this.syncSystems;
    return { left, right };
  }

  planSpan(span: Span): PlanSpan {
    const start = this.source.position(span.start);
    const end = this.source.position(span.end);
    return [start.line, start.column, end.line, end.column];
  }

  useCollection(system: string, collection: CollectionDefinition): void {
    // Keyed by the definition, one object per collection, rather than by a name made at each use.
    if (!this.collectionsUsed.has(collection)) this.collectionsUsed.set(collection, system);
  }
}
