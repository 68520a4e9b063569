// A system whose error answers echo the request, Authorization header and all: a loopback
// server before the sandbox that answers some requests itself (as a test says) and passes
// the rest on. And where a test looks for a credential: every text, and a file's bytes.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";

/** An answer of the echoing server's own, or undefined to pass the request on. */
export type Echo = (req: IncomingMessage) => { status: number; body: string; type?: string } | undefined;

export interface EchoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A token unlike any other text, with characters that percent-encoding changes ("/", "+"). */
export function distinctToken(): string {
  return `sk_${randomBytes(12).toString("hex")}/${randomBytes(6).toString("hex")}+z`;
}

/** The request's headers as an error page writes them back: as JSON, and the token again in a URL's query. */
export function echoedHeaders(req: IncomingMessage): string {
  const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
  return `the request was ${req.method} ${req.url} with ${JSON.stringify(req.headers)}; retry at /retry?access_token=${encodeURIComponent(token)}`;
}

export async function echoServer(target: string, echo: Echo): Promise<EchoServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const own = echo(req);
      if (own) {
        res.writeHead(own.status, { "content-type": own.type ?? "text/plain" });
        res.end(own.body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(name)) headers[name] = value;
      const body = Buffer.concat(chunks);
      fetch(`${target}${req.url}`, { method: req.method ?? "GET", headers, ...(body.length > 0 ? { body } : {}) })
        .then(async (answer) => {
          const type = answer.headers.get("content-type");
          res.writeHead(answer.status, type ? { "content-type": type } : {});
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The forms in which a credential must appear nowhere: as is, percent-encoded, and its first
 * characters (half a token is half a secret: a body cut short may end in one).
 */
export function leaksOf(credential: string): string[] {
  return [credential, encodeURIComponent(credential), credential.slice(0, 10)];
}

/** Fails, naming the place, when any form of the credential is in the text. */
export function expectNoCredential(where: string, text: string, credential: string): void {
  for (const leak of leaksOf(credential)) expect(text.includes(leak), `${where} holds ${leak === credential ? "the credential" : "a form of the credential"}`).toBe(false);
}

/** The same over a SQLite store's files, byte by byte: the database, its write-ahead log and its shared memory. */
export function expectNoCredentialInStore(file: string, credential: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    if (!existsSync(`${file}${suffix}`)) continue;
    const bytes = readFileSync(`${file}${suffix}`);
    for (const leak of leaksOf(credential)) expect(bytes.includes(Buffer.from(leak, "utf8")), `${file}${suffix} holds a form of the credential`).toBe(false);
  }
}
