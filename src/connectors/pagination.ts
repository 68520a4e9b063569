// The four ways the vendors page a collection (integrations/<system>/connector.yaml names
// one): the first page's URL, and from each page's answer its records and the next page's
// URL. An answer of the wrong shape, or one that contradicts itself (more records promised
// than given), is a problem: a collection read short would make records look deleted.
//
// Paging by offset shifts when a record before the offset is deleted between two pages: the
// record after it is never given, and a record added meanwhile keeps the total unchanged. So
// each style says how its read proves it missed nothing (see `proofOfWholeness`).
import type { PaginationStyle } from "./settings.js";
import { isObject } from "../json/own.js";

export interface Page {
  readonly records: readonly unknown[];
  /** The next page, or null after the last. */
  readonly next: URL | null;
  /** How many records the system says the collection holds, where its paging says. */
  readonly total?: number;
  /** Whether the page was asked to begin with the last record of the page before (see `proofOfWholeness`). */
  readonly overlaps?: boolean;
}

/**
 * How a read in a style proves it is whole:
 * - "overlap": skip-take and offset-limit let the reader choose the offset, so each page after
 *   the first begins one record back, at the last record already read. Had anything before it
 *   been deleted or added, another record would stand there; with a total that stays put and a
 *   count that meets it, no record can have slipped behind the read.
 * - "reread": page-next-link gives neither a total nor a say over the offset, so the collection
 *   is read a second time and the keys compared. A record skipped by the first read was passed
 *   over because one it had read was deleted, and the second read lacks that one.
 * - "cursor": Salesforce's nextRecordsUrl is a query locator over the query's records, which
 *   nothing done to the object meanwhile shifts; its totalSize is checked all the same.
 */
export function proofOfWholeness(style: PaginationStyle): "overlap" | "reread" | "cursor" {
  if (style === "page-next-link") return "reread";
  return style === "next-records-url" ? "cursor" : "overlap";
}

/** The URL of a collection's first page, under the connection's base URL. */
export function firstPageUrl(style: PaginationStyle, collectionUrl: URL, pageSize: number): URL {
  const url = new URL(collectionUrl);
  if (style === "skip-take") setQuery(url, { skip: 0, take: pageSize });
  else if (style === "page-next-link") setQuery(url, { page: 1, per_page: pageSize });
  else if (style === "offset-limit") setQuery(url, { offset: 0, limit: pageSize });
  return url;
}

/** Reads one page's answer, or says what is wrong with it. */
export function readPage(style: PaginationStyle, requested: URL, body: unknown, pageSize: number): Page | { problem: string } {
  const answer = isObject(body) ? body : undefined;
  switch (style) {
    case "skip-take": {
      const list = answer?.["list"];
      const total = answer?.["total"];
      if (!Array.isArray(list) || typeof total !== "number") return { problem: 'the answer is not a skip-take page: {"list": [...], "total": N} was expected' };
      return counted(requested, list, total, "skip", "take", pageSize);
    }
    case "offset-limit": {
      const value = answer?.["value"];
      const count = answer?.["count"];
      if (!Array.isArray(value) || typeof count !== "number") return { problem: 'the answer is not an offset-limit page: {"count": N, "value": [...]} was expected' };
      return counted(requested, value, count, "offset", "limit", pageSize);
    }
    case "page-next-link": {
      const data = answer?.["data"];
      const links = answer?.["links"];
      const next = isObject(links) ? links["next"] : undefined;
      if (!Array.isArray(data) || !(next === null || next === undefined || typeof next === "string")) {
        return { problem: 'the answer is not a page with a next link: {"data": [...], "links": {"next": URL or null}} was expected' };
      }
      return linked(requested, data, typeof next === "string" ? next : null);
    }
    case "next-records-url": {
      const records = answer?.["records"];
      const done = answer?.["done"];
      const nextUrl = answer?.["nextRecordsUrl"];
      if (!Array.isArray(records) || typeof done !== "boolean" || (!done && typeof nextUrl !== "string")) {
        return { problem: 'the answer is not a query result: {"records": [...], "done": true or false, "nextRecordsUrl" when not done} was expected' };
      }
      const totalSize = answer?.["totalSize"];
      const page = linked(requested, records, done ? null : (nextUrl as string));
      return "records" in page && typeof totalSize === "number" ? { ...page, total: totalSize } : page;
    }
  }
}

/**
 * skip-take and offset-limit: the next page begins at the last record given, so that pages
 * overlap by one, until the total. A page asks for no more than pageSize records (an API may
 * refuse more than its own most), so each brings one record fewer than a page of its own
 * would; a page of one record is asked as two, or it would bring none.
 */
function counted(requested: URL, records: unknown[], total: number, startName: string, sizeName: string, pageSize: number): Page | { problem: string } {
  const start = Number(requested.searchParams.get(startName) ?? 0);
  // Only the first page begins at 0; every later one was asked to begin one record back.
  const overlaps = start > 0;
  const reached = start + records.length;
  if (reached >= total) return { records, next: null, total, overlaps };
  const fresh = overlaps ? records.length - 1 : records.length;
  if (fresh <= 0) return { problem: `the system says the collection holds ${total} records but gave none from ${reached} on` };
  const next = new URL(requested);
  setQuery(next, { [startName]: reached - 1, [sizeName]: Math.max(pageSize, 2) });
  return { records, next, total, overlaps };
}

/** page-next-link and next-records-url: the system gives the next page's URL, absolute or relative to the page read. */
function linked(requested: URL, records: unknown[], next: string | null): Page | { problem: string } {
  if (next === null || next === "") return { records, next: null };
  try {
    return { records, next: new URL(next, requested) };
  } catch {
    return { problem: `the next page's link ${JSON.stringify(next)} is not a URL` };
  }
}

function setQuery(url: URL, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, String(value));
}

