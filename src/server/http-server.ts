// The service's HTTP side (src/server/): webhooks from the systems (Standard Webhooks
// signatures), /healthz for whoever keeps the service up, /metrics for Prometheus. It decides
// nothing about runs: a verified event goes to onEvent, which the scheduler provides.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "../scheduler/metrics.js";
import { send, sendJson } from "./responses.js";
import { fromThisMachine, ONLY_THIS_MACHINE, pageFiles, sendPageFile } from "./pages.js";
import { handleWebhook, type EventHandler, type WebhookConnection } from "./webhook-route.js";
import { webhookSecretProblem } from "../connectors/webhook-signature.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { ProblemError } from "../diagnostics/problem.js";

export interface Health {
  readonly ok: boolean;
  readonly detail: Record<string, unknown>;
}

export interface ServiceServerOptions {
  /** Connection name (the path after /webhooks/: NAME, or ORGANIZATION/NAME) -> its system and webhook secret. */
  readonly connections: ReadonlyMap<string, WebhookConnection>;
  readonly onEvent: EventHandler;
  readonly health: () => Health;
  readonly metrics: Metrics;
  /** Default 64 KiB: an event names one record, so a body past this is a mistake or an attack. */
  readonly maxBodyBytes?: number;
  /** How far a webhook's timestamp may be from now, either way. Default 300 (Standard Webhooks). */
  readonly toleranceSeconds?: number;
  /** Milliseconds since 1970; tests pass their own clock. */
  readonly now?: () => number;
  /** The service's own page at `/`: what it shows, as JSON at /api/status (service-status.ts). */
  readonly status?: () => Promise<unknown>;
  /** Told of failures inside the service (never of bad requests); the client gets a generic 500. */
  readonly onError?: (error: unknown, request: string) => void;
}

/** The server could not listen: the message names the host and port; code is the system's (EADDRINUSE ...), for callers that try another port. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    readonly code: string | undefined,
    readonly host: string,
    readonly port: number,
    readonly why: Message<"DEP006">,
  ) {
    super(why.text);
  }
}

export interface ServiceServer {
  listen(port: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
}

const PAGE = pageFiles("service");

const ROUTES: readonly { path: RegExp; methods: readonly string[] }[] = [
  // The service's page and what it shows.
  { path: /^\/(?:service\.js(?:\.LEGAL\.txt)?|pages\.css|api\/status)?$/, methods: ["GET", "HEAD"] },
  { path: /^\/healthz$/, methods: ["GET", "HEAD"] },
  { path: /^\/metrics$/, methods: ["GET", "HEAD"] },
  // /webhooks/CONNECTION, or /webhooks/ORGANIZATION/CONNECTION for an organization's own.
  { path: /^\/webhooks\/[^/]+(?:\/[^/]+)?$/, methods: ["POST"] },
];

/** Throws when a connection's secret is malformed: that is the deployment's mistake, found before serving. */
export function createServiceServer(options: ServiceServerOptions): ServiceServer {
  for (const [name, connection] of options.connections) {
    const problem = connection.secret === undefined ? undefined : webhookSecretProblem(connection.secret);
    if (problem) throw new Error(`connection ${JSON.stringify(name)}: ${problem}`);
  }
  const now = options.now ?? Date.now;
  const webhookOptions = {
    connections: options.connections,
    onEvent: options.onEvent,
    metrics: options.metrics,
    maxBodyBytes: options.maxBodyBytes ?? 65_536,
    toleranceSeconds: options.toleranceSeconds ?? 300,
    now,
  };
  // A problem (the store's, with its SVC code) is logged with its code, as the CLI prints it.
  const onError = options.onError ?? ((error: unknown, request: string) => process.stderr.write(`syncspec: ${request} failed: ${error instanceof ProblemError ? `${error.problem.code}: ` : ""}${error instanceof Error ? error.message : String(error)}\n`));

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Only the path: a request target may be absolute-form or carry a query, neither of which routes.
    const path = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    const matched = ROUTES.find((r) => r.path.test(path));
    if (!matched) return sendJson(res, 404, { error: `nothing is served at ${path.slice(0, 200)}; try /, /healthz, /metrics or POST /webhooks/{connection}` });
    if (!matched.methods.includes(method)) return sendJson(res, 405, { error: `${path} takes ${matched.methods.join(" or ")}, not ${method}` }, { allow: matched.methods.join(", ") });
    if (path === "/healthz") return answerHealth(res, options.health, onError);
    if (path === "/metrics") return send(res, 200, "text/plain; version=0.0.4; charset=utf-8", options.metrics.render());
    const pageFile = PAGE.get(path);
    if (pageFile || path === "/api/status") {
      if (!fromThisMachine(req)) return sendJson(res, 403, { error: ONLY_THIS_MACHINE });
      if (pageFile) return sendPageFile(res, pageFile, "service");
      return options.status ? sendJson(res, 200, await options.status()) : sendJson(res, 404, { error: "this server shows no status" });
    }
    let name: string;
    try {
      name = decodeURIComponent(path.slice("/webhooks/".length));
    } catch {
      return sendJson(res, 404, { error: "the connection name in the path is not valid percent-encoding" });
    }
    return handleWebhook(req, res, name, webhookOptions);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      onError(error, `${req.method} ${(req.url ?? "").split("?")[0]}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: "the service could not handle this request; its log says why" }, { connection: "close" });
    });
  };
  const server = createServer(handle);
  // Expect: 100-continue goes through the same routes, so an oversized body is refused before it is sent.
  server.on("checkContinue", handle);
  // A sender that trickles its request ties up a socket; these bound how long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        const onListenError = (error: NodeJS.ErrnoException) => reject(new ListenError(error.code, host, port, listenProblem(error, port, host)));
        server.once("error", onListenError);
        server.listen(port, host, () => {
          server.off("error", onListenError);
          const address = server.address() as AddressInfo;
          resolve({ url: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}` });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answerHealth(res: ServerResponse, health: () => Health, onError: (error: unknown, request: string) => void): void {
  let ok: boolean;
  let detail: Record<string, unknown>;
  try {
    ({ ok, detail } = health());
  } catch (error) {
    // A health check that cannot run is an unhealthy service, not a server error.
    onError(error, "GET /healthz");
    return sendJson(res, 503, { status: "unavailable", error: "the health check failed; the service log says why" });
  }
  const status = ok ? "ok" : "unavailable";
  // status first for people reading it, and assigned last so that a detail cannot override it.
  sendJson(res, ok ? 200 : 503, Object.assign({ status }, detail, { status }));
}

function listenProblem(error: NodeJS.ErrnoException, port: number, host: string): Message<"DEP006"> {
  if (error.code === "EADDRINUSE") return message("DEP006", "inUse", { host, port });
  if (error.code === "EACCES") return message("DEP006", "notPermitted", { host, port });
  if (error.code === "EADDRNOTAVAIL") return message("DEP006", "noAddress", { host, port });
  return message("DEP006", "other", { host, port, reason: error.message });
}
