// One entry of the catalog: a code's severity, its title and help for grammar/errors.md, and
// its messages. A message is a template with `{slot}`s (a letter, then letters and digits)
// that the report site fills; the type below reads the slots out of the template, so a
// report site that leaves one out, or names one the template lacks, does not compile. A `{`
// not followed by a slot name and `}` is text, as in "expected `{`".

export type Severity = "error" | "warning";

/** A code's messages, by a name that says when each is used. */
export type Messages = Readonly<Record<string, string>>;

export interface CatalogEntry<M extends Messages = Messages> {
  readonly severity: Severity;
  /** A short title, as in the generated reference. */
  readonly title: string;
  /** What it means and how to fix it, for grammar/errors.md. */
  readonly help: string;
  readonly messages: M;
}

export function error<const M extends Messages>(title: string, help: string, messages: M): CatalogEntry<M> {
  return { severity: "error", title, help, messages };
}
export function warning<const M extends Messages>(title: string, help: string, messages: M): CatalogEntry<M> {
  return { severity: "warning", title, help, messages };
}

/** The slot names of a template: `{name}` where name is a letter, then letters and digits. */
export type Slots<T extends string> = T extends `${string}{${infer K}}${infer Rest}`
  ? (K extends `${string}{${infer Inner}` ? SlotName<Inner> : SlotName<K>) | Slots<Rest>
  : never;
type SlotName<K extends string> = K extends "" | `${string}${NotInName}${string}` ? never : K;
type NotInName = " " | "`" | '"' | "'" | "," | "." | ":" | "-" | "(" | ")" | "[" | "]" | "{" | "/" | "=" | "<" | ">" | "|";

/** What a report site gives for a template: one value per slot, or nothing when it has none. */
export type SlotArgs<T extends string> = [Slots<T>] extends [never] ? [] : [args: { readonly [K in Slots<T>]: string | number }];

const SLOT = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** The template with its slots filled; a slot without a value (which the types rule out) stays as written. */
export function fill(template: string, args: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(SLOT, (whole, name: string) => (Object.hasOwn(args, name) ? String(args[name]) : whole));
}

/** The slot names the runtime finds in a template, for the catalog's own test. */
export function slotNames(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => m[1]!);
}
