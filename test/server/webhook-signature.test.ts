// Signing and verifying Standard Webhooks signatures: the spec's own test vector, and every
// way a received webhook can fail, each with a reason and never an exception.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook, webhookSecretProblem } from "../../src/connectors/webhook-signature.js";

// From the Standard Webhooks specification's example.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const headers = (overrides: Partial<{ id: string; timestamp: string; signature: string }> = {}) => ({ id: ID, timestamp: String(TIMESTAMP), signature: SIGNATURE, ...overrides });
const verify = (h: Parameters<typeof verifyWebhook>[1], body = BODY, now = TIMESTAMP) => verifyWebhook(SECRET, h, Buffer.from(body), now);

describe("signWebhook", () => {
  it("matches the Standard Webhooks test vector", () => {
    expect(signWebhook(SECRET, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("refuses a secret that is not whsec_ and base64 of 24 to 64 bytes", () => {
    expect(() => signWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ID, TIMESTAMP, BODY)).toThrow(/starts with "whsec_"/);
    expect(webhookSecretProblem("whsec_not base64!")).toMatch(/not base64/);
    expect(webhookSecretProblem("whsec_c2hvcnQ=")).toMatch(/5 bytes/);
    expect(webhookSecretProblem(SECRET)).toBeUndefined();
  });
});

describe("verifyWebhook", () => {
  it("accepts the test vector within the tolerance either way", () => {
    expect(verify(headers())).toEqual({ ok: true });
    expect(verify(headers(), BODY, TIMESTAMP + 300)).toEqual({ ok: true });
    expect(verify(headers(), BODY, TIMESTAMP - 300)).toEqual({ ok: true });
  });

  it("accepts when any one of several space-separated signatures matches", () => {
    const forged = "v1,Zm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2VkZm9yZ2VkZm8=";
    expect(verify(headers({ signature: `v1a,whatever ${forged} ${SIGNATURE}` }))).toEqual({ ok: true });
  });

  it("says which header is missing", () => {
    expect(verify({ timestamp: String(TIMESTAMP), signature: SIGNATURE })).toEqual({ ok: false, reason: "missing webhook-id header" });
    expect(verify({ id: ID, signature: SIGNATURE })).toEqual({ ok: false, reason: "missing webhook-timestamp header" });
    expect(verify({ id: ID, timestamp: String(TIMESTAMP) })).toEqual({ ok: false, reason: "missing webhook-signature header" });
  });

  it("refuses stale and future timestamps with their distance and the tolerance", () => {
    expect(verify(headers(), BODY, TIMESTAMP + 412)).toEqual({ ok: false, reason: "timestamp is 412 seconds old; the tolerance is 300" });
    expect(verify(headers(), BODY, TIMESTAMP - 301)).toEqual({ ok: false, reason: "timestamp is 301 seconds in the future; the tolerance is 300 (is the sender's clock right?)" });
  });

  it("refuses timestamps that are not whole seconds", () => {
    expect(verify(headers({ timestamp: "1614265330000" }))).toMatchObject({ ok: false, reason: expect.stringMatching(/looks like milliseconds/) });
    expect(verify(headers({ timestamp: "soon" }))).toMatchObject({ ok: false, reason: expect.stringMatching(/whole seconds since 1970.*"soon"/) });
    expect(verify(headers({ timestamp: "-5" }))).toMatchObject({ ok: false });
  });

  it("refuses a changed body, id or timestamp, and a signature made with another secret", () => {
    const reason = expect.stringMatching(/^no signature matches/);
    expect(verify(headers(), '{"test": 2432232315}')).toEqual({ ok: false, reason });
    expect(verify(headers({ id: "msg_other" }))).toEqual({ ok: false, reason });
    expect(verify(headers({ timestamp: String(TIMESTAMP + 1) }))).toEqual({ ok: false, reason });
    const other = signWebhook("whsec_" + Buffer.alloc(32, 7).toString("base64"), ID, TIMESTAMP, BODY);
    expect(verify(headers({ signature: other }))).toEqual({ ok: false, reason });
  });

  it("never throws on malformed signatures", () => {
    for (const signature of ["v1", "v1,", "v1,!!!", "v2,abc", " ", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", `${SIGNATURE}x`, "\u0000\uffff"]) {
      const verdict = verify(headers({ signature }));
      expect(verdict.ok, signature).toBe(false);
    }
    expect(verify(headers({ signature: "v2,abc" }))).toEqual({ ok: false, reason: 'webhook-signature has no "v1,<base64>" signature' });
  });

  it("hashes the raw bytes, not a re-encoding of them", () => {
    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]); // {"a":"\xff"}: not UTF-8
    const key = Buffer.from(SECRET.slice(6), "base64");
    const signature = `v1,${createHmac("sha256", key).update(`${ID}.${TIMESTAMP}.`).update(raw).digest("base64")}`;
    expect(verifyWebhook(SECRET, headers({ signature }), raw, TIMESTAMP)).toEqual({ ok: true });
  });
});
