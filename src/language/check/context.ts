// What every check shares: the scope of names, the systems, the diagnostics being collected,
// and the conversion of spans to the plan's line/column form.
import { diagnostic, type Diagnostic, type Extras } from "../../diagnostics/diagnostic.js";
import type { Message } from "../../diagnostics/catalog.js";
import type { CollectionDefinition, SystemCatalog, SystemDefinition } from "../systems/load.js";
import type { SourceFile, Span } from "../../source/source-file.js";
import type { ObjectType, Type } from "../types/type.js";
import type { PlanSpan } from "../../plan/types.js";

export type Binding =
  | { readonly kind: "system"; readonly system: SystemDefinition; readonly span?: Span }
  | { readonly kind: "param"; readonly type: Type; readonly span: Span }
  | { readonly kind: "view"; readonly rowType: Type; readonly keyAlias?: string; readonly span: Span; readonly origin?: CollectionDefinition }
  | { readonly kind: "var"; readonly type: Type; readonly span: Span }
  | { readonly kind: "builtin"; readonly name: "now" | "last_run"; readonly type: Type }
  /** Inside a lookup's brackets, left of `==`: a field of the candidate record. */
  | { readonly kind: "candidateField"; readonly type: Type; readonly owner: string }
  /** A name that exists but may not be read here, with the reason why. */
  | { readonly kind: "unavailable"; readonly reason: Message<"SEM010">; readonly span: Span };

export class Scope {
  private readonly names = new Map<string, Binding>();
  constructor(readonly parent?: Scope) {}

  lookup(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** Defines a name; returns the earlier binding when the name is taken. */
  define(name: string, binding: Binding): Binding | undefined {
    const earlier = this.lookup(name);
    if (earlier) return earlier;
    this.names.set(name, binding);
    return undefined;
  }

  allNames(): string[] {
    return [...this.names.keys(), ...(this.parent?.allNames() ?? [])];
  }

  child(): Scope {
    return new Scope(this);
  }
}

/** A link's header, known before any body is checked so that `linked(x)` resolves anywhere. */
export interface LinkHeader {
  readonly id: string;
  readonly left: { readonly alias: string; readonly collection: CollectionDefinition; readonly system: string; readonly type: ObjectType };
  readonly right: { readonly alias: string; readonly collection: CollectionDefinition; readonly system: string; readonly type: ObjectType };
  readonly span: Span;
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
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
