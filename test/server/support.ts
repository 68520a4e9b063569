// What the server tests share: a real service server on loopback with a fixed clock, an
// event handler that remembers ids the way the store does, and requests signed or raw.
import { connect } from "node:net";
import type { RunEvent } from "../../src/input/event.js";
import { createServiceServer, type ServiceServerOptions } from "../../src/server/http-server.js";
import { Metrics } from "../../src/scheduler/metrics.js";
import { signWebhook } from "../../src/connectors/webhook-signature.js";
import { SYSTEMS } from "../helpers.js";

export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
export const NOW_SECONDS = 1_700_000_000;

export interface Harness {
  readonly url: string;
  readonly metrics: Metrics;
  readonly received: { connection: string; event: RunEvent; id: string }[];
  readonly errors: unknown[];
  close(): Promise<void>;
}

export async function startServer(options: Partial<ServiceServerOptions> = {}): Promise<Harness> {
  const raisedonors = SYSTEMS.get("raisedonors")!;
  const received: Harness["received"] = [];
  const errors: unknown[] = [];
  const seen = new Set<string>();
  const metrics = options.metrics ?? new Metrics();
  const server = createServiceServer({
    connections: new Map([
      ["raisedonors", { system: raisedonors, secret: SECRET }],
      ["quiet", { system: raisedonors }],
    ]),
    // As the scheduler does through the store: an id seen before is a replay and is not run again.
    onEvent: (connection, event, id) => {
      if (seen.has(`${connection}\u0000${id}`)) return "duplicate";
      seen.add(`${connection}\u0000${id}`);
      received.push({ connection, event, id });
      return "accepted";
    },
    health: () => ({ ok: true, detail: { integrations: 2 } }),
    metrics,
    now: () => NOW_SECONDS * 1000,
    onError: (error) => errors.push(error),
    ...options,
  });
  const { url } = await server.listen(0);
  return { url, metrics, received, errors, close: () => server.close() };
}

export interface SignedOptions {
  readonly id?: string;
  readonly timestamp?: number;
  readonly secret?: string;
  readonly connection?: string;
  readonly omit?: "webhook-id" | "webhook-timestamp" | "webhook-signature";
}

/** POSTs a body to /webhooks/{connection}, signed as a system would sign it. */
export function postSigned(url: string, body: string, options: SignedOptions = {}): Promise<Response> {
  const id = options.id ?? "msg_1";
  const timestamp = options.timestamp ?? NOW_SECONDS;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook(options.secret ?? SECRET, id, timestamp, body),
  };
  if (options.omit) delete headers[options.omit];
  return fetch(`${url}/webhooks/${options.connection ?? "raisedonors"}`, { method: "POST", headers, body });
}

/**
 * Sends bytes over a plain socket and returns the response's status and body. Used where
 * fetch cannot say what is sent: a Content-Length with no body behind it, a chunked body
 * that never ends.
 */
export function rawRequest(url: string, head: string, ...bodyParts: (string | Buffer)[]): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!match) return reject(new Error(`no HTTP response: ${JSON.stringify(text)}`));
      resolve({ status: Number(match[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    };
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may close while parts are still being written; what it answered is what counts.
    socket.on("error", finish);
    socket.on("end", finish);
    socket.write(head);
    for (const part of bodyParts) socket.write(part);
  });
}
