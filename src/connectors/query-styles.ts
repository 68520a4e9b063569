// How a request for part of a collection (some keys, a field's values, what was modified
// since a time) goes over a system's API, as its connector.yaml `reads:` declares it: one GET
// per key, a query in the vendor's style, or, where the API cannot answer it, the collection
// read whole. Three query styles: params (GET /{collection}?field=value), virtuous (POST
// /{collection}/Query with a body of conditions) and soql (Salesforce's GET /query?q=SELECT ...).
// A query's later pages follow the system's pagination style as a whole list's do.
import type { ReadRequest } from "../input/read-request.js";
import type { CollectionDefinition } from "../language/systems/load.js";
import { firstPageUrl, proofOfWholeness } from "./pagination.js";
import type { CollectionReads, ConnectorSettings, ReadSettings } from "./settings.js";

/** One page asked for: lists and params queries GET a URL, a Virtuous query POSTs its body to each page's URL. */
export interface PageRequest {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly body?: unknown;
}

/** One query of a collection: by equality of a record field with any of some values, or modified at or after an instant. */
export type Query = { readonly field: string; readonly values: readonly string[] } | { readonly modifiedSince: string };

/** How a request is answered: as asked, by a GET per key (`keys`) and queries, or by the collection read whole. */
export type Lowered = { readonly form: "asked"; readonly keys: readonly string[]; readonly queries: readonly Query[] } | { readonly form: "whole" };

/**
 * Up to this many keys are fetched one GET each even when the key field can be queried: a
 * query's answer is a page with paging around it, a GET of one record is the cheapest call.
 */
export const FEW_KEYS = 4;

/** The form a request takes over the API, as the system's `reads:` allow; whole when they do not say how. */
export function lowerRequest(settings: ConnectorSettings, collection: CollectionDefinition, request: ReadRequest): Lowered {
  const reads = settings.reads;
  const declared = reads?.collections.get(collection.name);
  if (reads === undefined || declared === undefined || "whole" in request) return { form: "whole" };
  if ("keys" in request) {
    const keys = [...new Set(request.keys)];
    // "." and ".." have no path of their own: a URL reads them as directory steps.
    const gettable = (key: string): boolean => declared.get && key !== "." && key !== "..";
    const queryable = (key: string): boolean => declared.by.has(collection.key) && sendable(reads, key);
    if (keys.every(gettable) && (keys.length < FEW_KEYS || !declared.by.has(collection.key))) return { form: "asked", keys, queries: [] };
    // Queries for the keys they can carry, a GET for each other one.
    const got = keys.filter((key) => !queryable(key));
    if (!got.every(gettable)) return { form: "whole" };
    return { form: "asked", keys: got, queries: valueBatches(reads, keys.filter(queryable)).map((values) => ({ field: collection.key, values })) };
  }
  if ("field" in request) {
    if (!declared.by.has(request.field) || !request.values.every((value) => sendable(reads, value))) return { form: "whole" };
    return { form: "asked", keys: [], queries: valueBatches(reads, request.values).map((values) => ({ field: request.field, values })) };
  }
  const since = declared.modifiedSince;
  const at = Date.parse(request.modifiedSince);
  // A time that is not one cannot be asked for; the whole collection answers any request.
  if (since === undefined || Number.isNaN(at)) return { form: "whole" };
  return { form: "asked", keys: [], queries: [{ modifiedSince: instant(at - since.lookbackSeconds * 1000) }] };
}

/**
 * The requests a lowered form takes at the least: a GET per key, a page per query (most key
 * and field queries fit one page, and one page needs no second read to prove it whole).
 */
export function scopedCost(lowered: Lowered): number {
  return lowered.form === "asked" ? lowered.keys.length + lowered.queries.length : Number.POSITIVE_INFINITY;
}

/**
 * The requests a whole read of `total` records takes: pages that overlap by one record, and
 * where the style proves wholeness by reading again, twice that.
 */
export function wholeReadCost(settings: ConnectorSettings, total: number): number {
  const pages = Math.max(1, Math.ceil(total / Math.max(settings.pageSize - 1, 1)));
  return proofOfWholeness(settings.pagination) === "reread" ? 2 * pages : pages;
}

/**
 * Whether a value can be sent as a filter's value. In comma style it cannot hold a comma: the
 * API splits the parameter at every comma, even with one value in it ("a,b" is asked as "a" or
 * "b"), so such a value is fetched by key or its collection read whole.
 */
export function sendable(reads: ReadSettings, value: string): boolean {
  return !(reads.query === "params" && reads.values === "comma" && value.includes(","));
}

/** Values in batches of maxValues, each value once. */
export function valueBatches(reads: ReadSettings, values: readonly string[]): string[][] {
  const unique = [...new Set(values)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += reads.maxValues) batches.push(unique.slice(i, i + reads.maxValues));
  return batches;
}

/** The first page of a query in the system's style, under the connection's base URL (which ends in "/"). */
export function firstQueryPage(settings: ConnectorSettings, collection: CollectionDefinition, base: URL, query: Query): PageRequest {
  const reads = settings.reads;
  const declared = reads?.collections.get(collection.name);
  if (reads === undefined || declared === undefined) throw new Error(`${collection.name}: its system declares no reads, so it cannot be queried`);
  const filter = filterOf(declared, collection, query);
  const collectionUrl = new URL(encodeURIComponent(collection.name), base);
  switch (reads.query) {
    case "params": {
      const url = new URL(collectionUrl);
      if (filter.values === undefined) url.searchParams.set(filter.param, filter.since);
      else if (reads.values === "comma") url.searchParams.set(filter.param, filter.values.join(","));
      else for (const value of filter.values) url.searchParams.append(filter.param, value);
      return { method: "GET", url: firstPageUrl(settings.pagination, url, settings.pageSize) };
    }
    case "virtuous": {
      const condition =
        filter.values === undefined
          ? { parameter: filter.param, operator: "OnOrAfter", value: filter.since }
          : filter.values.length === 1
            ? { parameter: filter.param, operator: "Is", value: filter.values[0] }
            : { parameter: filter.param, operator: "In", values: filter.values };
      const url = firstPageUrl(settings.pagination, new URL(`${encodeURIComponent(collection.name)}/Query`, base), settings.pageSize);
      // Sorted by key, so that pages are in a stable order and overlap where they should.
      return { method: "POST", url, body: { groups: [{ conditions: [condition] }], sortBy: declared.by.get(collection.key) ?? collection.key, descending: false } };
    }
    case "soql": {
      const where = filter.values === undefined ? `${filter.param} >= ${filter.since}` : filter.values.length === 1 ? `${filter.param} = ${soqlString(filter.values[0]!)}` : `${filter.param} IN (${filter.values.map(soqlString).join(", ")})`;
      const url = new URL("query", base);
      url.searchParams.set("q", `SELECT ${soqlFields(collection).join(", ")} FROM ${collection.name} WHERE ${where} ORDER BY ${collection.key}`);
      return { method: "GET", url };
    }
  }
}

/** The API's name for a query's filter and what it compares with. */
function filterOf(declared: CollectionReads, collection: CollectionDefinition, query: Query): { param: string; values: readonly string[]; since?: undefined } | { param: string; values?: undefined; since: string } {
  if ("field" in query) {
    const param = declared.by.get(query.field);
    if (param === undefined) throw new Error(`${collection.name}: ${query.field} is not a field its system declares it can be queried by`);
    return { param, values: query.values };
  }
  if (declared.modifiedSince === undefined) throw new Error(`${collection.name}: its system declares no modifiedSince`);
  return { param: declared.modifiedSince.param, since: query.modifiedSince };
}

/** The fields a SOQL query selects: every top-level property of the record's schema, key first (never FIELDS(ALL), which Salesforce caps at 200 rows). */
function soqlFields(collection: CollectionDefinition): string[] {
  const properties = Object.keys((collection.schema["properties"] ?? {}) as Record<string, unknown>);
  return [collection.key, ...properties.filter((name) => name !== collection.key)];
}

/** A SOQL string literal: single quotes, with backslash escapes for the characters SOQL escapes. */
export function soqlString(value: string): string {
  const escapes: Record<string, string> = { "\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => escapes[c]!)}'`;
}

/** An instant as APIs take it: ISO 8601 in UTC, without milliseconds when there are none. */
function instant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}
