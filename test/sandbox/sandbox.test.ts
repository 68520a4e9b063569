// The sandbox plays a system over the wire protocol: bearer tokens, upserts by key, schema
// checks with the reason, and events signed the Standard Webhooks way: sent on request, on
// a person's change (with the modified time bumped), and as the echo of the engine's own
// writes, with the actor connector.yaml names, so that echo suppression can be tested.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { verifyWebhook } from "../../src/connectors/webhook-signature.js";
import { connectorFor, SECRET, SYSTEMS, TOKEN } from "../connectors/support.js";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let receiver: Server;
let target = "";
const received: Received[] = [];
let sandbox: Sandbox;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sandbox = await startSandbox({
    connections: [
      { name: "rd", system: "raisedonors", token: TOKEN, webhookSecret: SECRET },
      { name: "vt", system: "virtuous", token: TOKEN, webhookSecret: SECRET },
      { name: "vomo", system: "vomo", token: TOKEN, webhookSecret: SECRET },
      { name: "quiet", system: "virtuous", token: TOKEN, webhookSecret: SECRET, emitOnWrite: false },
    ],
    systems: SYSTEMS,
    webhookTarget: target,
  });
});
afterEach(async () => {
  await sandbox.settled();
  received.length = 0;
  for (const name of sandbox.connections()) sandbox.faults(name).clear();
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function call(name: string, method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const response = await request(`${sandbox.url(name)}${path}`, {
    method: method as "GET",
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

function verified(message: Received): { type: string; actor?: string; recordId: string } {
  const verdict = verifyWebhook(
    SECRET,
    { id: message.headers["webhook-id"] as string, timestamp: message.headers["webhook-timestamp"] as string, signature: message.headers["webhook-signature"] as string },
    Buffer.from(message.body),
    Date.now() / 1000,
  );
  expect(verdict).toEqual({ ok: true });
  return JSON.parse(message.body) as { type: string; actor?: string; recordId: string };
}

describe("the wire protocol", () => {
  it("asks for the bearer token", async () => {
    expect(await call("rd", "GET", "/donors", undefined, null)).toMatchObject({ status: 401, body: { error: "an Authorization: Bearer <token> header is required" } });
    expect(await call("rd", "GET", "/donors", undefined, "nope")).toMatchObject({ status: 401, body: { error: "the bearer token is not valid" } });
  });

  it("pages in the system's style, records in key order", async () => {
    const page = await call("vt", "GET", "/contacts?skip=1&take=2");
    expect(page.status).toBe(200);
    expect(page.body!["total"]).toBe(6);
    expect((page.body!["list"] as { id: string }[]).map((r) => r.id)).toEqual(["c10", "c11"]);
    const vomo = await call("vomo", "GET", "/users?page=1&per_page=4");
    expect((vomo.body!["links"] as { next: string }).next).toBe(`${sandbox.url("vomo")}/users?page=2&per_page=4`);
    expect(await call("vt", "GET", "/contacts?skip=-1")).toMatchObject({ status: 400 });
    expect(await call("vt", "GET", "/pledges")).toMatchObject({ status: 404 });
  });

  it("creates by PUT as an upsert, updates by PATCH, deletes by DELETE", async () => {
    const record = { id: "x1", name: "Group X", contactIds: ["c1"] };
    expect(await call("quiet", "PUT", "/organizationGroups/x1", record)).toMatchObject({ status: 201, body: record });
    expect(await call("quiet", "PUT", "/organizationGroups/x1", record)).toMatchObject({ status: 200 });
    expect(sandbox.stats("quiet").createsOf("organizationGroups", "x1")).toBe(1);
    expect(await call("quiet", "PATCH", "/organizationGroups/x1", { name: "Group Y" })).toMatchObject({ status: 200, body: { ...record, name: "Group Y" } });
    expect(await call("quiet", "PATCH", "/organizationGroups/x2", { name: "Group Y" })).toMatchObject({ status: 404 });
    expect(await call("quiet", "DELETE", "/organizationGroups/x1")).toMatchObject({ status: 204 });
    expect(await call("quiet", "DELETE", "/organizationGroups/x1")).toMatchObject({ status: 404 });
  });

  it("checks every written record against the schema and answers 422 with the reason", async () => {
    expect(await call("quiet", "PUT", "/organizationGroups/x3", { id: "x3", name: "No ids" })).toMatchObject({ status: 422, body: { error: 'the field "contactIds" is missing' } });
    expect(await call("quiet", "PUT", "/organizationGroups/x3", { id: "x4", name: "Wrong", contactIds: [] })).toMatchObject({
      status: 422,
      body: { error: 'id: must equal the record\'s key in the URL, "x3", not "x4"' },
    });
    expect(await call("quiet", "PATCH", "/contacts/c1", { isArchived: "no" })).toMatchObject({ status: 422, body: { error: "isArchived must be boolean" } });
  });

  it("answers 429 with Retry-After while rate-limited, then serves again", async () => {
    sandbox.faults("vt").rateLimit(1, 7);
    const limited = await call("vt", "GET", "/gifts");
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("7");
    expect((await call("vt", "GET", "/gifts")).status).toBe(200);
    sandbox.faults("vt").rateLimitBucket(2, 0, 30);
    expect([(await call("vt", "GET", "/gifts")).status, (await call("vt", "GET", "/gifts")).status, (await call("vt", "GET", "/gifts")).status]).toEqual([200, 200, 429]);
  });

  it("can be slow", async () => {
    sandbox.faults("vt").delay(20);
    expect((await call("vt", "GET", "/gifts")).status).toBe(200);
  });
});

describe("events", () => {
  it("sends an event signed the Standard Webhooks way to /webhooks/{connection}", async () => {
    const answer = await sandbox.emit("rd", { type: "gift.created", recordId: "g1" });
    expect(answer.status).toBe(202);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe("/webhooks/rd");
    expect(received[0]!.headers["webhook-id"]).toBe(answer.id);
    expect(verified(received[0]!)).toEqual({ type: "gift.created", recordId: "g1" });
  });

  it("sends the same message again for a replay, and an old one with its old timestamp", async () => {
    await sandbox.emit("rd", { type: "donor.updated", actor: "admin", recordId: "1001" }, { id: "msg_fixed", timestamp: 1_800_000_000 });
    await sandbox.emit("rd", { type: "donor.updated", actor: "admin", recordId: "1001" }, { id: "msg_fixed", timestamp: 1_800_000_000 });
    expect(received[0]!.headers["webhook-signature"]).toBe(received[1]!.headers["webhook-signature"]);
    expect(received[0]!.headers["webhook-timestamp"]).toBe("1800000000");
  });

  it("sends the event of a person's change, with the modified time bumped", async () => {
    const before = sandbox.document("vt")["contacts"]!["c3"]!;
    await sandbox.change("vt", "contacts", "c3", { phone: "202-555-0142" }, "admin");
    const after = sandbox.document("vt")["contacts"]!["c3"]!;
    expect(after["phone"]).toBe("202-555-0142");
    expect(after["modifiedDateTimeUtc"]).not.toBe(before["modifiedDateTimeUtc"]);
    expect(String(after["modifiedDateTimeUtc"]) > String(before["modifiedDateTimeUtc"])).toBe(true);
    expect(received.map(verified)).toEqual([{ type: "contact.updated", actor: "admin", recordId: "c3" }]);
  });

  it("sends a named event for systems without *.updated ones, and none when there is none", async () => {
    await sandbox.change("vomo", "participations", "pa1", { status: "APPROVED" }, undefined, { event: "participation.approved" });
    await sandbox.change("vomo", "projects", "p1", { name: "Renamed" });
    expect(received.map(verified)).toEqual([{ type: "participation.approved", recordId: "pa1" }]);
  });

  it("refuses a change that makes the record invalid", async () => {
    await expect(sandbox.change("vt", "contacts", "c3", { contactType: "Person" })).rejects.toThrow('sandbox change of virtuous.contacts c3: contactType must be one of "Household", "Organization"');
  });

  it("echoes the engine's writes as events with the actor connector.yaml names", async () => {
    const connector = connectorFor(sandbox, "rd", "raisedonors");
    try {
      const result = await connector.write([
        { collection: "donors", key: "1001", action: "update", fields: { crmKey: "c1" } },
        { collection: "gifts", key: "g9", action: "create", fields: { id: "g9", donorId: "1001", amount: 5, currency: "USD", date: "2026-11-01", status: "Succeeded", isTestMode: false } },
      ]);
      expect(result.failed).toEqual([]);
      await sandbox.settled();
      expect(received.map(verified)).toEqual(
        expect.arrayContaining([
          { type: "donor.updated", actor: "api", recordId: "1001" },
          { type: "gift.created", actor: "api", recordId: "g9" },
        ]),
      );
      expect(received).toHaveLength(2);
      expect(sandbox.stats("rd").webhookFailures).toEqual([]);
    } finally {
      await connector.close();
    }
  });

  it("does not echo when told not to", async () => {
    const connector = connectorFor(sandbox, "quiet", "virtuous");
    try {
      await connector.write([{ collection: "contacts", key: "c4", action: "update", fields: { phone: "202-555-0000" } }]);
      await sandbox.settled();
      expect(received).toEqual([]);
    } finally {
      await connector.close();
    }
  });
});
