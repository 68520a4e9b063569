// Loopback servers that misbehave in ways the sandbox does not: a collection that changes
// between two pages (one record deleted, another added, so the total stays put), paging that
// never ends, and an answer that trickles in a byte at a time. Each counts its requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { PaginationStyle } from "../../src/connectors/settings.js";

export interface LoopbackServer {
  /** The base URL a connector is given. */
  readonly url: string;
  readonly host: string;
  /** Requests answered so far. */
  requests: number;
  close(): Promise<void>;
}

type Handler = (url: URL, res: ServerResponse, server: LoopbackServer) => void;

export async function serve(handler: Handler): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    handler(new URL(req.url ?? "/", state.url), res, state);
  });
  http.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const state: LoopbackServer = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        // A trickling answer would hold the server open: its sockets are cut.
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  };
  return state;
}

export function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

type Rec = Record<string, unknown>;

export interface ListServer extends LoopbackServer {
  /** The records served now, in the order served. */
  readonly records: Rec[];
}

/**
 * One collection served in a pagination style, sorted by key as the sandbox serves it;
 * `afterPage(n, records)` runs once page n (the nth request) is answered, and may change the
 * records, as another user might between two pages. next-records-url is a real cursor: the
 * records as they were when the query began, as Salesforce's query locator keeps them.
 */
export async function listServer(style: PaginationStyle, key: string, records: Rec[], afterPage: (n: number, records: Rec[]) => void = () => {}): Promise<ListServer> {
  const list = [...records];
  const cursors: Rec[][] = [];
  const server = await serve((url, res, self) => {
    const number = (name: string, fallback: number): number => Number(url.searchParams.get(name) ?? fallback);
    list.sort((a, b) => String(a[key]).localeCompare(String(b[key])));
    if (style === "skip-take") {
      const skip = number("skip", 0);
      json(res, { list: list.slice(skip, skip + number("take", 100)), total: list.length });
    } else if (style === "offset-limit") {
      const offset = number("offset", 0);
      json(res, { count: list.length, value: list.slice(offset, offset + number("limit", 100)) });
    } else if (style === "page-next-link") {
      const page = number("page", 1);
      const size = number("per_page", 100);
      const more = page * size < list.length;
      json(res, { data: list.slice((page - 1) * size, page * size), links: { next: more ? `${self.url}${url.pathname}?page=${page + 1}&per_page=${size}` : null } });
    } else {
      const [cursor, start] = (url.searchParams.get("cursor") ?? `${cursors.push([...list]) - 1}:0`).split(":").map(Number) as [number, number];
      const snapshot = cursors[cursor]!;
      const done = start + 2 >= snapshot.length;
      json(res, { totalSize: snapshot.length, done, records: snapshot.slice(start, start + 2), ...(done ? {} : { nextRecordsUrl: `${url.pathname}?cursor=${cursor}:${start + 2}` }) });
    }
    afterPage(self.requests, list);
  });
  return Object.assign(server, { records: list });
}

/**
 * Paging that never ends: every page holds `perPage` new records and a next link to a page
 * not asked for before. After `giveUpAt` pages it ends, so that a read without bounds ends too
 * (and a test of the bounds fails instead of hanging). Each answer waits `delayMs` first.
 */
export async function endlessServer(options: { perPage: number; giveUpAt: number; delayMs?: number; record: (n: number) => Rec }): Promise<LoopbackServer> {
  return serve((url, res, self) => {
    const page = Number(url.searchParams.get("page") ?? 1);
    const records = Array.from({ length: options.perPage }, (_, i) => options.record((page - 1) * options.perPage + i + 1));
    const next = self.requests < options.giveUpAt ? `${self.url}${url.pathname}?page=${page + 1}&per_page=${options.perPage}` : null;
    const answer = (): void => json(res, { data: records, links: { next } });
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  });
}

/** An answer that comes one byte every `everyMs`: a page of no records, padded to `bytes`; it would take bytes × everyMs to end. */
export async function tricklingServer(everyMs: number, bytes: number): Promise<LoopbackServer> {
  return serve((_url, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const text = `{"data": [], "links": {"next": null}, "padding": "${"x".repeat(Math.max(0, bytes - 50))}"}`;
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= text.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(text[sent++]!);
    }, everyMs);
    res.on("close", () => clearInterval(timer));
  });
}
