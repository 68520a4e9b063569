// The misbehaviour a sandbox server can be told to show, at run time: rate limits (a storm
// of 429s, or a token bucket), overload (503s), a page that fails, a record refused with
// 422, a slow answer, a next link to another host, and pages too large to read.

export type PageFailure = "500" | "drop";

interface Bucket {
  capacity: number;
  refillPerSecond: number;
  tokens: number;
  at: number;
  retryAfter: string;
}

export class SandboxFaults {
  private limited = 0;
  private limitedRetryAfter: string | undefined;
  private overloaded = 0;
  private overloadedRetryAfter: string | undefined;
  private bucket: Bucket | undefined;
  private readonly pages = new Map<string, { how: PageFailure; times: number }>();
  private readonly rejected = new Map<string, string>();
  private readonly foreignNext = new Map<string, string>();
  private readonly padding = new Map<string, number>();
  private readonly afterPage = new Map<string, string>();
  /** Milliseconds every answer waits before it is sent. */
  delayMs = 0;

  /** The next `requests` requests answer 429 with this Retry-After (seconds or an HTTP-date; none when undefined). */
  rateLimit(requests: number, retryAfter: number | string | undefined = 1): void {
    this.limited = requests;
    this.limitedRetryAfter = retryAfter === undefined ? undefined : String(retryAfter);
  }

  /** A steady limit: `capacity` requests at once, refilled at `refillPerSecond`; beyond it, 429. */
  rateLimitBucket(capacity: number, refillPerSecond: number, retryAfter: number | string = 1): void {
    this.bucket = { capacity, refillPerSecond, tokens: capacity, at: Date.now(), retryAfter: String(retryAfter) };
  }

  /** The next `requests` requests answer 503, with this Retry-After (none when undefined). */
  unavailable(requests: number, retryAfter?: number | string): void {
    this.overloaded = requests;
    this.overloadedRetryAfter = retryAfter === undefined ? undefined : String(retryAfter);
  }

  /** The `page`th page (1-based) of a collection fails: a 500, or the connection dropped mid-answer; `times` times, then it heals. */
  failPage(collection: string, page: number, how: PageFailure = "500", times = Number.POSITIVE_INFINITY): void {
    this.pages.set(JSON.stringify([collection, page]), { how, times });
  }

  /** Writes to this record answer 422 with the reason. */
  rejectKey(collection: string, key: string, reason = "the record is refused by a validation rule of the system"): void {
    this.rejected.set(JSON.stringify([collection, key]), reason);
  }

  /** A collection's next links point at another origin (say http://127.0.0.1:1), as a tampered answer might. */
  nextLinkOrigin(collection: string, origin: string): void {
    this.foreignNext.set(collection, origin);
  }

  /** Each page of a collection carries this many bytes more, streamed without a Content-Length. */
  padPages(collection: string, bytes: number): void {
    this.padding.set(collection, bytes);
  }

  /** Once the `page`th page of a collection is served, the record `key` is deleted, as another user might between two pages. */
  deleteAfterPage(collection: string, page: number, key: string): void {
    this.afterPage.set(JSON.stringify([collection, page]), key);
  }

  /** The record to delete now that a page was served, once. */
  takeDeletionAfter(collection: string, page: number): string | undefined {
    const id = JSON.stringify([collection, page]);
    const key = this.afterPage.get(id);
    this.afterPage.delete(id);
    return key;
  }

  delay(ms: number): void {
    this.delayMs = ms;
  }

  clear(): void {
    this.limited = 0;
    this.overloaded = 0;
    this.bucket = undefined;
    this.pages.clear();
    this.rejected.clear();
    this.foreignNext.clear();
    this.padding.clear();
    this.afterPage.clear();
    this.delayMs = 0;
  }

  /** Takes the request-wide fault for one request: a 429 or 503 to answer, or nothing. */
  takeRequestFault(): { status: 429 | 503; retryAfter?: string } | undefined {
    if (this.limited > 0) {
      this.limited--;
      return { status: 429, ...(this.limitedRetryAfter !== undefined ? { retryAfter: this.limitedRetryAfter } : {}) };
    }
    if (this.overloaded > 0) {
      this.overloaded--;
      return { status: 503, ...(this.overloadedRetryAfter !== undefined ? { retryAfter: this.overloadedRetryAfter } : {}) };
    }
    const bucket = this.bucket;
    if (bucket) {
      const now = Date.now();
      bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((now - bucket.at) / 1000) * bucket.refillPerSecond);
      bucket.at = now;
      if (bucket.tokens < 1) return { status: 429, retryAfter: bucket.retryAfter };
      bucket.tokens--;
    }
    return undefined;
  }

  takePageFault(collection: string, page: number): PageFailure | undefined {
    const id = JSON.stringify([collection, page]);
    const fault = this.pages.get(id);
    if (!fault) return undefined;
    if (--fault.times <= 0) this.pages.delete(id);
    return fault.how;
  }

  rejection(collection: string, key: string): string | undefined {
    return this.rejected.get(JSON.stringify([collection, key]));
  }

  nextOrigin(collection: string): string | undefined {
    return this.foreignNext.get(collection);
  }

  paddingOf(collection: string): number {
    return this.padding.get(collection) ?? 0;
  }
}
