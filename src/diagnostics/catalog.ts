// The one catalog of problem codes, for the whole product. A code is prefixed by the stage
// that reports it and is never reused; grammar/errors.md is generated from it (npm run
// generate). The entries live by stage in catalog/; each holds the templates of its messages,
// and message() is the only way a report site makes the text of a problem.
import { type CatalogEntry, fill, type SlotArgs } from "./catalog/entry.js";
import { INPUTS } from "./catalog/inputs.js";
import { LANGUAGE } from "./catalog/language.js";
import { SERVICE } from "./catalog/service.js";
import { TESTS } from "./catalog/tests.js";

export type { CatalogEntry, Severity } from "./catalog/entry.js";

export const CATALOG = { ...LANGUAGE, ...INPUTS, ...TESTS, ...SERVICE } satisfies Record<string, CatalogEntry>;

export type Code = keyof typeof CATALOG;

type MessagesOf<C extends Code> = (typeof CATALOG)[C]["messages"];
export type MessageName<C extends Code> = keyof MessagesOf<C> & string;

declare const fromCatalog: unique symbol;

/** A problem's code and its text, made from the code's template; nothing else makes one. */
export interface Message<C extends Code = Code> {
  readonly code: C;
  readonly text: string;
  readonly [fromCatalog]: true;
}

/** The message `name` of `code`, its slots filled with `args`. */
export function message<C extends Code, N extends MessageName<C>>(code: C, name: N, ...args: SlotArgs<MessagesOf<C>[N] & string>): Message<C> {
  const template = (CATALOG[code].messages as Readonly<Record<string, string>>)[name]!;
  return { code, text: fill(template, args[0]) } as Message<C>;
}

/**
 * Phrases that place a problem found in one input within another: a record a spec test's
 * edit left invalid is the snapshot's problem (its code), told as part of the test.
 */
const CONTEXTS = {
  testEdit: "the edit of {system} leaves a record invalid: {where}",
  testRun: "after run {run}'s patches, a record is invalid: {where}",
  // After the problem, for a snapshot file a test case names: the file's problem keeps its code (INP, SNP).
  testSnapshotFile: " (the {system} snapshot of this case, given at {file}:{line}:{column})",
} as const;

/** The context `name`, filled, to go with the message of the problem it places. */
export function context<N extends keyof typeof CONTEXTS>(name: N, ...args: SlotArgs<(typeof CONTEXTS)[N]>): string {
  return fill(CONTEXTS[name], args[0]);
}
