// Writing responses and reading bounded request bodies, shared by the server's routes.
import type { IncomingMessage, ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`, headers);
}

export function send(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  // The client may have gone while the request was handled; there is no one to answer.
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store", ...headers });
  res.end(text);
}

/**
 * Refuses a body over the limit. `Connection: close` ends the connection after the answer,
 * so the rest of the body is neither read into memory nor parsed as a next request.
 */
export function sendTooLarge(res: ServerResponse, maxBytes: number): void {
  sendJson(res, 413, { error: `the body is over the limit of ${maxBytes} bytes` }, { connection: "close" });
}

export type BodyRead = { kind: "body"; body: Buffer } | { kind: "too-large" } | { kind: "gone" };

/** Reads a request body up to maxBytes; past that it stops keeping what arrives and says so. */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      // Whatever still arrives is discarded (never kept) while the connection closes after the answer.
      if (result.kind === "too-large") req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        chunks.length = 0;
        settle({ kind: "too-large" });
      } else chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => settle({ kind: "body", body: Buffer.concat(chunks, total) }));
    req.on("error", () => settle({ kind: "gone" }));
    req.on("close", () => settle(req.complete ? { kind: "body", body: Buffer.concat(chunks, total) } : { kind: "gone" }));
  });
}
