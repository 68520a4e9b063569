// One connection's server: a real node:http server on 127.0.0.1 that plays a system over the
// wire protocol the HTTP connector speaks (bearer token, the system's pagination style,
// PUT/PATCH/DELETE per record, every written record checked against its schema, 422 with
// the reason), with faults that tests switch on while it runs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Document, type RecordWrite } from "../connectors/connector.js";
import type { ConnectorSettings } from "../connectors/settings.js";
import { recordProblem } from "../input/record-checks.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { SandboxFaults } from "./faults.js";
import { SandboxStats } from "./stats.js";
import { setMember } from "../json/own.js";

type Rec = Record<string, unknown>;

export interface SystemServerOptions {
  readonly name: string;
  readonly system: SystemDefinition;
  readonly settings: ConnectorSettings;
  readonly token: string;
  readonly document: Document;
  /** Called after each write the server accepted: the sandbox sends the system's event for it. */
  readonly onWrite?: (collection: string, key: string, action: RecordWrite["action"]) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PAGE_SIZE = 1000;

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
  private readonly server: Server;
  private origin = "";

  private constructor(options: SystemServerOptions) {
    this.name = options.name;
    this.system = options.system;
    this.settings = options.settings;
    this.token = options.token;
    this.onWrite = options.onWrite;
    for (const name of options.system.collections.keys()) {
      const given = Object.prototype.hasOwnProperty.call(options.document, name) ? options.document[name]! : {};
      this.records.set(name, new Map(Object.entries(given).map(([key, record]) => [key, structuredClone(record)])));
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
    this.records.get(collection)!.set(key, structuredClone(record));
    this.sortedKeys.delete(collection);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private keysOf(collection: string): string[] {
    let keys = this.sortedKeys.get(collection);
    if (!keys) {
      // Code-unit order, as the engine orders keys.
      keys = [...this.records.get(collection)!.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
    const collection = this.system.collections.get(segments[0] ?? "");
    if (!collection || segments.length > 2) return new Answer(404, { error: `${this.system.title} has no ${JSON.stringify(url.pathname)}; its collections are ${[...this.system.collections.keys()].join(", ")}` });
    if (segments.length === 1) {
      if (req.method !== "GET") return new Answer(405, { error: `${req.method} is not allowed on a collection; use GET` }, { allow: "GET" });
      return this.list(collection, url, res);
    }
    const key = segments[1]!;
    const method = req.method ?? "GET";
    if (method === "GET") {
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
      records.delete(key);
      this.sortedKeys.delete(collection.name);
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

  private list(collection: CollectionDefinition, url: URL, res: ServerResponse): Answer | undefined {
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
    const keys = this.keysOf(collection.name);
    const records = this.records.get(collection.name)!;
    const list = keys.slice(start, start + size).map((key) => records.get(key)!);
    const total = keys.length;
    const more = start + size < total;
    const origin = this.faults.nextOrigin(collection.name);
    const path = `/${encodeURIComponent(collection.name)}`;
    let body: Rec;
    if (style === "skip-take") body = { list, total };
    else if (style === "offset-limit") body = { count: total, value: list };
    else if (style === "page-next-link") body = { data: list, links: { next: more ? `${origin ?? this.origin}${path}?page=${page + 1}&per_page=${size}` : null } };
    else body = { totalSize: total, done: !more, records: list, ...(more ? { nextRecordsUrl: `${origin ?? ""}${path}?cursor=${encodeCursor(start + size)}` } : {}) };
    const deleted = this.faults.takeDeletionAfter(collection.name, page);
    if (deleted !== undefined) {
      records.delete(deleted);
      this.sortedKeys.delete(collection.name);
    }
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
