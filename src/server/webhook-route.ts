// POST /webhooks/{connection}: a system's event, checked in the order that spends least on a
// stranger: the connection exists and takes webhooks, the body fits, the signature and
// timestamp hold, the body is an event the system has. Only then does the caller decide.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "../scheduler/metrics.js";
import { readBoundedBody, sendJson, sendTooLarge } from "./responses.js";
import { type EventDecision, type EventHandler, type WebhookConnection } from "../connectors/webhook-event.js";
import { parseWebhookBody } from "../input/event.js";
export type { EventDecision, EventHandler, WebhookConnection };
import { verifyWebhook, webhookSecretProblem } from "../connectors/webhook-signature.js";


export interface WebhookRouteOptions {
  readonly connections: ReadonlyMap<string, WebhookConnection>;
  readonly onEvent: EventHandler;
  readonly metrics: Metrics;
  readonly maxBodyBytes: number;
  readonly toleranceSeconds: number;
  readonly now: () => number;
}

/** Answers a webhook. Throws only for the service's own faults (onEvent failing, a malformed secret); the server turns those into a 500. */
export async function handleWebhook(req: IncomingMessage, res: ServerResponse, name: string, options: WebhookRouteOptions): Promise<void> {
  const connection = options.connections.get(name);
  // Unknown names are not counted in metrics: the sender chooses them, and each would be a new series.
  if (!connection) return sendJson(res, 404, { error: `no connection named ${JSON.stringify(name)} receives webhooks here` });
  const refuse = (status: number, result: string, error: string, code?: string) => {
    options.metrics.webhookReceived(name, result);
    sendJson(res, status, { error, ...(code !== undefined ? { code } : {}) });
  };
  if (!connection.secret) return refuse(401, "disabled", `webhooks are off for connection ${JSON.stringify(name)}: the deployment gives it no webhook secret`);
  // The connections may be filled in after the server starts, so a bad secret can first show here.
  // It is the deployment's mistake, not the sender's: a 500 and the log, not a 401 that blames the signature.
  const secretProblem = webhookSecretProblem(connection.secret);
  if (secretProblem) {
    options.metrics.webhookReceived(name, "error");
    throw new Error(`the webhook secret of connection ${JSON.stringify(name)} is not usable: ${secretProblem}`);
  }

  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > options.maxBodyBytes) {
    options.metrics.webhookReceived(name, "too_large");
    return sendTooLarge(res, options.maxBodyBytes);
  }
  if (req.headers.expect === "100-continue") res.writeContinue();
  const read = await readBoundedBody(req, options.maxBodyBytes);
  if (read.kind === "gone") return;
  if (read.kind === "too-large") {
    options.metrics.webhookReceived(name, "too_large");
    return sendTooLarge(res, options.maxBodyBytes);
  }

  const verdict = verifyWebhook(
    connection.secret,
    { id: header(req, "webhook-id"), timestamp: header(req, "webhook-timestamp"), signature: header(req, "webhook-signature") },
    read.body,
    options.now() / 1000,
    options.toleranceSeconds,
  );
  if (!verdict.ok) return refuse(401, "unauthorized", verdict.reason);

  const event = parseWebhookBody(read.body.toString("utf8"), connection.system);
  // The body's problem, and its catalog code (INP002, EVT001, EVT002) for a sender that tells them apart.
  if ("problem" in event) return refuse(400, "bad_request", event.problem, event.code);

  let decision: EventDecision;
  try {
    decision = await options.onEvent(name, event, header(req, "webhook-id")!);
  } catch (error) {
    options.metrics.webhookReceived(name, "error");
    throw error;
  }
  if (decision === "accepted") {
    options.metrics.webhookReceived(name, "accepted");
    return sendJson(res, 202, { status: "accepted" });
  }
  if (decision === "duplicate") {
    options.metrics.webhookReceived(name, "duplicate");
    return sendJson(res, 200, { status: "duplicate" });
  }
  if (decision && typeof decision === "object" && "ignored" in decision && typeof decision.ignored === "string") {
    options.metrics.webhookReceived(name, "ignored");
    return sendJson(res, 200, { status: "ignored", reason: decision.ignored });
  }
  if (decision && typeof decision === "object" && "retryLater" in decision && typeof decision.retryLater === "string") {
    options.metrics.webhookReceived(name, "unavailable");
    return sendJson(res, 503, { status: "unavailable", reason: decision.retryLater }, { "retry-after": "30" });
  }
  options.metrics.webhookReceived(name, "error");
  throw new Error(`the event handler returned ${JSON.stringify(decision)}; expected "accepted", "duplicate", {ignored: reason} or {retryLater: reason}`);
}

/** A header as one string: Node joins repeated unknown headers with ", ", which then fails verification plainly. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
