// What a sandbox server saw, for tests to prove things by counting (never by timing): every
// request, the statuses it answered, and per record how often it was created and written,
// so that a duplicate create shows up as a count of two.

export interface WrittenRecord {
  readonly method: string;
  readonly collection: string;
  readonly key: string;
  readonly status: number;
}

/** The kinds of read: a whole list's page, one record by key, a query's page by field values, a page of what was modified since a time. */
export type ReadKind = "list" | "get" | "query" | "modified";

export class SandboxStats {
  requests = 0;
  /** Reads past the bearer check and the rate limits, by kind (a page of a list or query is one each). */
  readonly readsBy = new Map<ReadKind, number>();
  /** Status -> how many answers had it; 0 counts connections cut mid-answer. */
  readonly statuses = new Map<number, number>();
  /** Every write request, in order, with the status it got. */
  readonly writes: WrittenRecord[] = [];
  /** Webhooks the server sent about the engine's writes that did not get a 2xx. */
  readonly webhookFailures: string[] = [];
  private readonly creates = new Map<string, number>();

  countRead(kind: ReadKind): void {
    this.readsBy.set(kind, (this.readsBy.get(kind) ?? 0) + 1);
  }

  /** Reads of this kind. */
  reads(kind: ReadKind): number {
    return this.readsBy.get(kind) ?? 0;
  }

  countAnswer(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  countCreate(collection: string, key: string): void {
    const id = JSON.stringify([collection, key]);
    this.creates.set(id, (this.creates.get(id) ?? 0) + 1);
  }

  /** How many times a PUT made this record where there was none. */
  createsOf(collection: string, key: string): number {
    return this.creates.get(JSON.stringify([collection, key])) ?? 0;
  }

  /** Accepted writes (2xx) of one record. */
  writesOf(collection: string, key: string): number {
    return this.writes.filter((w) => w.collection === collection && w.key === key && w.status < 300).length;
  }

  /** Requests answered with this status. */
  answered(status: number): number {
    return this.statuses.get(status) ?? 0;
  }

  reset(): void {
    this.requests = 0;
    this.readsBy.clear();
    this.statuses.clear();
    this.writes.length = 0;
    this.webhookFailures.length = 0;
    this.creates.clear();
  }
}
