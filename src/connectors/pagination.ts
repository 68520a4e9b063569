// The four ways the vendors page a collection (integrations/<system>/connector.yaml names
// one): the first page's URL, and from each page's answer its records and the next page's
// URL. An answer of the wrong shape, or one that contradicts itself (more records promised
// than given), is a problem: a collection read short would make records look deleted.
import type { PaginationStyle } from "./settings.js";
import { isObject } from "../json/own.js";

export interface Page {
  readonly records: readonly unknown[];
  /** The next page, or null after the last. */
  readonly next: URL | null;
  /** How many records the system says the collection holds, where its paging says. */
  readonly total?: number;
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

/** skip-take and offset-limit: the next page starts after the records given, until the total. */
function counted(requested: URL, records: unknown[], total: number, startName: string, sizeName: string, pageSize: number): Page | { problem: string } {
  const start = Number(requested.searchParams.get(startName) ?? 0);
  const reached = start + records.length;
  if (records.length === 0) {
    if (start < total) return { problem: `the system says the collection holds ${total} records but gave none from ${start} on` };
    return { records, next: null, total };
  }
  if (reached >= total) return { records, next: null, total };
  const next = new URL(requested);
  setQuery(next, { [startName]: reached, [sizeName]: pageSize });
  return { records, next, total };
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

