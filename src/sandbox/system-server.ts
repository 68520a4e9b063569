// One connection's server: a real node:http server on 127.0.0.1 that plays a system over the
// wire protocol the HTTP connector speaks (bearer token, the system's pagination style,
// PUT/PATCH/DELETE per record, every written record checked against its schema, 422 with
// the reason), with faults that tests switch on while it runs. It answers the scoped reads
// its connector.yaml declares (queries by field, modified since), paged and faulted as lists.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Document, type RecordWrite } from "../connectors/connector.js";
import { PAGING_PARAMS, type ConnectorSettings } from "../connectors/settings.js";
import { filterText, selectKeys, selects } from "../input/read-request.js";
import { recordProblem } from "../input/record-checks.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { SandboxFaults } from "./faults.js";
import { paramsSelection, soqlSelection, virtuousSelection, type Selection } from "./queries.js";
import { SandboxStats } from "./stats.js";
import { ownMember, setMember } from "../json/own.js";
import { byCodeUnits } from "../json/values.js";

type Rec = Record<string, unknown>;

export interface SystemServerOptions {
  readonly name: string;
  readonly system: SystemDefinition;
  readonly settings: ConnectorSettings;
  readonly token: string;
  readonly document: Document;
  /** Called after each write the server accepted: the sandbox sends the system's event for it. */
  readonly onWrite?: (collection: string, key: string, action: RecordWrite["action"]) => void;
  /** The system's clock, for the modified stamps it keeps; the machine's by default. */
  readonly now?: () => Date;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PAGE_SIZE = 1000;
/** Query answers kept per collection until it changes; the oldest goes first. */
const MAX_CACHED_QUERIES = 1000;

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export class SystemServer {
  readonly faults = new SandboxFaults();
  readonly stats = new SandboxStats();
  readonly name: string;
  readonly system: SystemDefinition;
  readonly settings: ConnectorSettings;
  private readonly token: string;
  private readonly onWrite: SystemServerOptions["onWrite"];
  private readonly records = new Map<string, Map<string, Rec>>();
  private readonly sortedKeys = new Map<string, string[]>();
  /** Per collection, field -> value (as a filter compares it) -> keys in order; built on first use, kept up to date by each change. */
  private readonly indexes = new Map<string, Map<string, Map<string, string[]>>>();
  /** Per collection, a query's answer (its keys in order), until the collection changes: its later pages page over it. */
  private readonly answers = new Map<string, Map<string, string[]>>();
  /**
   * When each record was last modified, for collections whose modifiedSince names no field of
   * the record (SKY's date_modified, Virtuous gifts): the server's start at load, then each store.
   */
  private readonly stamps = new Map<string, Map<string, string>>();
  private readonly now: () => Date;
  private readonly server: Server;
  private origin = "";

  private constructor(options: SystemServerOptions) {
    this.name = options.name;
    this.system = options.system;
    this.settings = options.settings;
    this.token = options.token;
    this.onWrite = options.onWrite;
    this.now = options.now ?? (() => new Date());
    const loaded = this.now().toISOString();
    for (const name of options.system.collections.keys()) {
      const given = Object.prototype.hasOwnProperty.call(options.document, name) ? options.document[name]! : {};
      this.records.set(name, new Map(Object.entries(given).map(([key, record]) => [key, structuredClone(record)])));
      if (this.hiddenStamps(name)) this.stamps.set(name, new Map(Object.keys(given).map((key) => [key, loaded])));
    }
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: SystemServerOptions): Promise<SystemServer> {
    const server = new SystemServer(options);
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.server.listen(0, "127.0.0.1", () => resolve());
    });
    server.origin = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    return server;
  }

  get url(): string {
    return this.origin;
  }

  /** The records served now, as a snapshot document. */
  document(): Document {
    const document: Document = {};
    for (const [name, records] of this.records) {
      const collection: Record<string, Rec> = {};
      for (const key of this.keysOf(name)) setMember(collection, key, structuredClone(records.get(key)!));
      setMember(document, name, collection);
    }
    return document;
  }

  record(collection: string, key: string): Rec | undefined {
    const record = this.records.get(collection)?.get(key);
    return record === undefined ? undefined : structuredClone(record);
  }

  /** Puts a record in place, as a person editing it in the system would (no faults, no events). */
  store(collection: string, key: string, record: Rec): void {
    const records = this.records.get(collection)!;
    const before = records.get(key);
    const after = structuredClone(record);
    records.set(key, after);
    this.stamps.get(collection)?.set(key, this.now().toISOString());
    this.changed(collection, key, before, after);
  }

  /**
   * When the record was last modified as the system keeps it: its modifiedSince field, or
   * the hidden stamp; undefined where the collection declares no modifiedSince.
   */
  stampOf(collection: string, key: string, record: Rec): string | undefined {
    const since = this.settings.reads?.collections.get(collection)?.modifiedSince;
    if (since === undefined) return undefined;
    if (since.field === undefined) return this.stamps.get(collection)?.get(key);
    const value = ownMember(record, since.field);
    return typeof value === "string" ? value : undefined;
  }

  private hiddenStamps(collection: string): boolean {
    const since = this.settings.reads?.collections.get(collection)?.modifiedSince;
    return since !== undefined && since.field === undefined;
  }

  private remove(collection: string, key: string): void {
    const records = this.records.get(collection)!;
    const before = records.get(key);
    records.delete(key);
    this.stamps.get(collection)?.delete(key);
    this.changed(collection, key, before, undefined);
  }

  /**
   * One record changed (made, edited or deleted): the key order and the field indexes are
   * mended in place, so that a storm of edits to a million records does not sort or index
   * them again for each; the answers worked out for queries are dropped.
   */
  private changed(collection: string, key: string, before: Rec | undefined, after: Rec | undefined): void {
    this.answers.delete(collection);
    const keys = this.sortedKeys.get(collection);
    if (keys && (before === undefined) !== (after === undefined)) {
      if (after !== undefined) insertSorted(keys, key);
      else removeSorted(keys, key);
    }
    for (const [field, index] of this.indexes.get(collection) ?? []) {
      const old = before === undefined ? undefined : filterText(ownMember(before, field));
      const now = after === undefined ? undefined : filterText(ownMember(after, field));
      if (old === now) continue;
      if (old !== undefined) {
        const list = index.get(old)!;
        removeSorted(list, key);
        if (list.length === 0) index.delete(old);
      }
      if (now !== undefined) {
        const list = index.get(now);
        if (list) insertSorted(list, key);
        else index.set(now, [key]);
      }
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The keys a query selects: each group's requests in turn (an index for a field's values), the groups together. */
  private selected(collection: string, selection: Selection): string[] {
    let cached = this.answers.get(collection);
    if (!cached) this.answers.set(collection, (cached = new Map()));
    const id = JSON.stringify(selection);
    const found = cached.get(id);
    if (found) return found;
    const records = this.records.get(collection)!;
    const stamp = (key: string, record: Rec) => this.stampOf(collection, key, record);
    const union = new Set<string>();
    for (const group of selection) {
      const [first, ...rest] = group;
      const keys = "field" in first! ? this.byValues(collection, first.field, first.values) : selectKeys(records, first!, stamp);
      for (const key of keys) {
        const record = records.get(key)!;
        if (rest.every((request) => selects(request, key, record, stamp(key, record)))) union.add(key);
      }
    }
    const keys = selection.length === 1 ? [...union] : [...union].sort(byCodeUnits);
    if (cached.size >= MAX_CACHED_QUERIES) cached.delete(cached.keys().next().value!);
    cached.set(id, keys);
    return keys;
  }

  /** The keys of the records whose field holds one of the values (as a filter compares it), in key order. */
  private byValues(collection: string, field: string, values: readonly string[]): string[] {
    let fields = this.indexes.get(collection);
    if (!fields) this.indexes.set(collection, (fields = new Map()));
    let index = fields.get(field);
    if (!index) {
      index = new Map();
      const records = this.records.get(collection)!;
      for (const key of this.keysOf(collection)) {
        const text = filterText(ownMember(records.get(key)!, field));
        if (text === undefined) continue;
        const keys = index.get(text);
        if (keys) keys.push(key);
        else index.set(text, [key]);
      }
      fields.set(field, index);
    }
    const unique = [...new Set(values)];
    // A copy: the index's own lists change with the records.
    if (unique.length === 1) return [...(index.get(unique[0]!) ?? [])];
    return unique.flatMap((value) => index.get(value) ?? []).sort(byCodeUnits);
  }

  private keysOf(collection: string): string[] {
    let keys = this.sortedKeys.get(collection);
    if (!keys) {
      // Code-unit order, as the engine orders keys.
      keys = [...this.records.get(collection)!.keys()].sort(byCodeUnits);
      this.sortedKeys.set(collection, keys);
    }
    return keys;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on("error", () => {});
    this.stats.requests++;
    try {
      if (this.faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faults.delayMs));
      const answer = await this.answer(req, res);
      if (answer) this.send(res, answer);
    } catch {
      this.send(res, new Answer(500, { error: "the sandbox failed to answer" }));
    }
  }

  private send(res: ServerResponse, answer: Answer): void {
    this.stats.countAnswer(answer.status);
    if (res.headersSent || res.destroyed) return;
    const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...(text !== "" ? { "content-type": "application/json" } : {}), "content-length": String(Buffer.byteLength(text)), ...answer.headers });
    res.end(text);
  }

  /** The answer to a request, or undefined when it was answered (or dropped) on the spot. */
  private async answer(req: IncomingMessage, res: ServerResponse): Promise<Answer | undefined> {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return new Answer(401, { error: req.headers.authorization ? "the bearer token is not valid" : "an Authorization: Bearer <token> header is required" });
    }
    const fault = this.faults.takeRequestFault();
    if (fault) {
      const error = fault.status === 429 ? "too many requests; slow down" : "the service is temporarily unavailable";
      return new Answer(fault.status, { error }, fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {});
    }
    const url = new URL(req.url ?? "/", this.origin);
    let segments: string[];
    try {
      segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    } catch {
      return new Answer(400, { error: "the path is not well encoded" });
    }
    if (segments.length === 1 && segments[0] === "query" && this.settings.reads?.query === "soql") {
      if (req.method !== "GET") return new Answer(405, { error: `${req.method} is not allowed on /query; use GET` }, { allow: "GET" });
      const query = soqlSelection(this.system, this.settings, url.searchParams.get("q"));
      if ("error" in query) return new Answer(400, { error: query.error });
      this.stats.countRead(kindOf(query.value.selection));
      return this.list(query.value.collection, url, res, query.value.selection);
    }
    const collection = this.system.collections.get(segments[0] ?? "");
    if (!collection || segments.length > 2) return new Answer(404, { error: `${this.system.title} has no ${JSON.stringify(url.pathname)}; its collections are ${[...this.system.collections.keys()].join(", ")}` });
    if (segments.length === 1) {
      if (req.method !== "GET") return new Answer(405, { error: `${req.method} is not allowed on a collection; use GET` }, { allow: "GET" });
      const selection = paramsSelection(this.system, this.settings, collection, url.searchParams);
      if ("error" in selection) return new Answer(400, { error: selection.error });
      this.stats.countRead(selection.value === undefined ? "list" : kindOf(selection.value));
      return this.list(collection, url, res, selection.value);
    }
    const key = segments[1]!;
    const method = req.method ?? "GET";
    if (method === "POST" && key === "Query" && this.settings.reads?.query === "virtuous") {
      const read = await readJson(req);
      if ("error" in read) return new Answer(read.status, { error: read.error });
      const selection = virtuousSelection(this.system, this.settings, collection, read.value);
      if ("error" in selection) return new Answer(400, { error: selection.error });
      this.stats.countRead(kindOf(selection.value));
      return this.list(collection, url, res, selection.value);
    }
    if (method === "GET") {
      this.stats.countRead("get");
      const record = this.records.get(collection.name)!.get(key);
      return record ? new Answer(200, record) : new Answer(404, { error: `there is no ${collection.name} record ${JSON.stringify(key)}` });
    }
    if (method !== "PUT" && method !== "PATCH" && method !== "DELETE") return new Answer(405, { error: `${method} is not allowed on a record` }, { allow: "GET, PUT, PATCH, DELETE" });
    let body: unknown;
    if (method !== "DELETE") {
      const read = await readJson(req);
      if ("error" in read) return new Answer(read.status, { error: read.error });
      body = read.value;
    }
    const answer = this.write(method, collection, key, body);
    this.stats.writes.push({ method, collection: collection.name, key, status: answer.status });
    if (answer.status < 300) this.onWrite?.(collection.name, key, method === "PUT" ? "create" : method === "PATCH" ? "update" : "delete");
    return answer;
  }

  private write(method: "PUT" | "PATCH" | "DELETE", collection: CollectionDefinition, key: string, body: unknown): Answer {
    const records = this.records.get(collection.name)!;
    const existing = records.get(key);
    if (method === "DELETE") {
      if (!existing) return new Answer(404, { error: `there is no ${collection.name} record ${JSON.stringify(key)}` });
      this.remove(collection.name, key);
      return new Answer(204, undefined);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return new Answer(400, { error: "the body must be a JSON object" });
    if (method === "PATCH" && !existing) return new Answer(404, { error: `there is no ${collection.name} record ${JSON.stringify(key)} to update` });
    const rejected = this.faults.rejection(collection.name, key);
    if (rejected !== undefined) return new Answer(422, { error: rejected });
    let record: Rec;
    if (method === "PUT") record = body as Rec;
    else {
      record = structuredClone(existing!);
      for (const [name, value] of Object.entries(body)) setMember(record, name, value);
    }
    const id = Object.prototype.hasOwnProperty.call(record, collection.key) ? record[collection.key] : undefined;
    if (id !== key) return new Answer(422, { error: `${collection.key}: must equal the record's key in the URL, ${JSON.stringify(key)}, not ${JSON.stringify(id ?? null)}` });
    const problem = recordProblem(collection, record);
    if (problem !== undefined) return new Answer(422, { error: problem });
    if (!existing) this.stats.countCreate(collection.name, key);
    this.store(collection.name, key, record);
    return new Answer(existing ? 200 : 201, record);
  }

  /**
   * A page of a collection, or of what a query selects from it: paged in the system's style,
   * with the faults of the collection's pages (a failing page, a deletion behind a page,
   * padding, a foreign next link) whichever of the two it is.
   */
  private list(collection: CollectionDefinition, url: URL, res: ServerResponse, selection?: Selection): Answer | undefined {
    const style = this.settings.pagination;
    const params = url.searchParams;
    const whole = (name: string, fallback: number): number | undefined => {
      const text = params.get(name);
      if (text === null) return fallback;
      return /^\d+$/.test(text) ? Number(text) : undefined;
    };
    let start: number | undefined;
    let size: number | undefined;
    if (style === "skip-take") [start, size] = [whole("skip", 0), whole("take", this.settings.pageSize)];
    else if (style === "offset-limit") [start, size] = [whole("offset", 0), whole("limit", this.settings.pageSize)];
    else if (style === "page-next-link") {
      const page = whole("page", 1);
      size = whole("per_page", this.settings.pageSize);
      start = page === undefined || page < 1 || size === undefined ? undefined : (page - 1) * size;
    } else {
      const cursor = params.get("cursor");
      start = cursor === null ? 0 : decodeCursor(cursor);
      size = this.settings.pageSize;
    }
    if (start === undefined || size === undefined || size < 1) return new Answer(400, { error: `the paging parameters are not whole numbers (this API pages by ${style})` });
    size = Math.min(size, MAX_PAGE_SIZE);
    const page = Math.floor(start / size) + 1;
    const failure = this.faults.takePageFault(collection.name, page);
    if (failure === "500") return new Answer(500, { error: "an internal error occurred while reading the page" });
    if (failure === "drop") {
      // Headers and half a body, then the connection is cut: a failure mid-answer.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
      res.write('{"partial": [');
      res.socket?.destroy();
      this.stats.countAnswer(0);
      return undefined;
    }
    const keys = selection === undefined ? this.keysOf(collection.name) : this.selected(collection.name, selection);
    const records = this.records.get(collection.name)!;
    const list = keys.slice(start, start + size).map((key) => records.get(key)!);
    const total = keys.length;
    const more = start + size < total;
    const origin = this.faults.nextOrigin(collection.name);
    // The path asked: a collection's, or /query for a SOQL query.
    const path = url.pathname;
    // A next link keeps the query's filters (those of a params query or SOQL's q; a Virtuous query's are in its body).
    const filters = new URLSearchParams([...params].filter(([name]) => !PAGING_PARAMS[style].includes(name))).toString();
    const query = filters === "" ? "" : `${filters}&`;
    let body: Rec;
    if (style === "skip-take") body = { list, total };
    else if (style === "offset-limit") body = { count: total, value: list };
    else if (style === "page-next-link") body = { data: list, links: { next: more ? `${origin ?? this.origin}${path}?${query}page=${page + 1}&per_page=${size}` : null } };
    else body = { totalSize: total, done: !more, records: list, ...(more ? { nextRecordsUrl: `${origin ?? ""}${path}?${query}cursor=${encodeCursor(start + size)}` } : {}) };
    const deleted = this.faults.takeDeletionAfter(collection.name, page);
    if (deleted !== undefined && records.has(deleted)) this.remove(collection.name, deleted);
    const padding = this.faults.paddingOf(collection.name);
    if (padding > 0) {
      this.sendPadded(res, body, padding);
      return undefined;
    }
    return new Answer(200, body);
  }

  /** A page with filler, streamed in pieces without a Content-Length, as a large answer comes. */
  private sendPadded(res: ServerResponse, body: Rec, padding: number): void {
    this.stats.countAnswer(200);
    res.writeHead(200, { "content-type": "application/json" });
    const text = JSON.stringify(body);
    res.write(`${text.slice(0, -1)},"padding":"`);
    const piece = "x".repeat(64 * 1024);
    let left = padding;
    const more = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, piece.length);
        left -= n;
        if (!res.write(piece.slice(0, n))) {
          res.once("drain", more);
          return;
        }
      }
      if (!res.destroyed) res.end('"}');
    };
    more();
  }
}


/** Where `key` is or would go in keys sorted by code units. */
function positionOf(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertSorted(keys: string[], key: string): void {
  const at = positionOf(keys, key);
  if (keys[at] !== key) keys.splice(at, 0, key);
}

function removeSorted(keys: string[], key: string): void {
  const at = positionOf(keys, key);
  if (keys[at] === key) keys.splice(at, 1);
}

/** What a query asks, for the counts: what was modified since a time, or records by a field's values. */
function kindOf(selection: Selection): "query" | "modified" {
  return selection.some((group) => group.some((request) => "modifiedSince" in request)) ? "modified" : "query";
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}

async function readJson(req: IncomingMessage): Promise<{ value: unknown } | { status: number; error: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { status: 413, error: `the body is larger than ${MAX_BODY_BYTES} bytes` };
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown };
  } catch {
    return { status: 400, error: "the body is not valid JSON" };
  }
}
