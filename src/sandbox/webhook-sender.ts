// Sends a system's event to the service as the vendor would: `POST {target}/webhooks/{connection}`
// with a JSON body, signed the Standard Webhooks way (webhook-id, webhook-timestamp,
// webhook-signature) with the connection's secret. Id and timestamp can be given, so tests
// can replay a message or send a stale one.
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { signWebhook } from "../connectors/webhook-signature.js";

export interface WebhookEvent {
  readonly type: string;
  readonly actor?: string;
  readonly recordId: string;
}

export interface WebhookDelivery {
  /** Defaults to a new `msg_` id. */
  readonly id?: string;
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number;
}

export interface WebhookAnswer {
  readonly id: string;
  readonly status: number;
  readonly body: string;
}

export async function sendWebhook(target: string, connection: string, secret: string, event: WebhookEvent, delivery: WebhookDelivery = {}): Promise<WebhookAnswer> {
  const id = delivery.id ?? `msg_${randomUUID()}`;
  const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: event.type, ...(event.actor !== undefined ? { actor: event.actor } : {}), recordId: event.recordId });
  // An organization's connection (ORGANIZATION/NAME) is two segments of the path, as its vendor is told.
  const url = new URL(`webhooks/${connection.split("/").map(encodeURIComponent).join("/")}`, target.endsWith("/") ? target : `${target}/`);
  const response = await request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(secret, id, timestamp, body),
    },
    body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return { id, status: response.statusCode, body: await response.body.text() };
}
