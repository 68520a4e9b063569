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
import type { Document } from "../../src/connectors/connector.js";
import { selectKeys, type ReadRequest } from "../../src/input/read-request.js";
import { connectorFor, sample, SECRET, SYSTEMS, TOKEN } from "../connectors/support.js";

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
      // For scoped reads: pages of two, and more records than the samples have.
      { name: "rdq", system: "raisedonors", token: TOKEN, settings: { pageSize: 2 } },
      { name: "vtq", system: "virtuous", token: TOKEN, settings: { pageSize: 2 }, document: manyContacts() },
      { name: "alq", system: "altru", token: TOKEN, settings: { pageSize: 2 } },
      { name: "vhq", system: "volunteerhub", token: TOKEN, settings: { pageSize: 2 } },
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

/** The Virtuous sample with ten contacts more, referenced from RaiseDonors donors 2000 to 2004, two each. */
function manyContacts(): Document {
  const document = sample("virtuous");
  const contacts = document["contacts"]!;
  for (let i = 0; i < 10; i++) {
    const id = `c2${i}`;
    contacts[id] = { ...contacts["c1"]!, id, name: `Contact ${i}`, email: `c${i}@example.org`, referenceId: String(2000 + Math.floor(i / 2)) };
  }
  return document;
}

describe("scoped reads", () => {
  const keyOf = (system: string, collection: string) => SYSTEMS.get(system)!.collections.get(collection)!.key;

  /** What the sandbox's records select for a request: `selectKeys` over its document and its stamps. */
  function expected(name: string, request: ReadRequest): string[] {
    const records = new Map(Object.entries(sandbox.document(name)[request.collection]!));
    return selectKeys(records, request, (key) => sandbox.stamp(name, request.collection, key));
  }

  /** Every page of a query in the connection's paging style (pages side by side, no overlap): the keys in order and the pages taken. */
  async function readAll(name: string, system: string, collection: string, method: "GET" | "POST", path: string, body?: unknown): Promise<{ keys: string[]; pages: number }> {
    const key = keyOf(system, collection);
    const keys: string[] = [];
    let pages = 0;
    let next: string | null = path;
    while (next !== null) {
      const page = await call(name, method, next, body);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      pages++;
      const answer = page.body!;
      const url: URL = new URL(next, sandbox.url(name));
      const step = (start: string, size: string, total: number, records: Record<string, unknown>[]) => {
        keys.push(...records.map((r) => String(r[key])));
        const from = Number(url.searchParams.get(start)) + Number(url.searchParams.get(size));
        url.searchParams.set(start, String(from));
        return from < total ? `${url.pathname}${url.search}` : null;
      };
      if ("list" in answer) next = step("skip", "take", answer["total"] as number, answer["list"] as Record<string, unknown>[]);
      else if ("value" in answer) next = step("offset", "limit", answer["count"] as number, answer["value"] as Record<string, unknown>[]);
      else {
        keys.push(...(answer["data"] as Record<string, unknown>[]).map((r) => String(r[key])));
        const link = (answer["links"] as { next: string | null }).next;
        next = link === null ? null : link.slice(sandbox.url(name).length);
      }
      if (pages > 50) throw new Error("too many pages");
    }
    return { keys, pages };
  }

  const condition = (parameter: string, operator: string, value: unknown) => ({ groups: [{ conditions: [{ parameter, operator, ...(operator === "In" ? { values: value } : { value }) }] }], sortBy: "Id", descending: false });

  it("params style with comma-joined values (RaiseDonors): the answer is selectKeys, paged as lists are", async () => {
    const gifts = await readAll("rdq", "raisedonors", "gifts", "GET", "/gifts?donorId=1001,1003&skip=0&take=2");
    expect(gifts.keys).toEqual(expected("rdq", { collection: "gifts", field: "donorId", values: ["1001", "1003"] }));
    expect(gifts.keys).toEqual(["g1", "g2", "g3"]);
    expect(gifts.pages).toBe(2);
    // The total is the query's, not the collection's.
    expect((await call("rdq", "GET", "/gifts?donorId=1001,1003&skip=0&take=2")).body).toMatchObject({ total: 3 });
    const donors = await readAll("rdq", "raisedonors", "donors", "GET", "/donors?ids=1004,1002,nobody&skip=0&take=2");
    expect(donors.keys).toEqual(expected("rdq", { collection: "donors", field: "id", values: ["1004", "1002", "nobody"] }));
    expect(donors.keys).toEqual(["1002", "1004"]);
    expect((await readAll("rdq", "raisedonors", "donors", "GET", "/donors?email=maya%40example.org&skip=0&take=2")).keys).toEqual(["1003"]);
    // A comma splits values whether it is written "," or "%2C": a value with a comma in it cannot be asked in this style.
    expect((await readAll("rdq", "raisedonors", "donors", "GET", "/donors?ids=1001%2C1003&skip=0&take=2")).keys).toEqual(["1001", "1003"]);
    expect((await readAll("rdq", "raisedonors", "donors", "GET", "/donors?email=nobody%40example.org&skip=0&take=2")).keys).toEqual([]);
    const since = await readAll("rdq", "raisedonors", "donors", "GET", "/donors?modifiedSince=2026-11-03T08:15:00Z&skip=0&take=2");
    expect(since.keys).toEqual(expected("rdq", { collection: "donors", modifiedSince: "2026-11-03T08:15:00Z" }));
    expect(since.keys).toEqual(["1003", "1004"]);
  });

  it("params style with a repeated parameter (Altru, offset-limit) and the system's own modified stamps", async () => {
    const relationships = await readAll("alq", "altru", "relationships", "GET", "/relationships?constituent_id=c-ann&constituent_id=vh-u-bo&offset=0&limit=2");
    const request: ReadRequest = { collection: "relationships", field: "constituent_id", values: ["c-ann", "vh-u-bo"] };
    expect(relationships.keys).toEqual(expected("alq", request));
    const constituents = await readAll("alq", "altru", "constituents", "GET", "/constituents?volunteerhub_uid=u-ann&volunteerhub_uid=u-dup&offset=0&limit=2");
    expect(constituents.keys).toEqual(expected("alq", { collection: "constituents", field: "volunteerhub_uid", values: ["u-ann", "u-dup"] }));
    expect(constituents.keys.length).toBeGreaterThan(1);
    // Constituents carry no modified time: the system stamps them, at load and at each change.
    expect(sandbox.stamp("alq", "constituents", "c-ann")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const after = new Date(Date.now() + 1).toISOString();
    const query = `/constituents?last_modified=${encodeURIComponent(after)}&offset=0&limit=2`;
    expect((await readAll("alq", "altru", "constituents", "GET", query)).keys).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sandbox.change("alq", "constituents", "c-dup1", { first_name: "Danielle" });
    expect((await readAll("alq", "altru", "constituents", "GET", query)).keys).toEqual(["c-dup1"]);
    expect(expected("alq", { collection: "constituents", modifiedSince: after })).toEqual(["c-dup1"]);
    expect((await readAll("alq", "altru", "constituents", "GET", "/constituents?last_modified=2000-01-01T00:00:00Z&offset=0&limit=2")).keys).toEqual(Object.keys(sandbox.document("alq")["constituents"]!));
  });

  it("params style over page-next-link (VolunteerHub): the next link keeps the filter", async () => {
    const first = await call("vhq", "GET", "/registrations?UserUid=u-ann&page=1&per_page=2");
    expect((first.body!["links"] as { next: string }).next).toBe(`${sandbox.url("vhq")}/registrations?UserUid=u-ann&page=2&per_page=2`);
    const registrations = await readAll("vhq", "volunteerhub", "registrations", "GET", "/registrations?UserUid=u-ann&page=1&per_page=2");
    expect(registrations.keys).toEqual(expected("vhq", { collection: "registrations", field: "UserUid", values: ["u-ann"] }));
    expect(registrations).toEqual({ keys: ["r1", "r3", "r5"], pages: 2 });
    const users = await readAll("vhq", "volunteerhub", "users", "GET", "/users?earliestLastUpdate=2026-11-02T10:00:00Z&page=1&per_page=2");
    expect(users.keys).toEqual(expected("vhq", { collection: "users", modifiedSince: "2026-11-02T10:00:00Z" }));
    expect(users.keys).toEqual(["u-bo", "u-dup"]);
  });

  it("Virtuous style: POST /{collection}/Query with Is, In and OnOrAfter, paged by skip and take", async () => {
    const is = await readAll("vtq", "virtuous", "contacts", "POST", "/contacts/Query?skip=0&take=2", condition("Reference Id", "Is", "2001"));
    expect(is.keys).toEqual(expected("vtq", { collection: "contacts", field: "referenceId", values: ["2001"] }));
    expect(is.keys).toEqual(["c22", "c23"]);
    const values = ["2004", "2000", "1001", "none"];
    const inList = await readAll("vtq", "virtuous", "contacts", "POST", "/contacts/Query?skip=0&take=2", condition("Reference Id", "In", values));
    expect(inList.keys).toEqual(expected("vtq", { collection: "contacts", field: "referenceId", values }));
    expect(inList).toEqual({ keys: ["c1", "c20", "c21", "c28", "c29"], pages: 3 });
    const since = "2026-10-02T10:00:00Z";
    const onOrAfter = await readAll("vtq", "virtuous", "contacts", "POST", "/contacts/Query?skip=0&take=2", condition("Last Modified Date", "OnOrAfter", since));
    expect(onOrAfter.keys).toEqual(expected("vtq", { collection: "contacts", modifiedSince: since }));
    // Conditions of a group all hold; groups are alternatives.
    const both = {
      groups: [
        { conditions: [{ parameter: "Reference Id", operator: "In", values: ["1001", "1002", "2000"] }, { parameter: "Email", operator: "Is", value: "ann@example.org" }] },
        { conditions: [{ parameter: "Contact Id", operator: "Is", value: "c3" }] },
      ],
    };
    expect((await readAll("vtq", "virtuous", "contacts", "POST", "/contacts/Query?skip=0&take=2", both)).keys).toEqual(["c1", "c3"]);
  });

  it("answers modified-since after a change: the record's own stamp, and the stamp the system keeps for gifts", async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
    const contacts = () => readAll("vtq", "virtuous", "contacts", "POST", "/contacts/Query?skip=0&take=2", condition("Last Modified Date", "OnOrAfter", now));
    expect((await contacts()).keys).toEqual([]);
    await sandbox.change("vtq", "contacts", "c23", { phone: "202-555-0199" });
    expect((await contacts()).keys).toEqual(["c23"]);
    expect((await contacts()).keys).toEqual(expected("vtq", { collection: "contacts", modifiedSince: now }));
    // Gifts carry no modified time; the system's stamp says when they changed.
    const after = new Date(Date.now() + 1).toISOString();
    const gifts = () => readAll("vtq", "virtuous", "gifts", "POST", "/gifts/Query?skip=0&take=2", condition("Last Modified Date", "OnOrAfter", after));
    expect((await gifts()).keys).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const connector = connectorFor(sandbox, "vtq", "virtuous");
    try {
      expect((await connector.write([{ collection: "gifts", key: "v-9001", action: "update", fields: { amount: 30 } }])).failed).toEqual([]);
    } finally {
      await connector.close();
    }
    expect((await gifts()).keys).toEqual(["v-9001"]);
  });

  it("a change drops what was worked out: a query by the old value no longer finds the record, one by the new does", async () => {
    const by = async (email: string) => (await readAll("rdq", "raisedonors", "donors", "GET", `/donors?email=${encodeURIComponent(email)}&skip=0&take=2`)).keys;
    expect(await by("giving@riverside.example")).toEqual(["1002"]);
    await sandbox.change("rdq", "donors", "1002", { email: "office@riverside.example" });
    expect(await by("giving@riverside.example")).toEqual([]);
    expect(await by("office@riverside.example")).toEqual(["1002"]);
    await sandbox.change("rdq", "donors", "1002", { email: "giving@riverside.example" });
  });

  it("keeps its key order and field indexes right through creates, edits and deletes", async () => {
    const donor = sandbox.document("rdq")["donors"]!["1001"]!;
    const emails = ["a@example.org", "b@example.org", "c@example.org"];
    const ask = async (email: string) => (await readAll("rdq", "raisedonors", "donors", "GET", `/donors?email=${encodeURIComponent(email)}&skip=0&take=2`)).keys;
    await ask(emails[0]!); // builds the index before the edits
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const made: string[] = [];
    for (let step = 0; step < 60; step++) {
      const key = `x${next(8)}`;
      if (next(4) === 0 && sandbox.document("rdq")["donors"]![key]) {
        expect((await call("rdq", "DELETE", `/donors/${key}`)).status).toBe(204);
      } else {
        await sandbox.change("rdq", "donors", key, { ...donor, id: key, email: emails[next(3)]! });
        made.push(key);
      }
      const email = emails[next(3)]!;
      expect(await ask(email)).toEqual(expected("rdq", { collection: "donors", field: "email", values: [email] }));
    }
    const listed = await readAll("rdq", "raisedonors", "donors", "GET", "/donors?skip=0&take=2");
    expect(listed.keys).toEqual(Object.keys(sandbox.document("rdq")["donors"]!).sort());
    for (const key of new Set(made)) if (sandbox.document("rdq")["donors"]![key]) await call("rdq", "DELETE", `/donors/${key}`);
  });

  it("answers 400 with the reason for a filter connector.yaml does not declare, or a query of the wrong shape", async () => {
    expect(await call("rdq", "GET", "/donors?firstName=Ann")).toMatchObject({
      status: 400,
      body: { error: 'RaiseDonors does not filter donors by "firstName"; its filters of donors are "ids", "email" and "modifiedSince"' },
    });
    expect(await call("rdq", "GET", "/donors?offset=0")).toMatchObject({ status: 400, body: { error: expect.stringContaining('does not filter donors by "offset"') } });
    expect(await call("rdq", "GET", "/donors?ids=1001&ids=1002")).toMatchObject({ status: 400, body: { error: "give several ids values in one parameter, comma-separated (ids=a,b), not 2 parameters" } });
    expect(await call("rdq", "GET", `/donors?ids=${Array.from({ length: 101 }, (_, i) => i).join(",")}`)).toMatchObject({ status: 400, body: { error: "at most 100 values of ids in one query, not 101" } });
    expect(await call("rdq", "GET", "/donors?modifiedSince=yesterday")).toMatchObject({ status: 400, body: { error: 'modifiedSince must be a date-time such as 2026-11-01T14:05:00Z, not "yesterday"' } });
    expect(await call("vtq", "GET", "/contacts?Email=ann%40example.org")).toMatchObject({ status: 400, body: { error: "Virtuous lists take no filters; query contacts with POST /contacts/Query" } });
    expect(await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("First Name", "Is", "Ann"))).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('Virtuous does not filter contacts by "First Name"') },
    });
    expect(await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("Reference Id", "Contains", "1"))).toMatchObject({ status: 400, body: { error: 'the operator "Contains" is not one of Is, In or OnOrAfter' } });
    expect(await call("vtq", "POST", "/contacts/Query?skip=0&take=2", { conditions: [] })).toMatchObject({ status: 400 });
    expect(await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("Last Modified Date", "Is", "2026-11-01T00:00:00Z"))).toMatchObject({ status: 400 });
    // Only Virtuous has query endpoints.
    expect(await call("rdq", "POST", "/donors/Query?skip=0&take=2", condition("Id", "Is", "1001"))).toMatchObject({ status: 405 });
  });

  it("applies rate limits and overload to queries as to lists", async () => {
    sandbox.faults("vtq").rateLimit(3, 2);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("Reference Id", "Is", "2001"))).status);
    expect(statuses).toEqual([429, 429, 429, 200]);
    sandbox.faults("rdq").unavailable(1, 1);
    expect((await call("rdq", "GET", "/gifts?donorId=1001&skip=0&take=2")).status).toBe(503);
    expect((await call("rdq", "GET", "/gifts?donorId=1001&skip=0&take=2")).status).toBe(200);
    // Even a query that would be refused: the limit is answered first, as for every request.
    sandbox.faults("rdq").rateLimit(1);
    expect((await call("rdq", "GET", "/donors?firstName=Ann")).status).toBe(429);
  });

  it("fails a query's page as a list's, and deletes behind a query's page", async () => {
    sandbox.faults("vtq").failPage("contacts", 2);
    const body = condition("Reference Id", "In", ["2000", "2001", "2002"]);
    expect((await call("vtq", "POST", "/contacts/Query?skip=0&take=2", body)).status).toBe(200);
    expect(await call("vtq", "POST", "/contacts/Query?skip=2&take=2", body)).toMatchObject({ status: 500 });
    sandbox.faults("vtq").clear();
    // Once the first page is served, g1 is deleted: the query's second page shifts, as a list's would.
    sandbox.faults("rdq").deleteAfterPage("gifts", 1, "g1");
    const first = await call("rdq", "GET", "/gifts?donorId=1001,1002&skip=0&take=2");
    expect((first.body!["list"] as { id: string }[]).map((g) => g.id)).toEqual(["g1", "g3"]);
    const second = await call("rdq", "GET", "/gifts?donorId=1001,1002&skip=1&take=2");
    expect(second.body).toMatchObject({ total: 2 });
    expect((second.body!["list"] as { id: string }[]).map((g) => g.id)).toEqual(["g4"]);
    expect(sandbox.document("rdq")["gifts"]!["g1"]).toBeUndefined();
  });

  it("counts reads by kind: list, get, query and modified", async () => {
    const stats = sandbox.stats("vtq");
    stats.reset();
    await call("vtq", "GET", "/contacts?skip=0&take=2");
    await call("vtq", "GET", "/contacts/c1");
    await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("Reference Id", "Is", "2001"));
    await call("vtq", "POST", "/contacts/Query?skip=0&take=2", condition("Last Modified Date", "OnOrAfter", "2026-01-01T00:00:00Z"));
    sandbox.faults("vtq").rateLimit(1);
    await call("vtq", "GET", "/contacts?skip=0&take=2");
    expect(Object.fromEntries(stats.readsBy)).toEqual({ list: 1, get: 1, query: 1, modified: 1 });
    expect(stats.requests).toBe(5);
  });
});
