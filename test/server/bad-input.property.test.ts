// Whatever a sender puts in the headers or the body, the answer is a verdict or a 4xx with a
// reason: never an exception, never the 500 path.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWebhookBody } from "../../src/input/event.js";
import { signWebhook, verifyWebhook } from "../../src/connectors/webhook-signature.js";
import { SYSTEMS } from "../helpers.js";
import { NOW_SECONDS, SECRET, startServer, type Harness } from "./support.js";

const header = fc.option(fc.oneof(fc.string(), fc.stringMatching(/^v1,[A-Za-z0-9+/=]{0,50}( v1,[A-Za-z0-9+/=]{0,50})*$/), fc.nat().map(String)), { nil: undefined });

describe("verifyWebhook and parseWebhookBody", () => {
  it("never throw, and refuse with a reason", () => {
    fc.assert(
      fc.property(header, header, header, fc.uint8Array({ maxLength: 200 }), (id, timestamp, signature, body) => {
        const verdict = verifyWebhook(SECRET, { id, timestamp, signature }, Buffer.from(body), NOW_SECONDS);
        if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(0);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.record({ type: fc.string(), recordId: fc.anything(), actor: fc.anything() }).map((r) => JSON.stringify(r) ?? "")), (text) => {
        const result = parseWebhookBody(text, SYSTEMS.get("raisedonors")!);
        if ("problem" in result) {
          expect(result.problem.length).toBeGreaterThan(0);
          expect(["INP002", "EVT001", "EVT002"]).toContain(result.code);
        }
      }),
    );
  });
});

describe("the webhook route", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startServer();
  });
  afterAll(() => h.close());

  it("answers correctly signed arbitrary bodies with 202, 200 or 400, never 500", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.constantFrom('{"type":"gift.created","recordId":"g1"}')), async (body) => {
        const id = `msg_prop_${n++}`;
        const response = await fetch(`${h.url}/webhooks/raisedonors`, {
          method: "POST",
          headers: { "webhook-id": id, "webhook-timestamp": String(NOW_SECONDS), "webhook-signature": signWebhook(SECRET, id, NOW_SECONDS, body) },
          body,
        });
        expect([200, 202, 400]).toContain(response.status);
        const answer = (await response.json()) as Record<string, unknown>;
        expect(typeof (answer["status"] ?? answer["error"])).toBe("string");
        // A 400 names its catalog code beside the reason.
        if (response.status === 400) expect(["INP002", "EVT001", "EVT002"]).toContain(answer["code"]);
      }),
      { numRuns: 60 },
    );
    expect(h.errors).toEqual([]);
  });
});
