// What the checker learned about each place in a spec, kept for editors (src/lsp/): which
// name a word refers to and where it is defined, the type of each field read and the record
// it belongs to, the collection a `system.collection` names, the function a call calls, and
// the names in scope wherever a name is read. The checker records as it resolves, so an
// editor's answers are the checker's own, never a second reading of the spec.
import type { Span } from "../../source/source-file.js";
import type { FunctionDeclaration } from "../functions/catalog.js";
import type { CollectionDefinition, SystemDefinition } from "../systems/load.js";
import type { ObjectType, Type } from "../types/type.js";
import type { Binding, Scope } from "./scope.js";

/** A name read: what it is bound to (undefined where nothing is), and the names in scope there. */
export interface NameRef {
  readonly span: Span;
  readonly name: string;
  readonly binding?: Binding;
  readonly scope: Scope;
}

/** `.field` read of a record or object (its type undefined where the owner has no such field). */
export interface FieldRef {
  readonly kind: "field";
  readonly span: Span;
  readonly field: string;
  readonly owner: ObjectType;
  readonly type?: Type;
}

/** `system.collection` (the collection undefined where the system has none of that name). */
export interface CollectionRef {
  readonly kind: "collection";
  readonly span: Span;
  readonly name: string;
  readonly system: SystemDefinition;
  readonly collection?: CollectionDefinition;
}

export type MemberRef = FieldRef | CollectionRef;

/** A function called, at its name. */
export interface CallRef {
  readonly span: Span;
  readonly fn: FunctionDeclaration;
}

/** A string where only some values are allowed (compared with, or written into, an enum): those values. */
export interface AllowedValues {
  readonly span: Span;
  readonly values: readonly string[];
}

export class SpecIndex {
  readonly names: NameRef[] = [];
  readonly allowed: AllowedValues[] = [];
  readonly members: MemberRef[] = [];
  readonly calls: CallRef[] = [];

  /** The innermost reference whose span holds the offset (its end included, where a cursor sits after a word). */
  nameAt(offset: number): NameRef | undefined {
    return innermost(this.names, offset);
  }

  memberAt(offset: number): MemberRef | undefined {
    return innermost(this.members, offset);
  }

  callAt(offset: number): CallRef | undefined {
    return innermost(this.calls, offset);
  }

  allowedAt(offset: number): AllowedValues | undefined {
    return innermost(this.allowed, offset);
  }
}

function innermost<T extends { readonly span: Span }>(refs: readonly T[], offset: number): T | undefined {
  let found: T | undefined;
  for (const ref of refs) {
    if (ref.span.start <= offset && offset <= ref.span.end && (!found || ref.span.end - ref.span.start < found.span.end - found.span.start)) found = ref;
  }
  return found;
}
