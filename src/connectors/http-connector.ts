// A system reached over its REST API (the wire protocol the sandbox serves): collections read
// page by page in the system's pagination style, every record checked against its schema;
// writes sent one request per record (PUT creates by the deterministic key, PATCH updates,
// DELETE deletes). A collection that cannot be read whole is reported, not half-given: that
// includes one that changed under the read (each style proves it did not, see pagination.ts)
// and one whose read ran into its bounds (pages, records, time: see ReadLimits). Requests for
// part of a collection go as the system's `reads:` declare (see query-styles.ts), their pages
// read and proven as a whole read's are.
import { escapePointer } from "../json/pointer.js";
import { recordProblem, validatorFor } from "../input/record-checks.js";
import { describeRequest, type ReadRequest } from "../input/read-request.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { type Connector, type Document, type ReadHints, type ReadResult, type RecordWrite, type RequestAnswer, type RequestedRead, type WriteFailure, type WriteResult, type WriteFence, WriteFenced } from "./connector.js";
import { duration, HttpClient, HttpFailure, shown, type Deadline, type HttpAnswer, type HttpClientOptions, type RetryBudget } from "./http-client.js";
import { firstPageUrl, proofOfWholeness, readPage, type Page } from "./pagination.js";
import { firstQueryPage, lowerRequest, scopedCost, wholeReadCost, type Lowered, type PageRequest, type Query } from "./query-styles.js";
import { readLimitsOf, type ConnectorSettings, type ReadLimits } from "./settings.js";
import { isObject, ownMember, setMember } from "../json/own.js";

export interface HttpConnectorOptions extends HttpClientOptions {
  readonly system: SystemDefinition;
  readonly settings: ConnectorSettings;
  /** Where the system's API answers; collections are paths under it. */
  readonly baseUrl: string;
  /** The connection's own bounds of a read, over its system's connector.yaml. */
  readonly readLimits?: Partial<ReadLimits>;
}

type Rec = Record<string, unknown>;

/** What one pass over a collection has read: its records (when kept) and their keys. */
interface Pass {
  readonly records: Record<string, Rec>;
  readonly keys: Set<string>;
  /** The key of the last record read: where a page that overlaps must begin. */
  last?: string;
  /** The total the first page gave, where the paging gives one. */
  total?: number;
  /** Pages read. */
  pages: number;
}

/** Why a read failed; the status when the system answered one (a 401 ends a call). */
interface Failed {
  readonly problem: string;
  readonly status?: number;
}

/** One call's shared bounds: its deadline, its retries, and the token once the system refused it. */
interface ReadCall {
  readonly deadline: Deadline;
  readonly budget: RetryBudget;
  refused?: Failed;
}

const ACTION_METHODS = { create: "PUT", update: "PATCH", delete: "DELETE" } as const;

export class HttpConnector implements Connector {
  readonly system: string;
  private readonly definition: SystemDefinition;
  private readonly settings: ConnectorSettings;
  private readonly base: URL;
  private readonly client: HttpClient;
  private readonly limits: ReadLimits;

  constructor(options: HttpConnectorOptions) {
    this.definition = options.system;
    this.system = options.system.name;
    this.settings = options.settings;
    this.limits = readLimitsOf(options.settings, options.readLimits);
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`${this.system}: the base URL ${JSON.stringify(options.baseUrl)} is not a URL; write it like https://api.example.org/v1`);
    }
    // Collections are resolved relative to the base, so it must end in "/" to keep its path.
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.base = base;
    this.client = new HttpClient(options);
    const refused = this.client.refusal(base);
    if (refused !== undefined) throw new Error(`${this.system}: the base URL's ${refused}`);
  }

  async read(collections: readonly string[]): Promise<ReadResult> {
    const document: Document = {};
    const incomplete = new Map<string, string>();
    // One budget and one deadline for the whole read: a system that keeps refusing, or answers
    // ever so slowly, slows the read within bounds and then ends it.
    const deadline = this.deadline();
    const budget = this.client.budget(deadline);
    for (const name of collections) {
      const collection = this.definition.collections.get(name);
      if (!collection) {
        incomplete.set(name, `${this.system} has no collection "${name}"`);
        continue;
      }
      const read = Date.now() >= deadline.at ? { problem: `not read: the read ran past ${deadline.bound}` } : await this.readCollection(collection, budget);
      if ("records" in read) setMember(document, name, read.records);
      // What the system said goes into the run's message: never with the token in it.
      else incomplete.set(name, this.client.redact(`${this.system}.${name} was not read whole, so this run leaves it out: ${read.problem}`));
    }
    return { document, incomplete };
  }

  /**
   * Reads what each request selects, as the system's `reads:` allow (see query-styles.ts): a
   * GET per key, queries, or the collection read whole where the API cannot ask, or where the
   * hints show a whole read is cheaper. One deadline and one retry budget for the call, as a
   * whole read has; a 401 ends it. A request that fails is reported and adds no records; the
   * others stand.
   */
  async readRequests(requests: readonly ReadRequest[], hints: ReadHints = {}): Promise<RequestedRead> {
    const document: Document = {};
    const totals = new Map<string, number>();
    const answers: RequestAnswer[] = [];
    const deadline = this.deadline();
    const call: ReadCall = { deadline, budget: this.client.budget(deadline) };
    const fail = (i: number, problem: string): void => {
      // What the system said goes into the run's message: never with the token in it.
      answers[i] = { request: requests[i]!, problem: this.client.redact(`${this.system}: ${describeRequest(requests[i]!)} could not be read: ${problem}`) };
    };
    // A collection's requests are answered together: one whole read, when it is needed, answers them all.
    for (const [name, indexes] of groupedBy(requests, (request) => request.collection)) {
      const collection = this.definition.collections.get(name);
      if (!collection) {
        for (const i of indexes) fail(i, `${this.system} has no collection "${name}"`);
        continue;
      }
      const lowered = indexes.map((i) => lowerRequest(this.settings, collection, requests[i]!));
      const cost = lowered.reduce((sum, form) => sum + scopedCost(form), 0);
      const total = hints.totals?.get(name);
      if (cost === Number.POSITIVE_INFINITY || (total !== undefined && cost > wholeReadCost(this.settings, total))) {
        const read = await this.within(call, () => this.readCollection(collection, call.budget));
        if ("problem" in read) for (const i of indexes) fail(i, read.problem);
        else {
          setMember(document, name, read.records);
          totals.set(name, read.keys.size);
          for (const i of indexes) answers[i] = answered(requests[i]!, "whole", read.keys);
        }
        continue;
      }
      let found: Record<string, Rec> | undefined;
      for (const [n, i] of indexes.entries()) {
        const read = await this.readLowered(collection, lowered[n]!, call);
        if ("problem" in read) {
          fail(i, read.problem);
          continue;
        }
        found ??= {};
        for (const key of read.keys) setMember(found, key, ownMember(read.records, key));
        answers[i] = answered(requests[i]!, "asked", read.keys);
      }
      if (found !== undefined) setMember(document, name, found);
    }
    return { document, answers, totals };
  }

  /** The records a request's lowered form finds: by its GETs, one per key, and page by page through each of its queries. */
  private async readLowered(collection: CollectionDefinition, lowered: Lowered, call: ReadCall): Promise<{ records: Record<string, Rec>; keys: Set<string> } | Failed> {
    const records: Record<string, Rec> = {};
    const keys = new Set<string>();
    const { keys: gets, queries }: { keys: readonly string[]; queries: readonly Query[] } = lowered.form === "asked" ? lowered : { keys: [], queries: [] };
    for (const key of gets) {
      const got = await this.within(call, () => this.getRecord(collection, key, call.budget));
      if ("problem" in got) return got;
      if (got.record === null) continue;
      setMember(records, key, got.record);
      keys.add(key);
    }
    for (const query of queries) {
      const read = await this.within(call, () => this.readProven(collection, firstQueryPage(this.settings, collection, this.base, query), call.budget, true));
      if ("problem" in read) return read;
      for (const key of read.keys) {
        setMember(records, key, ownMember(read.records, key));
        keys.add(key);
      }
    }
    return { records, keys };
  }

  /** One record by its key (GET {collection}/{key}), checked as a read record is; null when the system answers 404, that it holds none. */
  private async getRecord(collection: CollectionDefinition, key: string, budget: RetryBudget): Promise<{ record: Rec | null } | Failed> {
    const url = this.recordUrl(collection.name, key);
    let answer: HttpAnswer;
    try {
      answer = await this.client.request("GET", url, undefined, budget);
    } catch (error) {
      if (error instanceof HttpFailure) return failedBy(error);
      throw error;
    }
    if (answer.status === 404) return { record: null };
    if (answer.status !== 200) return { problem: this.refusedRead("GET", url, answer), status: answer.status };
    const checked = this.recordKey(collection, answer.body, () => `GET ${shown(url)}`);
    if (typeof checked !== "string") return checked;
    if (checked !== key) return { problem: `GET ${shown(url)} gave the record ${JSON.stringify(checked)}, not ${JSON.stringify(key)}` };
    return { record: answer.body as Rec };
  }

  /** A step of a call, unless the call is past its deadline or the system refused its token; a 401 refuses the rest. */
  private async within<T extends object>(call: ReadCall, step: () => Promise<T | Failed>): Promise<T | Failed> {
    if (call.refused) return { problem: `not sent: ${call.refused.problem}`, status: 401 };
    if (Date.now() >= call.deadline.at) return { problem: `not read: the read ran past ${call.deadline.bound}` };
    const result = await step();
    if ("problem" in result && result.status === 401) call.refused = result;
    return result;
  }

  async write(writes: readonly RecordWrite[], onApplied?: (w: RecordWrite) => void | Promise<void>, fence?: WriteFence): Promise<WriteResult> {
    const applied: RecordWrite[] = [];
    const failed: WriteFailure[] = [];
    const budget = this.client.budget();
    let refusedToken: WriteFailure | undefined;
    for (const write of writes) {
      // Once the system refuses the token, every other write would be refused the same way.
      if (refusedToken) {
        failed.push({ write, ...(refusedToken.status !== undefined ? { status: refusedToken.status } : {}), reason: `not sent: ${refusedToken.reason}` });
        continue;
      }
      const refused = await this.writeRecord(write, budget, fence);
      // What the system said is kept with the refused record: never with the token in it.
      const failure = refused && { ...refused, reason: this.client.redact(refused.reason) };
      if (failure === undefined) {
        applied.push(write);
        await onApplied?.(write);
        continue;
      }
      failed.push(failure);
      if (failure.status === 401) refusedToken = failure;
    }
    return { applied, failed };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private collectionUrl(collection: string): URL {
    return new URL(encodeURIComponent(collection), this.base);
  }

  private deadline(): Deadline {
    const ms = this.limits.seconds * 1000;
    return { at: Date.now() + ms, bound: `the ${duration(ms)} this connection gives a whole read (readLimits.seconds in integrations/${this.system}/connector.yaml)` };
  }

  /** A collection read whole, proven so as its pagination style allows (see proofOfWholeness), or why not. */
  private readCollection(collection: CollectionDefinition, budget: RetryBudget): Promise<Pass | Failed> {
    return this.readProven(collection, { method: "GET", url: firstPageUrl(this.settings.pagination, this.collectionUrl(collection.name), this.settings.pageSize) }, budget, false);
  }

  /**
   * Every page from `first` on, proven whole as the pagination style allows, or why not. A
   * query's answer of one page needs no second read (`onePageProves`): one answer cannot pass
   * over a record.
   */
  private async readProven(collection: CollectionDefinition, first: PageRequest, budget: RetryBudget, onePageProves: boolean): Promise<Pass | Failed> {
    const read = await this.readPass(collection, first, budget, true);
    if ("problem" in read || proofOfWholeness(this.settings.pagination) !== "reread" || (onePageProves && read.pages === 1)) return read;
    const again = await this.readPass(collection, first, budget, false);
    if ("problem" in again) return { ...again, problem: `reading it again, to prove the first read missed nothing: ${again.problem}` };
    const changed = keysChanged(read.keys, again.keys);
    if (changed !== undefined) return { problem: `the collection changed while it was read: read again, it ${changed}, so a record may have been skipped. The next run reads it again` };
    return read;
  }

  /** Reads a collection (or a query's answer) page by page, within the bounds; keeps the records, or only their keys. */
  private async readPass(collection: CollectionDefinition, first: PageRequest, budget: RetryBudget, keep: boolean): Promise<Pass | Failed> {
    const pass: Pass = { records: {}, keys: new Set(), pages: 0 };
    const requested = new Set<string>();
    // A later page is asked as the first was: a query's POST repeats its body at the next offset.
    for (let request: PageRequest | null = first; request !== null; ) {
      const url = request.url;
      if (requested.size >= this.limits.pages) return { problem: this.tooManyPages() };
      if (requested.has(url.href)) return { problem: `the next page's link leads back to ${shown(url)}, a page already read` };
      requested.add(url.href);
      const page = await this.readOnePage(request, budget);
      if ("problem" in page) return page;
      pass.pages++;
      const problem = this.totalProblem(page, pass) ?? this.takeRecords(collection, page, request, pass, keep);
      if (problem !== undefined) return { problem };
      request = page.next === null ? null : { ...request, url: page.next };
    }
    if (pass.total !== undefined && pass.keys.size !== pass.total) return { problem: `the system says the collection holds ${pass.total} records, but ${pass.keys.size} were read` };
    return pass;
  }

  /** One page asked for and read in the system's paging style, or why not. */
  private async readOnePage(request: PageRequest, budget: RetryBudget): Promise<Page | Failed> {
    const url = request.url;
    const refused = this.client.refusal(url);
    if (refused !== undefined) return { problem: `the next page's link points elsewhere: ${refused}` };
    if (this.base.protocol === "https:" && url.protocol !== "https:") return { problem: `the next page's link ${shown(url)} leaves https; the token is not sent unencrypted` };
    let answer: HttpAnswer;
    try {
      answer = await this.client.request(request.method, url, request.body, budget);
    } catch (error) {
      if (error instanceof HttpFailure) return failedBy(error);
      throw error;
    }
    if (answer.status !== 200) return { problem: this.refusedRead(request.method, url, answer), status: answer.status };
    const page = readPage(this.settings.pagination, url, answer.body, this.settings.pageSize);
    return "problem" in page ? { problem: `${request.method} ${shown(url)}: ${page.problem}` } : page;
  }

  /**
   * Offsets shift when a record is deleted between pages, and the record after it is never
   * given: a total that moves (or, at the end, a count short of it) means the read missed
   * something. A total beyond the record bound is not begun.
   */
  private totalProblem(page: Page, pass: Pass): string | undefined {
    if (page.total === undefined) return undefined;
    if (page.total > this.limits.records) return `the system says the collection holds ${page.total} records, more than the ${this.limits.records} one collection may hold (readLimits.records); it was not read. ${this.raise("records")}`;
    if (pass.total !== undefined && page.total !== pass.total) return `the collection changed while it was read page by page (${pass.total} records, then ${page.total}), so a record may have been skipped. The next run reads it again`;
    pass.total = page.total;
    return undefined;
  }

  /** Takes a page's records into the pass (the one it repeats, checked and left); why not, when one cannot be taken. */
  private takeRecords(collection: CollectionDefinition, page: Page, request: PageRequest, pass: Pass, keep: boolean): string | undefined {
    const where = (i: number): string => `record ${i + 1} of ${request.method} ${shown(request.url)}`;
    if (page.overlaps) {
      const shifted = this.shifted(collection, page.records[0], pass.last, request, where(0));
      if (shifted !== undefined) return shifted;
    }
    for (let i = page.overlaps ? 1 : 0; i < page.records.length; i++) {
      const record = page.records[i];
      const key = this.recordKey(collection, record, () => where(i));
      if (typeof key !== "string") return key.problem;
      if (pass.keys.has(key)) return `${pointerOf(collection, key)}: the record came twice while the collection was read page by page; it changed under the read, so a record may have been skipped. The next run reads it again`;
      if (pass.keys.size >= this.limits.records) return `the collection holds more than ${this.limits.records} records, the most one collection may hold (readLimits.records); it was not read further. ${this.raise("records")}`;
      pass.keys.add(key);
      if (keep) setMember(pass.records, key, record as Rec);
      pass.last = key;
    }
    return undefined;
  }

  /** Checks a record read: its key, or why the collection cannot be used. */
  private recordKey(collection: CollectionDefinition, record: unknown, where: () => string): string | { problem: string } {
    const key = isObject(record) ? ownMember(record, collection.key) : undefined;
    if (typeof key !== "string") return { problem: `${where()}: its key field "${collection.key}" is ${key === undefined ? "missing" : `${JSON.stringify(key)}, not a string`}` };
    const validate = validatorFor(collection);
    if (!validate(record)) {
      const at = validate.errors?.[0]?.instancePath ?? "";
      return { problem: `${pointerOf(collection, key)}${at}: ${recordProblem(collection, record) ?? "is not valid"} (as the system gave it; one bad record is not dropped silently, since a missing record would look deleted)` };
    }
    return key;
  }

  /** Why a page that was to begin with the last record read does not: the collection shifted under the read. Undefined when it does. */
  private shifted(collection: CollectionDefinition, first: unknown, last: string | undefined, request: PageRequest, where: string): string | undefined {
    const key = first === undefined ? undefined : this.recordKey(collection, first, () => where);
    if (key !== undefined && typeof key !== "string") return key.problem;
    if (key !== undefined && key === last) return undefined;
    const found = key === undefined ? "no record" : JSON.stringify(key);
    return `the collection changed while it was read page by page: ${request.method} ${shown(request.url)} began with ${found} where ${JSON.stringify(last)}, the last record of the page before, was to be, so a record may have been skipped. The next run reads it again`;
  }

  private tooManyPages(): string {
    return `the system still gave a next page after ${this.limits.pages} pages, the most one pass over a collection may follow (readLimits.pages); paging that does not end is not taken as whole. ${this.raise("pages")}`;
  }

  private raise(limit: keyof ReadLimits): string {
    return `If the collection really is that large, raise readLimits.${limit} in integrations/${this.system}/connector.yaml`;
  }

  private refusedRead(method: string, url: URL, answer: HttpAnswer): string {
    if (answer.status === 401) return this.refusedToken(answer);
    if (answer.status >= 300 && answer.status < 400) return `${method} ${shown(url)} answered ${answer.status}, a redirect, which syncspec does not follow; check the connection's base URL`;
    return `${method} ${shown(url)} answered ${answer.status}: ${this.errorText(answer)}`;
  }

  private refusedToken(answer: HttpAnswer): string {
    return `${this.system} refused the credentials (401: ${this.errorText(answer)}); check the token the deployment gives this connection`;
  }

  /** Sends one write; undefined when the system applied it. */
  async readRecord(collection: string, key: string): Promise<Rec | null | undefined> {
    if (key === "." || key === "..") return undefined;
    try {
      const answer = await this.client.request("GET", this.recordUrl(collection, key), undefined, this.client.budget(this.deadline()));
      if (answer.status === 404) return null;
      const body = answer.body;
      return answer.status === 200 && isObject(body) ? body : undefined;
    } catch (error) {
      if (error instanceof HttpFailure) return undefined;
      throw error;
    }
  }

  private recordUrl(collection: string, key: string): URL {
    return new URL(`${encodeURIComponent(collection)}/${encodeURIComponent(key)}`, this.base);
  }

  private async writeRecord(write: RecordWrite, budget: RetryBudget, fence?: WriteFence): Promise<WriteFailure | undefined> {
    // URLs resolve "." and ".." (even percent-encoded) as directories: such a key has no path of its own.
    if (write.key === "." || write.key === "..") return { write, reason: `the key ${JSON.stringify(write.key)} cannot be sent to an API: a URL reads it as a directory step, not a record` };
    const url = this.recordUrl(write.collection, write.key);
    const method = ACTION_METHODS[write.action];
    let answer: HttpAnswer;
    try {
      // The fence is asked before each attempt: a worker that lost its lease during a
      // Retry-After wait sends nothing more.
      const asked = (): void => {
        const stopped = fence?.stopped();
        if (stopped !== undefined) throw new WriteFenced(stopped);
      };
      answer = await this.client.request(method, url, write.action === "delete" ? undefined : (write.fields ?? {}), budget, asked);
    } catch (error) {
      if (error instanceof HttpFailure) return { write, ...(error.status !== undefined ? { status: error.status } : {}), reason: error.message };
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) return undefined;
    // Already gone is what a delete wants.
    if (write.action === "delete" && answer.status === 404) return undefined;
    const reason =
      answer.status === 401
        ? this.refusedToken(answer)
        : answer.status >= 300 && answer.status < 400
          ? `${method} ${shown(url)} answered ${answer.status}, a redirect, which syncspec does not follow; check the connection's base URL`
          : `${this.system} refused to ${write.action} ${write.collection}/${write.key} (${answer.status}): ${this.errorText(answer)}`;
    return { write, status: answer.status, reason };
  }

  /**
   * The system's own words for an error, from the shapes APIs use, without the token: an
   * error body may echo the request's headers. A body is redacted before it is cut short, so
   * that the cut cannot leave half a token.
   */
  private errorText(answer: HttpAnswer): string {
    const { redact } = this.client;
    const body = answer.body;
    const first = Array.isArray(body) ? body[0] : body;
    if (first !== null && typeof first === "object") {
      for (const name of ["error", "message", "error_description", "detail", "title"]) {
        const value = (first as Rec)[name];
        if (typeof value === "string" && value !== "") return redact(value);
      }
      const errors = (first as Rec)["errors"];
      if (Array.isArray(errors) && errors.length > 0) return redact(errors.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("; "));
    }
    const text = redact(answer.text.trim());
    if (text === "") return "the system gave no reason";
    return text.length > 500 ? `${text.slice(0, 500)}...` : text;
  }
}

function pointerOf(collection: CollectionDefinition, key: string): string {
  return `/${escapePointer(collection.name)}/${escapePointer(key)}`;
}

/** How the keys of a second read differ from the first's, in words; undefined when they are the same. */
function keysChanged(first: ReadonlySet<string>, again: ReadonlySet<string>): string | undefined {
  const lacked = [...first].filter((k) => !again.has(k));
  const held = [...again].filter((k) => !first.has(k));
  if (lacked.length === 0 && held.length === 0) return undefined;
  const parts = [];
  if (lacked.length > 0) parts.push(`lacked ${someKeys(lacked)}, which the first read had`);
  if (held.length > 0) parts.push(`held ${someKeys(held)}, which the first read had not`);
  return parts.join(", and ");
}

function someKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).join(", ");
  return keys.length > 3 ? `${shown} and ${keys.length - 3} more` : shown;
}

/** A request answered: as asked or by a whole read, with the keys it asked for that were proven absent. */
function answered(request: ReadRequest, as: "asked" | "whole", found: ReadonlySet<string>): RequestAnswer {
  if (!("keys" in request)) return { request, as };
  return { request, as, absent: [...new Set(request.keys)].filter((key) => !found.has(key)) };
}

/** Indexes of items grouped by a name, groups in the order first met. */
function groupedBy<T>(items: readonly T[], nameOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const name = nameOf(item);
    const group = groups.get(name);
    if (group) group.push(i);
    else groups.set(name, [i]);
  });
  return groups;
}

/** A request that failed after its retries, as a read's failure: a 401 among them ends the call. */
function failedBy(error: HttpFailure): Failed {
  return { problem: error.message, ...(error.status !== undefined ? { status: error.status } : {}) };
}
