// A system reached over its REST API (the wire protocol the sandbox serves): collections read
// page by page in the system's pagination style, every record checked against its schema;
// writes sent one request per record (PUT creates by the deterministic key, PATCH updates,
// DELETE deletes). A collection that cannot be read whole is reported, not half-given.
import { escapePointer } from "../json/pointer.js";
import { recordProblem, validatorFor } from "../input/record-checks.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { type Connector, type Document, type ReadResult, type RecordWrite, type WriteFailure, type WriteResult } from "./connector.js";
import { HttpClient, HttpFailure, shown, type HttpAnswer, type HttpClientOptions, type RetryBudget } from "./http-client.js";
import { firstPageUrl, readPage } from "./pagination.js";
import type { ConnectorSettings } from "./settings.js";
import { isObject, ownMember, setMember } from "../json/own.js";

export interface HttpConnectorOptions extends HttpClientOptions {
  readonly system: SystemDefinition;
  readonly settings: ConnectorSettings;
  /** Where the system's API answers; collections are paths under it. */
  readonly baseUrl: string;
}

type Rec = Record<string, unknown>;

const ACTION_METHODS = { create: "PUT", update: "PATCH", delete: "DELETE" } as const;

export class HttpConnector implements Connector {
  readonly system: string;
  private readonly definition: SystemDefinition;
  private readonly settings: ConnectorSettings;
  private readonly base: URL;
  private readonly client: HttpClient;

  constructor(options: HttpConnectorOptions) {
    this.definition = options.system;
    this.system = options.system.name;
    this.settings = options.settings;
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
    // One budget for the whole read: a system that keeps refusing slows the read, within bounds.
    const budget = this.client.budget();
    for (const name of collections) {
      const collection = this.definition.collections.get(name);
      if (!collection) {
        incomplete.set(name, `${this.system} has no collection "${name}"`);
        continue;
      }
      const read = await this.readCollection(collection, budget);
      if ("records" in read) setMember(document, name, read.records);
      else incomplete.set(name, `${this.system}.${name} was not read whole, so this run leaves it out: ${read.problem}`);
    }
    return { document, incomplete };
  }

  async write(writes: readonly RecordWrite[], onApplied?: (w: RecordWrite) => void): Promise<WriteResult> {
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
      const failure = await this.writeRecord(write, budget);
      if (failure === undefined) {
        applied.push(write);
        onApplied?.(write);
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

  private async readCollection(collection: CollectionDefinition, budget: RetryBudget): Promise<{ records: Record<string, Rec> } | { problem: string }> {
    const { pagination, pageSize } = this.settings;
    const records: Record<string, Rec> = {};
    const requested = new Set<string>();
    let total: number | undefined;
    for (let url: URL | null = firstPageUrl(pagination, this.collectionUrl(collection.name), pageSize); url !== null; ) {
      if (requested.has(url.href)) return { problem: `the next page's link leads back to ${shown(url)}, a page already read` };
      requested.add(url.href);
      const refused = this.client.refusal(url);
      if (refused !== undefined) return { problem: `the next page's link points elsewhere: ${refused}` };
      if (this.base.protocol === "https:" && url.protocol !== "https:") return { problem: `the next page's link ${shown(url)} leaves https; the token is not sent unencrypted` };
      let answer: HttpAnswer;
      try {
        answer = await this.client.request("GET", url, undefined, budget);
      } catch (error) {
        if (error instanceof HttpFailure) return { problem: error.message };
        throw error;
      }
      if (answer.status !== 200) return { problem: this.refusedRead(url, answer) };
      const page = readPage(pagination, url, answer.body, pageSize);
      if ("problem" in page) return { problem: `GET ${shown(url)}: ${page.problem}` };
      for (let i = 0; i < page.records.length; i++) {
        const problem = this.takeRecord(collection, page.records[i], records, () => `record ${i + 1} of GET ${shown(url!)}`);
        if (problem !== undefined) return { problem };
      }
      // Offsets shift when a record is deleted between pages, and the record after it is never
      // given: a total that moves, or a count short of it, means the read missed something.
      if (page.total !== undefined) {
        if (total !== undefined && page.total !== total) return { problem: `the collection changed while it was read page by page (${total} records, then ${page.total}), so a record may have been skipped. The next run reads it again` };
        total = page.total;
      }
      url = page.next;
    }
    const read = Object.keys(records).length;
    if (total !== undefined && read !== total) return { problem: `the system says the collection holds ${total} records, but ${read} were read` };
    return { records };
  }

  /** Checks a record read and keeps it, or says why the collection cannot be used. */
  private takeRecord(collection: CollectionDefinition, record: unknown, into: Record<string, Rec>, where: () => string): string | undefined {
    const key = isObject(record) ? ownMember(record, collection.key) : undefined;
    if (typeof key !== "string") return `${where()}: its key field "${collection.key}" is ${key === undefined ? "missing" : `${JSON.stringify(key)}, not a string`}`;
    const pointer = `/${escapePointer(collection.name)}/${escapePointer(key)}`;
    const validate = validatorFor(collection);
    if (!validate(record)) {
      const at = validate.errors?.[0]?.instancePath ?? "";
      return `${pointer}${at}: ${recordProblem(collection, record) ?? "is not valid"} (as the system gave it; one bad record is not dropped silently, since a missing record would look deleted)`;
    }
    if (ownMember(into, key) !== undefined) {
      return `${pointer}: the record came twice while the collection was read page by page; it changed under the read, so a record may have been skipped. The next run reads it again`;
    }
    setMember(into, key, record);
    return undefined;
  }

  private refusedRead(url: URL, answer: HttpAnswer): string {
    if (answer.status === 401) return this.refusedToken(answer);
    if (answer.status >= 300 && answer.status < 400) return `GET ${shown(url)} answered ${answer.status}, a redirect, which syncspec does not follow; check the connection's base URL`;
    return `GET ${shown(url)} answered ${answer.status}: ${this.errorText(answer)}`;
  }

  private refusedToken(answer: HttpAnswer): string {
    return `${this.system} refused the credentials (401: ${this.errorText(answer)}); check the token the deployment gives this connection`;
  }

  /** Sends one write; undefined when the system applied it. */
  async readRecord(collection: string, key: string): Promise<Rec | null | undefined> {
    if (key === "." || key === "..") return undefined;
    try {
      const answer = await this.client.request("GET", this.recordUrl(collection, key), undefined, this.client.budget());
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

  private async writeRecord(write: RecordWrite, budget: RetryBudget): Promise<WriteFailure | undefined> {
    // URLs resolve "." and ".." (even percent-encoded) as directories: such a key has no path of its own.
    if (write.key === "." || write.key === "..") return { write, reason: `the key ${JSON.stringify(write.key)} cannot be sent to an API: a URL reads it as a directory step, not a record` };
    const url = this.recordUrl(write.collection, write.key);
    const method = ACTION_METHODS[write.action];
    let answer: HttpAnswer;
    try {
      answer = await this.client.request(method, url, write.action === "delete" ? undefined : (write.fields ?? {}), budget);
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

  /** The system's own words for an error, from the shapes APIs use. */
  private errorText(answer: HttpAnswer): string {
    const body = answer.body;
    const first = Array.isArray(body) ? body[0] : body;
    if (first !== null && typeof first === "object") {
      for (const name of ["error", "message", "error_description", "detail", "title"]) {
        const value = (first as Rec)[name];
        if (typeof value === "string" && value !== "") return value;
      }
      const errors = (first as Rec)["errors"];
      if (Array.isArray(errors) && errors.length > 0) return errors.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("; ");
    }
    const text = answer.text.trim();
    if (text === "") return "the system gave no reason";
    return text.length > 500 ? `${text.slice(0, 500)}...` : text;
  }
}
