// Standard Webhooks signatures (https://www.standardwebhooks.com): an HMAC-SHA256 over
// "${id}.${timestamp}.${body}" keyed by the base64 part of a `whsec_` secret, sent as
// "v1,<base64>". Verifying never throws: whatever a sender puts in the headers comes back
// as a reason the person who configured the sender can act on.
import { createHmac, timingSafeEqual } from "node:crypto";
import { message } from "../diagnostics/catalog.js";

export interface WebhookHeaders {
  readonly id?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly signature?: string | undefined;
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: string };

const SECRET_PREFIX = "whsec_";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// The spec asks for keys of 24 to 64 bytes; a shorter key is a guessable key.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** Why a secret cannot sign or verify, or undefined when it can. For checking configuration up front. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return message("DEP004", "secretPrefix").text;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) return message("DEP004", "secretNotBase64").text;
  const bytes = Buffer.from(encoded, "base64").length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) return message("DEP004", "secretKeySize", { bytes, min: MIN_KEY_BYTES, max: MAX_KEY_BYTES }).text;
  return undefined;
}

/** The webhook-signature header value for a message: "v1,<base64>". Throws on a malformed secret (configuration, not input). */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${signature(keyOf(secret), id, String(timestamp), Buffer.from(body, "utf8"))}`;
}

/**
 * Checks a received webhook: the headers are present, the timestamp is within the tolerance
 * either way (so a captured message cannot be replayed later, nor one pre-signed for the
 * future), and one of the v1 signatures matches the raw body as received.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, rawBody: Buffer, nowSeconds: number, toleranceSeconds = 300): WebhookVerdict {
  const fail = (reason: string): WebhookVerdict => ({ ok: false, reason });
  const secretProblem = webhookSecretProblem(secret);
  if (secretProblem !== undefined) return fail(`the receiving side's secret is not usable: ${secretProblem}`);
  const { id, timestamp, signature: signatures } = headers;
  if (!id) return fail("missing webhook-id header");
  if (!timestamp) return fail("missing webhook-timestamp header");
  if (!signatures) return fail("missing webhook-signature header");
  if (/^\d{13}$/.test(timestamp)) return fail(`webhook-timestamp ${timestamp} looks like milliseconds; Standard Webhooks timestamps are whole seconds since 1970`);
  if (!/^\d{1,12}$/.test(timestamp)) return fail(`webhook-timestamp must be whole seconds since 1970 (e.g. 1614265330), not ${quote(timestamp)}`);
  const age = Math.floor(nowSeconds) - Number(timestamp);
  if (age > toleranceSeconds) return fail(`timestamp is ${age} seconds old; the tolerance is ${toleranceSeconds}`);
  if (-age > toleranceSeconds) return fail(`timestamp is ${-age} seconds in the future; the tolerance is ${toleranceSeconds} (is the sender's clock right?)`);
  const offered = signatures
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "latin1"));
  if (offered.length === 0) return fail('webhook-signature has no "v1,<base64>" signature');
  const expected = Buffer.from(signature(keyOf(secret), id, timestamp, rawBody), "latin1");
  // Every offered signature is compared, matched or not, so the time taken says nothing about which one was close.
  let matched = false;
  for (const candidate of offered) {
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  return matched ? { ok: true } : fail("no signature matches; check that the sender signs with this connection's secret and sends the body unchanged");
}

function keyOf(secret: string): Buffer {
  const problem = webhookSecretProblem(secret);
  if (problem) throw new Error(problem);
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

// The body is hashed as the bytes received: decoding and re-encoding could change them.
function signature(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`, "utf8").update(body).digest("base64");
}

/** A header value quoted for a message, cut short: it comes from whoever sent the request. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
