// What a run asks a system for, when it needs less than whole collections: some records by
// key, the records whose field holds one of some values (a match key, a foreign key), or the
// records modified since a time. One definition of what each request selects, so that a
// system's answer (the sandbox's), a test's in-memory answer and the engine's idea of what it
// was told agree.
import { listed } from "../diagnostics/lists.js";
import { ownMember } from "../json/own.js";
import { byCodeUnits, type Rec } from "../json/values.js";

export type ReadRequest =
  | { readonly collection: string; readonly whole: true }
  | { readonly collection: string; readonly keys: readonly string[] }
  | { readonly collection: string; readonly field: string; readonly values: readonly string[] }
  | { readonly collection: string; readonly modifiedSince: string };

export interface SystemReadRequest {
  readonly system: string;
  readonly request: ReadRequest;
}

/** How one request was answered: as asked, by reading its collection whole, or not (and why). */
export type RequestAnswer =
  | {
      readonly request: ReadRequest;
      /** "asked": the request itself was answered; "whole": its collection was read whole instead (the API cannot ask it, or that was cheaper). */
      readonly as: "asked" | "whole";
      /** For a request by keys: the keys asked for that the system proved it does not hold. */
      readonly absent?: readonly string[];
    }
  | { readonly request: ReadRequest; readonly problem: string };

export interface RequestedRead {
  /** The records found: collection -> key -> record, each checked against its schema as a whole read checks it. A request that failed adds none. */
  readonly document: Record<string, Record<string, Rec>>;
  /** One per request, in the order asked. Only answered requests say anything about what the system holds. */
  readonly answers: readonly RequestAnswer[];
  /** Collection -> its number of records, for each collection read whole: the next call's hint. */
  readonly totals: ReadonlyMap<string, number>;
}

export interface ReadHints {
  /** Collection -> how many records it held when last read whole: a request that would cost more than a whole read is answered by one. */
  readonly totals?: ReadonlyMap<string, number>;
}

/**
 * A field's value as a filter compares it: text as it is, a number or a boolean as JSON
 * writes it (an API takes `?amount=25.5` as text). Null, lists and objects are never equal to
 * a filter's value.
 */
export function filterText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  return undefined;
}

/**
 * Whether `request` selects the record at `key`. `stamp` is when the record was last modified
 * as its system keeps it: a field of the record, or a stamp the system holds beside it (SKY
 * API's date_modified, Salesforce's SystemModstamp); undefined when unknown, which a
 * modified-since request selects, since a record not known to be old may be new.
 */
export function selects(request: ReadRequest, key: string, record: Rec, stamp: string | undefined): boolean {
  if ("whole" in request) return true;
  if ("keys" in request) return request.keys.includes(key);
  if ("field" in request) {
    const text = filterText(ownMember(record, request.field));
    return text !== undefined && request.values.includes(text);
  }
  if (stamp === undefined) return true;
  const at = Date.parse(stamp);
  return Number.isNaN(at) || at >= Date.parse(request.modifiedSince);
}

/** The keys of the records `request` selects, in code-unit order: what a system answers to it. */
export function selectKeys(records: ReadonlyMap<string, Rec>, request: ReadRequest, stampOf: (key: string, record: Rec) => string | undefined): string[] {
  if ("keys" in request) return [...new Set(request.keys)].filter((key) => records.has(key)).sort(byCodeUnits);
  // A field query over many records looks its values up in a set; `selects` says the same, slower.
  const values = "field" in request ? new Set(request.values) : undefined;
  const keys: string[] = [];
  for (const [key, record] of records) {
    if (values) {
      const text = filterText(ownMember(record, (request as { field: string }).field));
      if (text !== undefined && values.has(text)) keys.push(key);
    } else if (selects(request, key, record, stampOf(key, record))) keys.push(key);
  }
  return keys.sort(byCodeUnits);
}

/** A request in words, for a run's log and a failed read's message: "donors 1001 and 1002", "contacts whose referenceId is 1001". */
export function describeRequest(request: ReadRequest): string {
  if ("whole" in request) return `all of ${request.collection}`;
  if ("keys" in request) return `${request.collection} ${shortList(request.keys)}`;
  if ("field" in request) return `${request.collection} whose ${request.field} is ${shortList(request.values.map((v) => JSON.stringify(v)), "or")}`;
  return `${request.collection} modified since ${request.modifiedSince}`;
}

function shortList(items: readonly string[], last: "and" | "or" = "and"): string {
  return listed(items.length > 5 ? [...items.slice(0, 4), `${items.length - 4} more`] : items, last);
}


/**
 * Requests answered from records at hand (snapshot files, a test's world), as a system with
 * every query would answer them: what each selects, and for keys the ones it does not hold.
 * A record's modified stamp is read from `stampField`, where the collection has one.
 */
export function answerFrom(records: Readonly<Record<string, Readonly<Record<string, Rec>>>>, requests: readonly ReadRequest[], stampField: (collection: string) => string | undefined = () => undefined): RequestedRead {
  const document: Record<string, Record<string, Rec>> = {};
  const totals = new Map<string, number>();
  const answers: RequestAnswer[] = requests.map((request) => {
    const held = ownMember(records, request.collection) as Readonly<Record<string, Rec>> | undefined;
    if (held === undefined) return { request, problem: `there is no collection "${request.collection}"` };
    const table = new Map(Object.entries(held));
    const stamp = stampField(request.collection);
    const keys = "whole" in request ? [...table.keys()] : selectKeys(table, request, (_key, record) => (stamp === undefined ? undefined : (filterText(ownMember(record, stamp)) ?? undefined)));
    const into = (document[request.collection] ??= Object.create(null) as Record<string, Rec>);
    for (const key of keys) Object.defineProperty(into, key, { value: table.get(key), enumerable: true, writable: true, configurable: true });
    if ("whole" in request) {
      totals.set(request.collection, table.size);
      return { request, as: "whole" as const };
    }
    return { request, as: "asked" as const, ...("keys" in request ? { absent: request.keys.filter((key) => !table.has(key)) } : {}) };
  });
  return { document, answers, totals };
}
