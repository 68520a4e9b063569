// The names a spec defines and where: each binding (a system, a param, a view, an alias or
// a let, a built-in) in the scope of the statement or clause that defines it.
import type { Message } from "../../diagnostics/catalog.js";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import type { Span } from "../../source/source-file.js";
import type { Type } from "../types/type.js";

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
