// POST /webhooks/{connection} on a real server on loopback: signed events accepted, replays
// answered as duplicates, forged, stale, oversized and malformed requests refused with a
// reason, and none of them ever reaching the 500 path.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookConnection } from "../../src/server/webhook-route.js";
import { SYSTEMS } from "../helpers.js";
import { NOW_SECONDS, postSigned, rawRequest, startServer, type Harness } from "./support.js";

const EVENT = JSON.stringify({ type: "donor.updated", actor: "admin", recordId: "1001" });

let h: Harness;
beforeAll(async () => {
  h = await startServer({ maxBodyBytes: 1024 });
});
afterAll(async () => {
  // Bad input never reaches onError: every test in this file sends bad input somewhere.
  expect(h.errors).toEqual([]);
  await h.close();
});

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> });

describe("a signed event", () => {
  it("is accepted with 202 and handed to onEvent as the connection's system's event", async () => {
    expect(await json(await postSigned(h.url, EVENT, { id: "msg_accept" }))).toEqual({ status: 202, body: { status: "accepted" } });
    expect(h.received.find((r) => r.id === "msg_accept")).toEqual({
      connection: "raisedonors",
      id: "msg_accept",
      event: { system: "raisedonors", type: "donor.updated", actor: "admin", recordId: "1001" },
    });
  });

  it("sent again with the same id is a duplicate, not run again", async () => {
    await postSigned(h.url, EVENT, { id: "msg_replay" });
    const again = await json(await postSigned(h.url, EVENT, { id: "msg_replay" }));
    expect(again).toEqual({ status: 200, body: { status: "duplicate" } });
    expect(h.received.filter((r) => r.id === "msg_replay")).toHaveLength(1);
  });

  it("within the tolerance either way is accepted", async () => {
    expect((await postSigned(h.url, EVENT, { id: "msg_old", timestamp: NOW_SECONDS - 300 })).status).toBe(202);
    expect((await postSigned(h.url, EVENT, { id: "msg_new", timestamp: NOW_SECONDS + 300 })).status).toBe(202);
  });
});

describe("refused with 401", () => {
  it("a forged signature", async () => {
    const forged = await postSigned(h.url, EVENT, { id: "msg_forged", secret: `whsec_${Buffer.alloc(32, 1).toString("base64")}` });
    expect(await json(forged)).toEqual({ status: 401, body: { error: expect.stringMatching(/^no signature matches/) } });
  });

  it("a stale timestamp", async () => {
    const stale = await postSigned(h.url, EVENT, { id: "msg_stale", timestamp: NOW_SECONDS - 412 });
    expect(await json(stale)).toEqual({ status: 401, body: { error: "timestamp is 412 seconds old; the tolerance is 300" } });
  });

  it("a timestamp beyond the tolerance in the future", async () => {
    const future = await postSigned(h.url, EVENT, { id: "msg_future", timestamp: NOW_SECONDS + 301 });
    expect(await json(future)).toEqual({ status: 401, body: { error: expect.stringMatching(/^timestamp is 301 seconds in the future; the tolerance is 300/) } });
  });

  it("a missing header", async () => {
    for (const omit of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
      expect(await json(await postSigned(h.url, EVENT, { omit }))).toEqual({ status: 401, body: { error: `missing ${omit} header` } });
    }
  });

  it("a connection with no secret: its webhooks are off", async () => {
    const off = await json(await postSigned(h.url, EVENT, { connection: "quiet", id: "msg_quiet" }));
    expect(off).toEqual({ status: 401, body: { error: expect.stringMatching(/webhooks are off for connection "quiet"/) } });
  });

  it("and none of them reached onEvent", () => {
    expect(h.received.map((r) => r.id)).not.toContain("msg_forged");
    expect(h.received.map((r) => r.id)).not.toContain("msg_stale");
    expect(h.received.map((r) => r.id)).not.toContain("msg_quiet");
  });
});

describe("an oversized body is refused with 413 before it is read whole", () => {
  it("by its Content-Length, before any of it is sent, and before the signature is looked at", async () => {
    const head = "POST /webhooks/raisedonors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n";
    const response = await rawRequest(h.url, head);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: "the body is over the limit of 1024 bytes" });
  });

  it("by its Content-Length, through fetch", async () => {
    const response = await postSigned(h.url, JSON.stringify({ type: "donor.updated", recordId: "x".repeat(4096) }));
    expect(response.status).toBe(413);
  });

  it("chunked without a length: cut off once past the limit, though the body never ends", async () => {
    const head = "POST /webhooks/raisedonors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const chunk = `200\r\n${"a".repeat(0x200)}\r\n`;
    const response = await rawRequest(h.url, head, chunk, chunk, chunk);
    expect(response.status).toBe(413);
  });

  it("chunked through fetch with a streamed body", async () => {
    const part = new TextEncoder().encode("a".repeat(600));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(part);
        controller.enqueue(part);
        controller.close();
      },
    });
    const response = await fetch(`${h.url}/webhooks/raisedonors`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
  });

  it("with Expect: 100-continue, without asking for the body", async () => {
    const head = "POST /webhooks/raisedonors HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n";
    expect((await rawRequest(h.url, head)).status).toBe(413);
  });

  it("a body exactly at the limit is read", async () => {
    const body = JSON.stringify({ type: "donor.updated", recordId: "1" }).padEnd(1024, " ");
    expect((await postSigned(h.url, body, { id: "msg_at_limit" })).status).toBe(202);
  });
});

describe("refused with 400 after the signature holds", () => {
  let n = 0;
  const problem = async (body: string) => json(await postSigned(h.url, body, { id: `msg_problem_${++n}` }));

  it("a body that is not JSON, with where", async () => {
    expect(await problem('{"type": "donor.updated",')).toEqual({ status: 400, body: { error: expect.stringMatching(/^the body is not valid JSON at line 1, column \d+/), code: "INP002" } });
  });

  it("an event type the system does not have, naming the ones it has", async () => {
    expect(await problem(JSON.stringify({ type: "donor.deleted", recordId: "1" }))).toEqual({
      status: 400,
      body: { error: '/type: raisedonors has no event "donor.deleted" (its events are donor.updated and gift.created)', code: "EVT002" },
    });
  });

  it("a field that is missing, of the wrong type, or unknown, by pointer", async () => {
    expect((await problem(JSON.stringify({ type: "donor.updated" }))).body).toEqual({ error: '/recordId: "recordId" must be a non-empty string', code: "EVT001" });
    expect((await problem(JSON.stringify({ type: "donor.updated", recordId: 1001 }))).body).toEqual({ error: '/recordId: "recordId" must be a non-empty string', code: "EVT001" });
    expect((await problem(JSON.stringify({ type: "donor.updated", recordId: "1", extra: true }))).body).toEqual({ error: '/extra: an event has no "extra"; it has type, actor and recordId', code: "EVT001" });
    expect((await problem("[1, 2]")).body).toEqual({ error: 'the body: an event is an object: {"type", "actor"?, "recordId"}', code: "EVT001" });
  });

  it("an actor the system does not have, or another system's name", async () => {
    expect((await problem(JSON.stringify({ type: "donor.updated", actor: "robot", recordId: "1" }))).body).toEqual({ error: '/actor: raisedonors has no actor "robot" (its actors are admin, donor and api)', code: "EVT002" });
    expect((await problem(JSON.stringify({ system: "virtuous", type: "donor.updated", recordId: "1" }))).body).toEqual({ error: `/system: this connection receives raisedonors's events, not "virtuous"'s`, code: "EVT002" });
  });
});

describe("routing", () => {
  it("an unknown connection is 404", async () => {
    expect(await json(await postSigned(h.url, EVENT, { connection: "nobody" }))).toEqual({ status: 404, body: { error: 'no connection named "nobody" receives webhooks here' } });
    expect((await postSigned(h.url, EVENT, { connection: "%E0%A4%A" })).status).toBe(404);
  });

  it("a wrong method is 405 with Allow", async () => {
    const get = await fetch(`${h.url}/webhooks/raisedonors`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const post = await fetch(`${h.url}/metrics`, { method: "POST", body: "" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("serves the service's page at /, with a policy that loads nothing from elsewhere", async () => {
    const page = await fetch(`${h.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self'; /);
    expect(await page.text()).toContain('<script type="module" src="service.js"></script>');
    expect((await fetch(`${h.url}/service.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    // This server was given no status to show.
    expect((await fetch(`${h.url}/api/status`)).status).toBe(404);
  });

  it("shows the page to this machine only: a Host that is not loopback (DNS rebinding) is refused", async () => {
    const { port } = new URL(h.url);
    const asked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: Number(port), path: "/api/status", headers: { host: `rebound.example:${port}` } }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(asked.status).toBe(403);
    expect(JSON.parse(asked.body).error).toMatch(/^the page is shown on the machine it runs on only/);
    expect((await fetch(`${h.url.replace("127.0.0.1", "localhost")}/`)).status).toBe(200);
  });

  it("other paths are 404", async () => {
    for (const path of ["/index.html", "/api", "/webhooks", "/webhooks/", "/webhooks/raisedonors/extra/more", "/webhooks//raisedonors", "/healthz/x"]) {
      expect((await fetch(`${h.url}${path}`)).status, path).toBe(404);
    }
    // An organization's connection is ORGANIZATION/NAME: a webhook path, which takes POST only, and names no connection here.
    expect((await fetch(`${h.url}/webhooks/hope-house/raisedonors`)).status).toBe(405);
    expect((await fetch(`${h.url}/webhooks/hope-house/raisedonors`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("a failure inside the service", () => {
  it("is a generic 500, told to onError; ignored events say why", async () => {
    const errors: unknown[] = [];
    let answer: () => unknown = () => {
      throw new Error("the store is locked");
    };
    const s = await startServer({ onEvent: () => answer() as "accepted", onError: (e) => errors.push(e) });
    try {
      const failed = await json(await postSigned(s.url, EVENT, { id: "msg_boom" }));
      expect(failed).toEqual({ status: 500, body: { error: "the service could not handle this request; its log says why" } });
      expect(errors.map((e) => (e as Error).message)).toEqual(["the store is locked"]);

      answer = () => ({ ignored: "an echo of syncspec's own write" });
      expect(await json(await postSigned(s.url, EVENT, { id: "msg_echo" }))).toEqual({ status: 200, body: { status: "ignored", reason: "an echo of syncspec's own write" } });
      expect(s.metrics.render()).toContain('syncspec_webhooks_total{connection="raisedonors",result="error"} 1');
      expect(s.metrics.render()).toContain('syncspec_webhooks_total{connection="raisedonors",result="ignored"} 1');
    } finally {
      await s.close();
    }
  });

  it("includes a malformed secret set after the server started: the deployment's mistake, not the sender's", async () => {
    const errors: unknown[] = [];
    const connections = new Map<string, WebhookConnection>();
    const s = await startServer({ connections, onError: (e) => errors.push(e) });
    try {
      connections.set("late", { system: SYSTEMS.get("raisedonors")!, secret: "not-a-secret" });
      expect((await postSigned(s.url, EVENT, { connection: "late" })).status).toBe(500);
      expect(errors.map((e) => (e as Error).message)).toEqual(['the webhook secret of connection "late" is not usable: a webhook secret starts with "whsec_" followed by base64 (e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)']);
    } finally {
      await s.close();
    }
  });
});
